from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlackoutConfig(AppConfig):
    name = "intreccio.blackout"
    label = "blackout"
    verbose_name = _("Blackout")

    def ready(self) -> None:
        from django.http import HttpRequest

        from intreccio.accounts.permissions import active_role, can_read_audit
        from intreccio.blackout.permissions import concealed_for, concealed_for_many
        from intreccio.cases.permissions import CASE_ROLES, register_concealment
        from intreccio.core.navigation import NavEntry, register

        # Active blackouts hide their item from every reader outside the service that wrote it.
        register_concealment(concealed_for, many=concealed_for_many)

        def works_on_cases(request: HttpRequest) -> bool:
            return active_role(request) in CASE_ROLES

        register(NavEntry("blackout:blackout_list", _("Blackouts"), works_on_cases, order=80, group="privacy"))
        register(NavEntry("blackout:register", _("Blackout requests"), can_read_audit, order=30, group="privacy"))
