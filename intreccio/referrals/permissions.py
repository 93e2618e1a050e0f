"""Who may send, read and answer referrals (deny by default, SECURITY.md R2 and R9).

Two sides, and nobody else:

- the sender side: the current team of the case, acting in a role that works on cases. It sends
  referrals from the case's referrals page and follows them; the operator who sent a referral,
  or the case manager, may withdraw it.
- the recipients: the operators acting in the receiving structure, in a role that works on
  cases, while the referral is sent or accepted and the consents it rests on are still in force.
  They read the minimum dataset on the referral page and answer; they never get the case page
  (no access source is registered with ``cases.permissions``), and once the referral is
  completed, rejected or withdrawn, or a consent it rests on is withdrawn, it is gone for them.

An override of the consent is a decision for the professionals who may manage a case (case
manager, social worker, health specialist).
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone

from intreccio.accounts.models import Membership
from intreccio.cases import permissions as case_permissions
from intreccio.cases.models import Case, CaseMember
from intreccio.referrals.models import ACTIVE_STATES, Referral

NOTHING = Q(pk__in=[])


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def acts_on_cases(request: HttpRequest) -> bool:
    membership = _membership(request)
    return membership is not None and membership.role in case_permissions.CASE_ROLES


def _in_force(field: str, on: datetime.date) -> Q:
    # A missing optional consent is fine; a present one must not be withdrawn by ``on``.
    return Q(**{f"{field}__withdrawn_on__isnull": True}) | Q(**{f"{field}__withdrawn_on__gt": on})


def basis_in_force_q(on: datetime.date | None = None) -> Q:
    """Referrals whose basis still holds: an override, or consents none of which was withdrawn."""
    day = on or timezone.localdate()
    consents = (
        Q(consent__isnull=False)
        & _in_force("consent", day)
        & _in_force("health_consent", day)
        & _in_force("third_sector_consent", day)
    )
    return ~Q(override_basis="") | consents


def received_q(request: HttpRequest) -> Q:
    """Referrals the acting operator reads as a recipient now."""
    membership = _membership(request)
    if membership is None or membership.role not in case_permissions.CASE_ROLES:
        return NOTHING
    return Q(to_structure_id=membership.structure_id, status__in=list(ACTIVE_STATES)) & basis_in_force_q()


def sender_side_q(request: HttpRequest) -> Q:
    """Referrals of the cases whose current team the acting operator is on."""
    if not acts_on_cases(request):
        return NOTHING
    user_id: int = request.user.pk  # type: ignore[assignment]
    return Q(Exists(CaseMember.objects.filter(case=OuterRef("case"), operator_id=user_id, left_on__isnull=True)))


def can_refer(request: HttpRequest, case: Case) -> bool:
    """See the case's referrals and send one: the current team."""
    return acts_on_cases(request) and case_permissions.is_team_member(request, case)


def can_override(request: HttpRequest) -> bool:
    membership = _membership(request)
    return membership is not None and membership.role in case_permissions.MANAGER_ROLES


def is_recipient(request: HttpRequest, referral: Referral) -> bool:
    return Referral.objects.filter(received_q(request), pk=referral.pk).exists()


def can_withdraw(request: HttpRequest, referral: Referral) -> bool:
    user_id = request.user.pk
    return (
        referral.is_active
        and can_refer(request, referral.case)
        and (referral.sent_by_id == user_id or referral.case.case_manager_id == user_id)
    )
