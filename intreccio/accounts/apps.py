from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "intreccio.accounts"
    label = "accounts"
    verbose_name = _("Organisations and operators")

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from intreccio.accounts.signals import on_user_locked_out

        user_locked_out.connect(on_user_locked_out, dispatch_uid="intreccio_accounts_locked_out")

        from intreccio.accounts.permissions import can_manage_accounts
        from intreccio.core.navigation import NavEntry, register

        register(NavEntry("accounts:organisation_list", _("Organisations"), can_manage_accounts, order=10))
        register(NavEntry("accounts:operator_list", _("Operators"), can_manage_accounts, order=20))
        register(NavEntry("accounts:team_list", _("Teams"), can_manage_accounts, order=30))
