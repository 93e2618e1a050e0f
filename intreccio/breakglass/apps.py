from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BreakglassConfig(AppConfig):
    name = "intreccio.breakglass"
    label = "breakglass"
    verbose_name = _("Break-the-glass")

    def ready(self) -> None:
        from intreccio.breakglass import permissions
        from intreccio.cases.permissions import AccessSource, register_access_source
        from intreccio.core.navigation import NavEntry, register
        from intreccio.people.permissions import register_relation

        # An active grant opens its case (minus the violence section) and the person of the case.
        register_access_source(
            AccessSource(basis=permissions.BASIS, cases_q=permissions.cases_q, sections=permissions.sections)
        )
        register_relation(permissions.persons_of_granted_cases)

        register(
            NavEntry("breakglass:my_grants", _("Emergency access"), permissions.can_request, order=85, group="privacy")
        )
        register(
            NavEntry(
                "breakglass:review_queue",
                _("Emergency access review"),
                permissions.can_see_review_queue,
                order=86,
                group="privacy",
            )
        )
