from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "intreccio.plans"
    label = "plans"
    verbose_name = _("Personalised projects")

    def ready(self) -> None:
        from intreccio.cases.timeline import register_sentences
        from intreccio.plans.timeline import SENTENCES

        register_sentences(SENTENCES)

        from intreccio.cases.permissions import MANAGER_ROLES
        from intreccio.core.navigation import NavEntry, register

        register(
            NavEntry(
                "plans:due_checkins",
                _("Check-ins"),
                lambda r: getattr(getattr(r, "membership", None), "role", None) in MANAGER_ROLES,
                order=26,
            )
        )

        from intreccio.cases.nav import sits_in_a_coordination_group

        register(NavEntry("plans:budget", _("Budget"), sits_in_a_coordination_group, order=31))
