"""Demo emergency accesses (break-the-glass, SECURITY.md R8): one past and reviewed, one to review.

Twelve days ago the SerD's health specialist opened, for forty minutes, a case of the ambito he is
not on, when the person turned up in crisis at the SerD on a Saturday and the team could not be
reached; the coordinator reviewed it the next day as justified. Yesterday evening the educator
opened another case for an hour on a call from the police: that one waits for the coordination
group's review, so the review queue and the auditor's view have something to show.

Both grants are over, so the demo cases stay closed to their operators. Grants are found by the
operator and the written reason, so running the loader again changes nothing. The demo writes
the rows directly (no one can re-authenticate for a loader) with the same audit events the
services write.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone

from intreccio.accounts.models import Membership, Operator
from intreccio.audit.services import record_event
from intreccio.breakglass.models import BreakGlassGrant, ReasonCode, ReviewOutcome
from intreccio.breakglass.permissions import BREAK_GLASS_ROLES, sealed_cases_q
from intreccio.cases.models import OPEN_STATES, Case
from intreccio.territory.data import ambito_cremonese
from intreccio.territory.models import Ambito

REVIEWER = "coordinatore"
REVIEWED_OPERATOR = "sanitario"
REVIEWED_REASON = (
    "La persona si è presentata al SerD di sabato in forte agitazione e chiede del suo progetto; "
    "l'assistente sociale del caso e il case manager non sono raggiungibili."
)
REVIEW_NOTE = "Accesso giustificato: urgenza reale, durata breve, chiuso in anticipo dall'operatore."
PENDING_OPERATOR = "educatore"
PENDING_REASON = (
    "La Polizia locale chiede se la persona è seguita dai servizi e chi contattare stanotte; "
    "la reperibilità del servizio sociale non risponde."
)


def _request(operator: Operator, membership: Membership) -> HttpRequest:
    request = RequestFactory(SERVER_NAME="localhost").get("/")
    request.user = operator
    request.membership = membership  # type: ignore[attr-defined]
    request.request_id = "demo"  # type: ignore[attr-defined]
    return request


def _membership(operator: Operator) -> Membership | None:
    return (
        Membership.objects.current()
        .filter(operator=operator, role__in=BREAK_GLASS_ROLES)
        .select_related("structure__organisation")
        .order_by("pk")
        .first()
    )


def _case_for(operator: Operator, ambito_id: int, exclude: list[int]) -> Case | None:
    """An open case of the ambito the operator is not on, and not a violence record."""
    return (
        Case.objects.filter(ambito_id=ambito_id, status__in=OPEN_STATES)
        .exclude(sealed_cases_q())
        .exclude(Q(members__operator=operator) | Q(case_manager=operator) | Q(pk__in=exclude))
        .order_by("pk")
        .first()
    )


def _at(days_ago: int, hour: int, minute: int) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _grant(
    *,
    operator: Operator,
    membership: Membership,
    case: Case,
    reason_code: str,
    reason_text: str,
    granted_at: datetime.datetime,
    hours: int,
) -> BreakGlassGrant:
    grant = BreakGlassGrant.objects.create(
        operator=operator,
        role=membership.role,
        structure=membership.structure,
        case=case,
        reason_code=reason_code,
        reason_text=reason_text,
        granted_at=granted_at,
        expires_at=granted_at + datetime.timedelta(hours=hours),
    )
    record_event(
        action="breakglass.grant.created",
        actor=operator,
        target=grant,
        payload={
            "case": case.pk,
            "reason_code": reason_code,
            "hours": hours,
            "expires_at": grant.expires_at.isoformat(),
        },
        request=_request(operator, membership),
    )
    return grant


@transaction.atomic
def demo_breakglass_load(created: Counter[str]) -> None:
    """One reviewed emergency access and one waiting for review, on open demo cases."""
    ambito = Ambito.objects.filter(code=ambito_cremonese.AMBITO_CODE).values_list("pk", flat=True).first()
    reviewer = Operator.objects.filter(username=REVIEWER, is_demo=True).first()
    if ambito is None or reviewer is None:
        return
    used: list[int] = []
    specs = (
        (REVIEWED_OPERATOR, REVIEWED_REASON, ReasonCode.IMMINENT_RISK, _at(12, 15, 10), 2, True),
        (PENDING_OPERATOR, PENDING_REASON, ReasonCode.AUTHORITY_REQUEST, _at(1, 18, 30), 1, False),
    )
    for username, reason, code, granted_at, hours, reviewed in specs:
        operator = Operator.objects.filter(username=username, is_demo=True).first()
        membership = _membership(operator) if operator is not None else None
        if operator is None or membership is None:
            continue
        # The reason is encrypted in the database (R12): compared in Python.
        existing = next((g for g in BreakGlassGrant.objects.filter(operator=operator) if g.reason_text == reason), None)
        if existing is not None:
            used.append(existing.case_id)
            continue
        case = _case_for(operator, ambito, used)
        if case is None:
            continue  # the demo cases are not loaded
        used.append(case.pk)
        grant = _grant(
            operator=operator,
            membership=membership,
            case=case,
            reason_code=code,
            reason_text=reason,
            granted_at=granted_at,
            hours=hours,
        )
        created["break_glass_grants"] += 1
        if not reviewed:
            continue
        grant.ended_at = granted_at + datetime.timedelta(minutes=40)
        grant.save(update_fields=["ended_at", "updated_at"])
        record_event(
            action="breakglass.grant.ended",
            actor=operator,
            target=grant,
            payload={"case": case.pk, "minutes_early": 80},
            request=_request(operator, membership),
        )
        reviewer_membership = Membership.objects.current().filter(operator=reviewer).order_by("pk").first()
        grant.outcome = ReviewOutcome.JUSTIFIED
        grant.review_note = REVIEW_NOTE
        grant.reviewed_by = reviewer
        grant.reviewed_at = granted_at + datetime.timedelta(days=1, hours=-6)
        grant.save(update_fields=["outcome", "review_note", "reviewed_by", "reviewed_at", "updated_at"])
        record_event(
            action="breakglass.grant.reviewed",
            actor=reviewer,
            target=grant,
            payload={"case": case.pk, "outcome": ReviewOutcome.JUSTIFIED.value},
            request=_request(reviewer, reviewer_membership) if reviewer_membership is not None else None,
        )
