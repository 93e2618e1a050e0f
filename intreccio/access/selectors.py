"""Reads at the front door, scoped by access/permissions.py; every read of intakes is audited.

One access record per page of a list (not per row) keeps the list's query count flat; opening
an intake, its person's intakes or the queue each writes its own record.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest

from intreccio.access.models import FORWARDED_STATES, Intake, IntakeStatus, PreAssessment, PreAssessmentForm
from intreccio.access.permissions import (
    can_list_intakes,
    coordination_groups,
    is_coordination_member,
    visible_intakes_q,
)
from intreccio.access.questionnaire import AnsweredSection, answered_sections
from intreccio.accounts.models import Operator, Structure
from intreccio.audit.models import DomainEvent
from intreccio.audit.services import record_access
from intreccio.people.models import Person
from intreccio.people.permissions import visible_persons_q
from intreccio.people.selectors import SearchHit

INTAKE_TYPE = "access.intake"


def _actor(request: HttpRequest) -> Operator:
    user: Operator = request.user  # type: ignore[assignment]
    return user


@dataclass(frozen=True)
class IntakeFilters:
    status: str = ""
    urgency: str = ""
    channel: str = ""
    source: str = ""
    prevalent_need: str = ""
    received_from: datetime.date | None = None
    received_to: datetime.date | None = None
    structure: int | None = None


@dataclass
class IntakeListing:
    """A filtered list and, beside it, how many intakes each status tab would show."""

    intakes: QuerySet[Intake]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _base(request: HttpRequest) -> QuerySet[Intake]:
    return Intake.objects.filter(visible_intakes_q(request)).select_related(
        "person", "structure", "structure__organisation", "recorded_by"
    )


def intake_list(*, request: HttpRequest, filters: IntakeFilters) -> IntakeListing:
    """The intakes the operator may see, filtered; the access record covers the page shown."""
    if not can_list_intakes(request):
        raise Http404
    condition = Q()
    if filters.urgency:
        condition &= Q(urgency=filters.urgency)
    if filters.channel:
        condition &= Q(channel=filters.channel)
    if filters.source:
        condition &= Q(source=filters.source)
    if filters.prevalent_need:
        condition &= Q(prevalent_need=filters.prevalent_need)
    if filters.received_from:
        condition &= Q(received_on__gte=filters.received_from)
    if filters.received_to:
        condition &= Q(received_on__lte=filters.received_to)
    if filters.structure:
        condition &= Q(structure_id=filters.structure)
    without_status = _base(request).filter(condition)
    counts = dict.fromkeys(IntakeStatus.values, 0)
    for row in without_status.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    intakes = without_status.filter(status=filters.status) if filters.status else without_status
    record_access(
        actor=_actor(request),
        request=request,
        object_type=INTAKE_TYPE,
        object_id="list",
        section="list",
        purpose="intake_list",
    )
    return IntakeListing(intakes=intakes.order_by("-received_on", "-pk"), counts=counts)


def structure_choices(*, request: HttpRequest) -> QuerySet[Structure]:
    """The structures of the operator's organisation, for the list's filter."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return Structure.objects.none()
    return (
        Structure.objects.filter(organisation_id=membership.structure.organisation_id)
        .select_related("organisation")
        .order_by("name")
    )


def intake_get_for_user(*, request: HttpRequest, pk: int, purpose: str = "") -> Intake:
    """The intake if the operator may see it, with the read recorded; otherwise 404."""
    intake = (
        _base(request)
        .filter(pk=pk)
        .select_related("household", "forwarded_to", "outcome_by", "ambito", "person__registered_by")
        .first()
    )
    if intake is None:
        raise Http404
    record_access(actor=_actor(request), obj=intake, request=request, section="intake", purpose=purpose)
    return intake


@dataclass(frozen=True)
class PreAssessmentView:
    pre_assessment: PreAssessment
    sections: list[AnsweredSection]
    earlier: int


def intake_pre_assessment(*, intake: Intake) -> PreAssessmentView | None:
    """The current pre-assessment of an intake the caller already read, laid out with its own version's questions."""
    rows = list(intake.pre_assessments.select_related("form", "completed_by").order_by("-completed_at", "-pk"))
    if not rows:
        return None
    current = rows[0]
    return PreAssessmentView(
        pre_assessment=current,
        sections=answered_sections(current.form.schema, current.answers),
        earlier=len(rows) - 1,
    )


def intake_timeline(*, intake: Intake) -> list[DomainEvent]:
    """What happened to the intake, from its domain events (not from diffs)."""
    return list(
        DomainEvent.objects.filter(target_type=INTAKE_TYPE, target_id=str(intake.pk))
        .select_related("actor")
        .order_by("seq")
    )


def published_form(*, key: str = "pre_assessment") -> PreAssessmentForm | None:
    return PreAssessmentForm.objects.filter(key=key, is_published=True).first()


def coordination_queue(*, request: HttpRequest) -> list[Intake]:
    """Forwarded intakes of the ambiti whose coordination group the operator sits in: urgent first, oldest first."""
    if not is_coordination_member(request):
        raise Http404
    ambiti = coordination_groups(_actor(request).pk).values("ambito_id")
    # "urgent" sorts after "forwarded": the status descending puts urgent intakes first.
    intakes = list(
        Intake.objects.filter(status__in=FORWARDED_STATES, ambito_id__in=ambiti)
        # Waiting means not taken in charge yet: the cases app hangs its case on the intake
        # (reverse one-to-one "case"); this app only reads that the link is absent.
        .filter(case__isnull=True)
        .select_related("person", "structure", "structure__organisation", "ambito")
        .order_by("-status", "outcome_on", "received_on", "pk")
    )
    record_access(
        actor=_actor(request),
        request=request,
        object_type=INTAKE_TYPE,
        object_id="coordination_queue",
        section="list",
        purpose="coordination_queue",
    )
    return intakes


def person_intakes(*, request: HttpRequest, person_pk: int) -> list[Intake]:
    """The intakes about a person that the operator may see; 404 when the person is not visible."""
    if not can_list_intakes(request):
        raise Http404
    if not Person.objects.filter(visible_persons_q(request), pk=person_pk).exists():
        raise Http404
    intakes = list(
        _base(request).filter(person_id=person_pk).select_related("forwarded_to").order_by("-received_on", "-pk")
    )
    record_access(
        actor=_actor(request),
        request=request,
        object_type="people.person",
        object_id=str(person_pk),
        section="intakes",
        purpose="person_intakes",
    )
    return intakes


def person_hits_by_id(*, request: HttpRequest, pks: list[int]) -> list[SearchHit]:
    """Duplicate candidates shown at registration: visible ones by name, the others only as a contact.

    Each one shown is a read of that person, as in the search box.
    """
    if not pks:
        return []
    persons = list(Person.objects.filter(pk__in=pks).select_related("registered_by").order_by("last_name", "pk"))
    visible = set(Person.objects.filter(visible_persons_q(request), pk__in=pks).values_list("pk", flat=True))
    for person in persons:
        record_access(
            actor=_actor(request), obj=person, request=request, section="duplicate_check", purpose="intake_create"
        )
    return [SearchHit(person=p, visible=p.pk in visible) for p in persons]


def visible_person(*, request: HttpRequest, pk: Any) -> Person | None:
    """The person picked in the intake form, if the operator may see them (no access record: not shown yet)."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        return None
    return Person.objects.filter(visible_persons_q(request), pk=key).distinct().first()
