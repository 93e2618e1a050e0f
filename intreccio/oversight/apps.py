from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "intreccio.oversight"
    label = "oversight"
    verbose_name = _("Data-protection oversight")

    def ready(self) -> None:
        from intreccio.accounts.permissions import can_manage_accounts, can_read_audit
        from intreccio.core.navigation import NavEntry, register

        register(NavEntry("oversight:review", _("Unusual access"), can_read_audit, order=30, group="privacy"))
        register(NavEntry("oversight:register", _("Register of processing"), can_read_audit, order=40, group="privacy"))
        register(NavEntry("oversight:dpia", _("DPIA inventory"), can_read_audit, order=50, group="privacy"))
        register(NavEntry("oversight:controller", _("Data controller"), can_manage_accounts, order=90, group="privacy"))
