from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "intreccio.catalogue"
    label = "catalogue"
    verbose_name = _("Services catalogue and assistance packages")
