from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "intreccio.access"
    label = "access"
    verbose_name = _("Access and intake")

    def ready(self) -> None:
        # The registry must not import the apps built on it: this app tells it which persons
        # its intakes make visible (people/permissions.py, register_relation).
        from intreccio.access.permissions import persons_of_visible_intakes
        from intreccio.people.permissions import register_relation

        register_relation(persons_of_visible_intakes)

        from intreccio.access.permissions import can_list_intakes
        from intreccio.core.navigation import NavEntry, register

        register(NavEntry("access:intake_list", _("Intakes"), can_list_intakes, order=10))

        from intreccio.access.importer import can_import_beneficiaries

        register(
            NavEntry(
                "access:import_upload", _("Import beneficiaries"), can_import_beneficiaries, order=15, group="network"
            )
        )
