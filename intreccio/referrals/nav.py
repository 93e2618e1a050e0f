"""Navigation entry of the referrals app (registered in ReferralsConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest

from intreccio.referrals.permissions import acts_on_cases


def sees_referrals(request: HttpRequest) -> bool:
    return acts_on_cases(request)
