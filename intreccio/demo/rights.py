"""Demo privacy requests of the Cremonese: a person's access report still to be answered and one
already delivered, so that the coordination group's list shows a deadline running and a closed
request, and the access report can be printed at once.

Requests are recorded by the case manager of a demo case, at their organisation, and handled by
the coordination group's chair. They are found again by person and kind, so running the loader
again changes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.db import transaction
from django.utils import timezone

from intreccio.accounts.models import Operator, TeamKind, TeamMember
from intreccio.audit.services import record_event
from intreccio.cases.models import Case
from intreccio.rights.models import (
    OPEN_STATUSES,
    DataSubjectRequest,
    RequestChannel,
    Requester,
    RequestKind,
    RequestStatus,
    due_date,
)
from intreccio.rights.services import REPORT_GENERATED
from intreccio.territory.data import ambito_cremonese
from intreccio.territory.models import Ambito

PENDING_DAYS_AGO = 3
DELIVERED_DAYS_AGO = 25
DELIVERED_AFTER_DAYS = 9


def _chair(ambito: Ambito) -> Operator | None:
    member = (
        TeamMember.objects.filter(team__ambito=ambito, team__kind=TeamKind.COORDINATION_GROUP, team__is_active=True)
        .select_related("operator")
        .order_by("-is_chair", "pk")
        .first()
    )
    return member.operator if member is not None else None


def _request(case: Case, *, received_on: datetime.date, channel: str) -> DataSubjectRequest:
    assert case.person is not None
    return DataSubjectRequest.objects.create(
        person=case.person,
        kind=RequestKind.ACCESS_REPORT,
        received_on=received_on,
        channel=channel,
        requested_by=Requester.PERSON,
        recorded_by=case.case_manager,
        organisation=case.case_manager_structure.organisation,
        ambito=case.ambito,
        due_on=due_date(RequestKind.ACCESS_REPORT, received_on),
    )


@transaction.atomic
def demo_rights_load(created: Counter[str]) -> None:
    """One pending and one delivered access-report request, on the first two demo cases of a person."""
    ambito = Ambito.objects.filter(code=ambito_cremonese.AMBITO_CODE).first()
    chair = _chair(ambito) if ambito is not None else None
    if ambito is None or chair is None:
        return
    cases = list(
        Case.objects.filter(ambito=ambito, person__isnull=False)
        .select_related("person", "case_manager", "case_manager_structure__organisation", "ambito")
        .order_by("pk")[:2]
    )
    if len(cases) < 2:
        return
    today = timezone.localdate()
    pending_case, delivered_case = cases
    requests = DataSubjectRequest.objects.filter(kind=RequestKind.ACCESS_REPORT)
    if not requests.filter(person=pending_case.person, status__in=OPEN_STATUSES).exists():
        _request(
            pending_case,
            received_on=today - datetime.timedelta(days=PENDING_DAYS_AGO),
            channel=RequestChannel.IN_PERSON,
        )
        created["rights_requests"] += 1
    if not requests.filter(person=delivered_case.person, status=RequestStatus.FULFILLED).exists():
        received = today - datetime.timedelta(days=DELIVERED_DAYS_AGO)
        delivered = _request(delivered_case, received_on=received, channel=RequestChannel.PEC)
        record_event(action=REPORT_GENERATED, actor=chair, target=delivered, payload={"demo": True})
        delivered.status = RequestStatus.FULFILLED
        delivered.closed_on = received + datetime.timedelta(days=DELIVERED_AFTER_DAYS)
        delivered.closed_by = chair
        delivered.outcome_note = "Registro degli accessi consegnato a mano allo sportello, con ricevuta."
        delivered.save(update_fields=["status", "closed_on", "closed_by", "outcome_note", "updated_at"])
        created["rights_requests"] += 1
