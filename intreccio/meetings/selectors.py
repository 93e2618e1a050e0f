"""Reads of meetings and of the mediators' roster, scoped by meetings/permissions.py.

A case's meetings are read only by its current team (404 otherwise, so existence never leaks);
every read is recorded as an access to the case (SECURITY.md R4), so it appears in the
person's access report like any other read of their case.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from intreccio.accounts.models import Operator
from intreccio.audit.services import record_access
from intreccio.cases import permissions as case_permissions
from intreccio.cases.models import Case, CaseMember, Section
from intreccio.meetings import permissions
from intreccio.meetings.models import Decision, Mediator, MediatorBooking, Meeting, MeetingInvitee, MeetingStatus
from intreccio.territory.models import Comune, SubAmbito

PURPOSE = "team meeting"


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def _on_my_team(request: HttpRequest) -> Q:
    """Cases whose current team includes the operator, acting in a role that works on cases."""
    membership = getattr(request, "membership", None)
    if membership is None or membership.role not in case_permissions.CASE_ROLES:
        return Q(pk__in=[])
    return Q(Exists(CaseMember.objects.filter(case=OuterRef("pk"), operator=_actor(request), left_on__isnull=True)))


def _record(request: HttpRequest, case: Case, what: str) -> None:
    record_access(actor=_actor(request), obj=case, request=request, section=Section.COMMON, purpose=what)


def case_for_meetings(*, request: HttpRequest, case_pk: int, purpose: str = PURPOSE) -> Case:
    """The case if the operator is on its team (404 otherwise), with the read recorded."""
    case = Case.objects.filter(_on_my_team(request), pk=case_pk).select_related("ambito").first()
    if case is None:
        raise Http404
    _record(request, case, purpose)
    return case


@dataclass(frozen=True)
class CasePanel:
    case: Case
    upcoming: list[Meeting]
    past: list[Meeting]
    decisions: list[Decision]


def case_panel(*, request: HttpRequest, case_pk: int) -> CasePanel:
    """What the case page shows about meetings: upcoming, past, and the open decisions."""
    case = case_for_meetings(request=request, case_pk=case_pk, purpose="team meetings of the case")
    now = timezone.now()
    meetings = list(
        case.meetings.select_related("convened_by")
        .prefetch_related(Prefetch("bookings", queryset=MediatorBooking.objects.select_related("mediator")))
        .order_by("starts_at", "pk")
    )
    upcoming = [m for m in meetings if m.status == MeetingStatus.PLANNED and m.ends_at >= now]
    past = [m for m in reversed(meetings) if m not in upcoming]
    decisions = list(case.decisions.select_related("owner", "meeting").order_by("due_on", "pk"))
    return CasePanel(case=case, upcoming=upcoming, past=past, decisions=decisions)


def meeting_get_for_user(*, request: HttpRequest, pk: int, purpose: str = PURPOSE) -> Meeting:
    """A meeting of a case the operator's team holds (404 otherwise), with the read recorded."""
    meeting = (
        Meeting.objects.filter(pk=pk, case__in=Case.objects.filter(_on_my_team(request)))
        .select_related("case__ambito", "convened_by", "minutes_by")
        .prefetch_related(
            Prefetch("invitees", queryset=MeetingInvitee.objects.select_related("operator")),
            Prefetch("decisions", queryset=Decision.objects.select_related("owner").order_by("due_on", "pk")),
            Prefetch(
                "bookings", queryset=MediatorBooking.objects.select_related("mediator__organisation").order_by("pk")
            ),
        )
        .first()
    )
    if meeting is None or meeting.case is None:
        raise Http404
    _record(request, meeting.case, purpose)
    return meeting


def team_operators(*, case: Case) -> list[Operator]:
    """The current team, to choose invitees and decision owners from."""
    return [
        m.operator
        for m in case.members.filter(left_on__isnull=True)
        .select_related("operator")
        .order_by("operator__last_name", "operator__first_name", "pk")
    ]


def booking_for_meeting(*, meeting: Meeting, booking_pk: int) -> MediatorBooking:
    booking = next((b for b in meeting.bookings.all() if b.pk == booking_pk), None)
    if booking is None:
        raise Http404
    booking.meeting = meeting
    return booking


# --- the roster --------------------------------------------------------------------------------


def _speaks(code: str) -> Q:
    # ``languages`` holds space-separated codes: match a whole code, never part of another.
    return (
        Q(languages=code)
        | Q(languages__startswith=f"{code} ")
        | Q(languages__endswith=f" {code}")
        | Q(languages__contains=f" {code} ")
    )


def mediator_find(
    *, ambito_id: int, language: str, comune: Comune | None = None, sub_ambito: SubAmbito | None = None
) -> list[Mediator]:
    """Active mediators of the ambito who speak ``language`` (an ISO 639-1 code) and cover the area.

    A mediator with no area covers the whole ambito; one with areas covers their comuni and every
    comune of their sub-ambiti. Mediators covering the area explicitly come first.
    """
    mediators = Mediator.objects.filter(_speaks(language), ambito_id=ambito_id, is_active=True)
    everywhere = ~Exists(Mediator.sub_ambiti.through.objects.filter(mediator=OuterRef("pk"))) & ~Exists(
        Mediator.comuni.through.objects.filter(mediator=OuterRef("pk"))
    )
    explicit: Q | None = None
    if comune is not None:
        explicit = Q(Exists(Mediator.comuni.through.objects.filter(mediator=OuterRef("pk"), comune=comune)))
        if comune.sub_ambito_id is not None:
            explicit |= Q(
                Exists(
                    Mediator.sub_ambiti.through.objects.filter(mediator=OuterRef("pk"), subambito=comune.sub_ambito_id)
                )
            )
    elif sub_ambito is not None:
        explicit = Q(
            Exists(Mediator.sub_ambiti.through.objects.filter(mediator=OuterRef("pk"), subambito=sub_ambito))
        ) | Q(Exists(Mediator.comuni.through.objects.filter(mediator=OuterRef("pk"), comune__sub_ambito=sub_ambito)))
    if explicit is not None:
        mediators = mediators.filter(explicit | Q(everywhere)).annotate(
            covers_explicitly=ExpressionWrapper(explicit, output_field=BooleanField())
        )
        order = ["-covers_explicitly", "name", "pk"]
    else:
        order = ["name", "pk"]
    return list(mediators.select_related("organisation").prefetch_related("comuni", "sub_ambiti").order_by(*order))


def mediator_list(*, request: HttpRequest) -> QuerySet[Mediator]:
    ambito_id = permissions.roster_ambito_id(request)
    if ambito_id is None:
        raise Http404
    record_access(actor=_actor(request), request=request, object_type="meetings.mediator", object_id="list")
    return (
        Mediator.objects.filter(ambito_id=ambito_id)
        .select_related("organisation")
        .prefetch_related("comuni", "sub_ambiti")
        .order_by("-is_active", "name", "pk")
    )


def mediator_get_for_user(*, request: HttpRequest, pk: int) -> Mediator:
    ambito_id = permissions.roster_ambito_id(request)
    mediator = Mediator.objects.filter(pk=pk, ambito_id=ambito_id).first() if ambito_id is not None else None
    if mediator is None:
        raise Http404
    record_access(actor=_actor(request), obj=mediator, request=request, purpose="roster")
    return mediator


def area_choices(*, ambito_id: int) -> tuple[list[SubAmbito], list[Comune]]:
    return (
        list(SubAmbito.objects.filter(ambito_id=ambito_id).order_by("name")),
        list(Comune.objects.filter(ambito_id=ambito_id).order_by("name")),
    )
