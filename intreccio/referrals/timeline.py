"""How referral events read in the case timeline (the payload carries ids and codes only).

``%(to_structure)s`` is the receiving service, named for the case's team (who may read its
referrals) and "another service of the network" for anyone else (cases/views.py ``_sentence``).
"""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "referrals.referral.sent": _("%(actor)s referred the person to %(to_structure)s."),
    "referrals.referral.accepted": _("%(actor)s accepted the referral to %(to_structure)s."),
    "referrals.referral.rejected": _("%(actor)s declined the referral to %(to_structure)s."),
    "referrals.referral.completed": _(
        "%(actor)s completed the referral to %(to_structure)s: the receiving service's access ended."
    ),
    "referrals.referral.withdrawn": _(
        "%(actor)s withdrew the referral to %(to_structure)s: the receiving service's access ended."
    ),
}
