from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "intreccio.rights"
    label = "rights"
    verbose_name = _("Data subject rights")

    def ready(self) -> None:
        from intreccio.core.navigation import NavEntry, register
        from intreccio.rights.permissions import handles_requests

        register(
            NavEntry("rights:request_list", _("Data subject requests"), handles_requests, order=32, group="privacy")
        )
