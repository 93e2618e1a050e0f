from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "intreccio.rights"
    label = "rights"
    verbose_name = _("Data subject rights")
