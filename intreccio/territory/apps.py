from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "intreccio.territory"
    label = "territory"
    verbose_name = _("Territory")

    def ready(self) -> None:
        from intreccio.accounts.permissions import can_manage_accounts
        from intreccio.core.navigation import NavEntry, register

        register(NavEntry("territory:ambito_list", _("Ambiti"), can_manage_accounts, order=40))
