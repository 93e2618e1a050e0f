from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "intreccio.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from intreccio.accounts.permissions import can_read_audit
        from intreccio.core.navigation import NavEntry, register

        register(NavEntry("audit:access_log", _("Access log"), can_read_audit, order=10))
        register(NavEntry("audit:domain_log", _("Activity log"), can_read_audit, order=20))
