from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "intreccio.catalogue"
    label = "catalogue"
    verbose_name = _("Services catalogue and assistance packages")

    def ready(self) -> None:
        from intreccio.catalogue.permissions import can_read_catalogue
        from intreccio.core.navigation import NavEntry, register

        register(NavEntry("catalogue:package_list", _("Catalogue"), can_read_catalogue, order=60, group="network"))
