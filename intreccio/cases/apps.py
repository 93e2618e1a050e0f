from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "intreccio.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from intreccio.cases.relations import persons_of_my_cases
        from intreccio.people.permissions import register_relation

        register_relation(persons_of_my_cases)

        from intreccio.cases.nav import can_open_caseload, sits_in_a_coordination_group
        from intreccio.core.navigation import NavEntry, register

        register(NavEntry("cases:caseload", _("Cases"), can_open_caseload, order=25))
        register(NavEntry("cases:allocation_queue", _("Allocation"), sits_in_a_coordination_group, order=30))
