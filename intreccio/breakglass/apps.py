from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BreakglassConfig(AppConfig):
    name = "intreccio.breakglass"
    label = "breakglass"
    verbose_name = _("Break-the-glass")
