from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "intreccio.people"
    label = "people"
    verbose_name = _("People and households")

    def ready(self) -> None:
        from intreccio.core.navigation import NavEntry, register
        from intreccio.people.permissions import can_use_registry

        register(NavEntry("people:person_search", _("Persons"), can_use_registry, order=20))
