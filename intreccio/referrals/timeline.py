"""How referral events read in the case timeline (the payload carries ids and codes only)."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "referrals.referral.sent": _("%(actor)s referred the person to another service of the network."),
    "referrals.referral.accepted": _("%(actor)s accepted a referral for their service."),
    "referrals.referral.rejected": _("%(actor)s declined a referral for their service."),
    "referrals.referral.completed": _("%(actor)s completed a referral: the receiving service's access ended."),
    "referrals.referral.withdrawn": _("%(actor)s withdrew a referral: the receiving service's access ended."),
}
