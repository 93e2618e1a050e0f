from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlackoutConfig(AppConfig):
    name = "intreccio.blackout"
    label = "blackout"
    verbose_name = _("Blackout")
