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
