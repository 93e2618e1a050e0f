"""Reads of cases, scoped by cases/permissions.py; every read of a case or a section is audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from intreccio.accounts.models import Operator
from intreccio.audit.models import DomainEvent
from intreccio.audit.services import record_access
from intreccio.cases import permissions
from intreccio.cases.models import OPEN_STATES, Case, CaseNote, Section


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def caseload(*, request: HttpRequest, status: str = "open", mine_only: bool = False) -> QuerySet[Case]:
    """The cases the operator may see, with what a list shows fetched in a fixed number of queries."""
    cases = Case.objects.filter(permissions.visible_cases_q(request))
    if status == "open":
        cases = cases.filter(status__in=OPEN_STATES)
    elif status:
        cases = cases.filter(status=status)
    if mine_only:
        cases = cases.filter(
            Q(case_manager=request.user) | Q(members__operator=request.user, members__left_on__isnull=True)
        )
    return (
        cases.select_related("person", "household", "case_manager", "ambito")
        .distinct()
        .order_by("-priority", "taken_in_charge_on", "pk")
    )


def case_get_for_user(*, request: HttpRequest, pk: int, purpose: str = "") -> Case:
    """The case if visible (404 otherwise, so existence never leaks), with the read recorded."""
    case = (
        Case.objects.filter(permissions.visible_cases_q(request), pk=pk)
        .select_related(
            "person", "household", "case_manager", "case_manager_structure__organisation", "intake", "ambito"
        )
        .first()
    )
    if case is None:
        raise Http404
    record_access(actor=_actor(request), obj=case, request=request, section=Section.COMMON, purpose=purpose)
    return case


def case_notes(*, request: HttpRequest, case: Case, section: str) -> list[CaseNote]:
    """Notes of one section; 404 for a section the operator may not read (as if it did not exist)."""
    if section not in permissions.sections_for(request, case):
        raise Http404
    membership = request.membership  # type: ignore[attr-defined]
    notes = (
        case.notes.filter(section=section)
        .filter(Q(restricted_to_structure=False) | Q(author_structure=membership.structure))
        .select_related("author", "author_structure__organisation")
    )
    record_access(actor=_actor(request), obj=case, request=request, section=section, purpose="case work")
    return list(notes)


@dataclass(frozen=True)
class TimelineEntry:
    event: DomainEvent

    @property
    def verb(self) -> str:
        return self.event.action.rsplit(".", 1)[-1]

    @property
    def payload(self) -> dict[str, Any]:
        return self.event.payload


# Timeline events that concern one section: shown only to who may read that section.
def _event_section(event: DomainEvent) -> str:
    if event.action == "cases.note.added":
        return str(event.payload.get("section", Section.COMMON))
    return Section.COMMON


def case_timeline(*, request: HttpRequest, case: Case) -> list[TimelineEntry]:
    """The case's history from its domain events, newest first, filtered by what the reader may see."""
    allowed = permissions.sections_for(request, case)
    my_structure = request.membership.structure_id  # type: ignore[attr-defined]
    events = DomainEvent.objects.filter(target_type="cases.case", target_id=str(case.pk)).order_by("-seq")
    return [
        TimelineEntry(e)
        for e in events
        if _event_section(e) in allowed and e.payload.get("restricted_to") in (None, my_structure)
    ]
