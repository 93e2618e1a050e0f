from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "intreccio.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        # Recipients read a referral's minimum dataset on its own page: on purpose, no access
        # source is registered with cases.permissions, so the case pages stay closed to them.
        from intreccio.cases.timeline import register_sentences
        from intreccio.core.navigation import NavEntry, register
        from intreccio.referrals.nav import sees_referrals
        from intreccio.referrals.timeline import SENTENCES

        register_sentences(SENTENCES)
        register(NavEntry("referrals:inbox", _("Referrals"), sees_referrals, order=35))
