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
