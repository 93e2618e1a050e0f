"""Reads of cases, scoped by cases/permissions.py; every read of a case or a section is audited."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as DbCase
from django.db.models import Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.access.models import FORWARDED_STATES, Intake, Need
from intreccio.access.selectors import PreAssessmentView, intake_pre_assessment
from intreccio.accounts.models import Membership, Operator, Role, Structure
from intreccio.audit.models import DomainEvent
from intreccio.audit.services import record_access
from intreccio.cases import permissions
from intreccio.cases.models import (
    OPEN_STATES,
    Case,
    CaseEventText,
    CaseMember,
    CaseNote,
    CaseStatus,
    Priority,
    Section,
    TeamRole,
)
from intreccio.cases.services import TEAM_ROLES_BY_ROLE
from intreccio.people.models import Household, Person
from intreccio.people.permissions import visible_households_q, visible_persons_q


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
    # Urgent first: the stored codes do not sort by urgency.
    rank = DbCase(
        When(priority=Priority.URGENT, then=Value(0)),
        When(priority=Priority.HIGH, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        cases.select_related("person", "household", "case_manager", "ambito")
        .distinct()
        .annotate(priority_rank=rank)
        .order_by("priority_rank", "taken_in_charge_on", "pk")
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
    record_access(
        actor=_actor(request),
        obj=case,
        request=request,
        section=Section.COMMON,
        purpose=permissions.access_purpose(request, case, purpose),
    )
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
    hidden = {pk for label, pk in permissions.hidden_items(request, case) if label == NOTE_LABEL}
    if hidden:
        notes = notes.exclude(pk__in=hidden)
    record_access(
        actor=_actor(request),
        obj=case,
        request=request,
        section=section,
        purpose=permissions.access_purpose(request, case, "case work"),
    )
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
    # Notes, goals, commitments, interventions… name their section: an event about a part of the
    # case the reader may not see is not shown either, so its existence does not leak.
    return str(event.payload.get("section") or Section.COMMON)


NOTE_LABEL = "cases.casenote"
# Which payload key of a timeline event names an item that can be blacked out.
CONCEALABLE_PAYLOAD_KEYS = {NOTE_LABEL: "note", "assessments.assessment": "assessment"}


def _conceals(event: DomainEvent, hidden: set[tuple[str, int]]) -> bool:
    return any(
        (label, event.payload.get(key)) in hidden
        for label, key in CONCEALABLE_PAYLOAD_KEYS.items()
        if event.payload.get(key) is not None
    )


def case_timeline(*, request: HttpRequest, case: Case) -> list[TimelineEntry]:
    """The case's history from its domain events, newest first, filtered by what the reader may see.

    Events about blacked-out items are dropped like events of a section the reader cannot see:
    the history closes over them without a gap.
    """
    allowed = permissions.sections_for(request, case)
    hidden = permissions.hidden_items(request, case)
    my_structure = request.membership.structure_id  # type: ignore[attr-defined]
    events = DomainEvent.objects.filter(target_type="cases.case", target_id=str(case.pk)).order_by("-seq")
    return [
        TimelineEntry(e)
        for e in events
        if _event_section(e) in allowed
        and e.payload.get("restricted_to") in (None, my_structure)
        and not (hidden and _conceals(e, hidden))
    ]


# --- reads for the case pages: the caseload, the allocation queue, the case page -----------------

CASE_TYPE = "cases.case"
# Urgent first, then high, then ordinary: the stored values do not sort that way by themselves.
PRIORITY_RANK = DbCase(
    When(priority=Priority.URGENT, then=Value(0)),
    When(priority=Priority.HIGH, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class CaseloadFilters:
    scope: str = "mine"  # "mine": manager or team member; "ambito": every case of the coordination group's ambiti
    status: str = "open"  # "open", "" for every status, or one status
    priority: str = ""
    prevalent_need: str = ""
    case_manager: int | None = None


@dataclass(frozen=True)
class ReturnedCase:
    """A case the CPI returned to the team, waiting for its case manager's answer."""

    case: Case
    returned_at: datetime.datetime | None
    reason: str


@dataclass
class CaseloadListing:
    cases: QuerySet[Case]
    inbox: list[ReturnedCase]
    sees_ambito: bool
    case_managers: list[Operator] = field(default_factory=list)


def caseload_listing(*, request: HttpRequest, filters: CaseloadFilters) -> CaseloadListing:
    """The operator's caseload (or the ambito's, for the coordination group) in a fixed number of queries.

    One access record covers the page shown, as for the intake list; the "returned to the team"
    inbox lists the cases waiting for this operator's answer as case manager.
    """
    membership = getattr(request, "membership", None)
    if membership is None or membership.role not in permissions.CASE_ROLES:
        raise Http404
    user_id = _actor(request).pk
    visible = Case.objects.filter(permissions.visible_cases_q(request))
    sees_ambito = bool(permissions.coordination_ambito_ids(request))
    cases = visible
    if filters.scope != "ambito" or not sees_ambito:
        # The case manager is always a current team member (case_open, case_manager_change): one
        # indexed lookup of the operator's memberships instead of a subquery per case of the ambito.
        mine = CaseMember.objects.filter(operator_id=user_id, left_on__isnull=True).values("case_id")
        cases = cases.filter(pk__in=mine)
    if filters.status == "open":
        cases = cases.filter(status__in=OPEN_STATES)
    elif filters.status:
        cases = cases.filter(status=filters.status)
    if filters.priority:
        cases = cases.filter(priority=filters.priority)
    if filters.prevalent_need:
        cases = cases.filter(prevalent_need=filters.prevalent_need)
    if filters.case_manager:
        cases = cases.filter(case_manager_id=filters.case_manager)
    cases = (
        cases.select_related("person", "household", "case_manager", "case_manager_structure__organisation")
        .annotate(priority_rank=PRIORITY_RANK)
        .order_by("priority_rank", "taken_in_charge_on", "pk")
    )
    returned = list(
        visible.filter(case_manager_id=user_id, status=CaseStatus.RETURNED_TO_TEAM)
        .select_related("person", "household")
        .order_by("updated_at", "pk")
    )
    inbox = []
    if returned:
        latest: dict[str, DomainEvent] = {}
        for event in DomainEvent.objects.filter(
            target_type=CASE_TYPE, target_id__in=[str(c.pk) for c in returned], action="cases.case.returned_to_team"
        ).order_by("seq"):
            latest[event.target_id] = event
        for case in returned:
            found = latest.get(str(case.pk))
            inbox.append(
                ReturnedCase(
                    case=case,
                    returned_at=found.occurred_at if found else None,
                    reason=event_texts([found]).get(found.seq, "") if found else "",
                )
            )
    managers = list(
        Operator.objects.filter(pk__in=visible.values("case_manager_id")).order_by("last_name", "first_name", "pk")
    )
    record_access(
        actor=_actor(request),
        request=request,
        object_type=CASE_TYPE,
        object_id="caseload",
        section="list",
        purpose="caseload",
    )
    return CaseloadListing(cases=cases, inbox=inbox, sees_ambito=sees_ambito, case_managers=managers)


# --- allocation by the coordination group ---------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An operator the coordination group may put in a team, in the service they would represent."""

    membership: Membership
    team_roles: tuple[str, ...]
    open_cases: int  # open cases they manage now: the group balances the workload

    @property
    def key(self) -> str:
        return str(self.membership.pk)


@dataclass(frozen=True)
class Suggestion:
    candidates: list[Candidate]
    reason: str
    member_roles: frozenset[str]  # roles whose operators the base team needs beside the case manager


# The case manager is a social or health operator by prevalent need (seed 001:126-130).
HEALTH_NEEDS = frozenset({Need.HEALTH, Need.ADDICTION_MENTAL_HEALTH})
# Base team for work and poverty: one social + one CPI operator (seed 002:5).
WORK_NEEDS = frozenset({Need.WORK, Need.POVERTY})


def team_candidates(*, ambito_id: int, with_load: bool = True) -> list[Candidate]:
    """Operators of the ambito's organisations who can hold a team role, with their current load.

    The load counts every open case of the ambito: only the allocation page, which shows it, asks.
    """
    memberships = (
        Membership.objects.current()
        .filter(structure__organisation__ambito_id=ambito_id, role__in=list(TEAM_ROLES_BY_ROLE))
        .select_related("operator", "structure__organisation")
        .order_by("structure__organisation__name", "structure__name", "operator__last_name", "operator__first_name")
    )
    load: dict[int, int] = {}
    if with_load:
        load = dict(
            Case.objects.filter(ambito_id=ambito_id, status__in=OPEN_STATES)
            .order_by()
            .values_list("case_manager_id")
            .annotate(n=Count("pk"))
        )
    return [
        Candidate(
            membership=m,
            team_roles=tuple(r for r in TeamRole.values if r in TEAM_ROLES_BY_ROLE[m.role]),
            open_cases=load.get(m.operator_id, 0),
        )
        for m in memberships
    ]


def suggest_case_managers(*, need: str, candidates: list[Candidate]) -> Suggestion:
    """Who should manage a case with this prevalent need, lightest workload first, and why."""
    if need in HEALTH_NEEDS:
        roles = frozenset({Role.HEALTH_SPECIALIST})
        reason = _(
            "The prevalent need is about health or addiction: a health specialist manages the case, "
            "with a social worker in the team."
        )
        member_roles = frozenset({Role.SOCIAL_WORKER, Role.CASE_MANAGER})
    else:
        roles = frozenset({Role.SOCIAL_WORKER, Role.CASE_MANAGER})
        if need in WORK_NEEDS:
            reason = _(
                "The prevalent need is about work or poverty: a social worker of the comune manages the case and "
                "the base team adds a CPI operator (one social + one CPI operator)."
            )
            member_roles = frozenset({Role.CPI_OPERATOR})
        elif need == Need.MINORS_FAMILY:
            reason = _("The prevalent need is about minors and family: a social worker manages it, with an educator.")
            member_roles = frozenset({Role.EDUCATOR})
        elif need == Need.DISABILITY:
            reason = _("The prevalent need is about disability: a social worker manages it, with a health specialist.")
            member_roles = frozenset({Role.HEALTH_SPECIALIST})
        else:
            reason = _("For this prevalent need a social worker manages the case.")
            member_roles = frozenset()
    chosen = [c for c in candidates if c.membership.role in roles and TeamRole.CASE_MANAGER in c.team_roles]
    chosen.sort(key=lambda c: (c.open_cases, c.membership.operator.last_name, c.membership.pk))
    return Suggestion(candidates=chosen, reason=reason, member_roles=member_roles)


@dataclass
class Allocation:
    intake: Intake
    existing_case: Case | None
    pre_assessment: PreAssessmentView | None
    candidates: list[Candidate]
    suggestion: Suggestion


def allocation_for_intake(*, request: HttpRequest, intake_pk: int) -> Allocation:
    """A forwarded intake the coordination group may take in charge, with what it needs to decide.

    404 unless the operator sits in the coordination group of the intake's ambito; the read of
    the intake and its pre-assessment is recorded.
    """
    ambiti = permissions.coordination_ambito_ids(request)
    intake = (
        Intake.objects.filter(pk=intake_pk, ambito_id__in=ambiti, status__in=FORWARDED_STATES)
        .select_related("person", "household", "structure__organisation", "recorded_by", "ambito")
        .first()
    )
    if intake is None:
        raise Http404
    record_access(actor=_actor(request), obj=intake, request=request, section="intake", purpose="case_open")
    existing = Case.objects.filter(intake=intake).first()
    candidates = team_candidates(ambito_id=intake.ambito_id)
    return Allocation(
        intake=intake,
        existing_case=existing,
        pre_assessment=intake_pre_assessment(intake=intake),
        candidates=candidates,
        suggestion=suggest_case_managers(need=intake.prevalent_need, candidates=candidates),
    )


@dataclass(frozen=True)
class WaitingIntake:
    intake: Intake
    waiting_days: int | None


@dataclass
class AllocationOverview:
    waiting: list[WaitingIntake]
    # Open cases by prevalent need and priority: what the group looks at to set access priorities.
    demand: list[dict[str, Any]]
    priorities: list[str]
    workload: list[dict[str, Any]]


def allocation_overview(*, request: HttpRequest) -> AllocationOverview:
    """The coordination group's queue of intakes not yet taken in charge, and the demand it manages."""
    ambiti = permissions.coordination_ambito_ids(request)
    if not ambiti:
        raise Http404
    today = timezone.localdate()
    intakes = list(
        Intake.objects.filter(status__in=FORWARDED_STATES, ambito_id__in=ambiti, case__isnull=True)
        .select_related("person", "household", "structure__organisation")
        .order_by("-status", "outcome_on", "received_on", "pk")
    )
    open_cases = Case.objects.filter(ambito_id__in=ambiti, status__in=OPEN_STATES).order_by()
    cells: dict[str, dict[str, int]] = {}
    for row in open_cases.values("prevalent_need", "priority").annotate(n=Count("pk")):
        cells.setdefault(row["prevalent_need"], {})[row["priority"]] = row["n"]
    priorities = [Priority.URGENT, Priority.HIGH, Priority.ORDINARY]
    demand = [
        {
            "need": Need(need).label,
            "counts": [cells[need].get(p, 0) for p in priorities],
            "total": sum(cells[need].values()),
        }
        for need in Need.values
        if need in cells
    ]
    workload: list[dict[str, Any]] = [
        dict(row)
        for row in open_cases.values(
            "case_manager_id",
            "case_manager__first_name",
            "case_manager__last_name",
            "case_manager_structure__name",
        )
        .annotate(n=Count("pk"), urgent=Count("pk", filter=Q(priority=Priority.URGENT)))
        .order_by("-n", "case_manager__last_name")
    ]
    record_access(
        actor=_actor(request),
        request=request,
        object_type="access.intake",
        object_id="allocation_queue",
        section="list",
        purpose="allocation_queue",
    )
    return AllocationOverview(
        waiting=[WaitingIntake(intake=i, waiting_days=i.waiting_days(today)) for i in intakes],
        demand=demand,
        priorities=[str(Priority(p).label) for p in priorities],
        workload=workload,
    )


# --- the case page and its fragments --------------------------------------------------------------


@dataclass
class CasePage:
    case: Case
    members: list[CaseMember]
    sections: list[str]  # the sections this operator may read, in the order of ``Section``
    section: str  # the one shown
    notes: list[CaseNote]
    can_manage: bool
    can_allocate: bool
    can_return: bool  # a CPI operator on the team: may send the person back (001:71)
    can_write: bool
    on_team: bool
    person_visible: bool
    household_visible: bool
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def section_tabs(self) -> list[tuple[str, str]]:
        return [(value, str(Section(value).label)) for value in self.sections]


def _sections_in_order(allowed: frozenset[str]) -> list[str]:
    return [s for s in Section.values if s in allowed]


def case_page(*, request: HttpRequest, pk: int, section: str = "", purpose: str = "case_detail") -> CasePage:
    """Everything the case page shows, each read recorded (the case, then the section shown)."""
    case = case_get_for_user(request=request, pk=pk, purpose=purpose)
    allowed = permissions.sections_for(request, case)
    sections = _sections_in_order(allowed)
    shown = section if section in allowed else (sections[0] if sections else "")
    notes = case_notes(request=request, case=case, section=shown) if shown else []
    members = list(
        case.members.filter(left_on__isnull=True)
        .select_related("operator", "structure__organisation")
        .order_by("joined_on", "pk")
    )
    on_team = any(m.operator_id == _actor(request).pk for m in members)
    membership = getattr(request, "membership", None)
    manage = permissions.can_manage(request, case)
    allocate = permissions.can_allocate(request, case.ambito_id)
    person_visible = bool(
        case.person_id and Person.objects.filter(visible_persons_q(request), pk=case.person_id).exists()
    )
    household_visible = bool(
        case.household_id and Household.objects.filter(visible_households_q(request), pk=case.household_id).exists()
    )
    return CasePage(
        case=case,
        members=members,
        sections=sections,
        section=shown,
        notes=notes,
        can_manage=manage,
        can_allocate=allocate,
        can_return=on_team and membership is not None and membership.role == Role.CPI_OPERATOR,
        can_write=on_team and bool(shown),
        on_team=on_team,
        person_visible=person_visible,
        household_visible=household_visible,
        candidates=(
            team_candidates(ambito_id=case.ambito_id, with_load=False) if (manage or allocate) and case.is_open else []
        ),
    )


@dataclass
class CaseTimeline:
    case: Case
    entries: list[TimelineEntry]
    operators: dict[int, Operator]
    texts: dict[int, str] = field(default_factory=dict)  # event seq -> what the operator wrote with it
    # Services the events name (payload keys ending in "_structure") -> "service (organisation)";
    # filled for the case's team only: anyone else reads "another service of the network".
    structures: dict[int, str] = field(default_factory=dict)


def event_texts(events: list[DomainEvent]) -> dict[int, str]:
    """What operators wrote with these events, by event seq.

    Newer events name a ``CaseEventText`` row (erasable, encrypted); events written before it
    existed carried the words in their payload, and are read as they are.
    """
    ids = {e.payload["text_id"] for e in events if isinstance(e.payload.get("text_id"), int)}
    rows = CaseEventText.objects.in_bulk(ids) if ids else {}
    texts: dict[int, str] = {}
    for event in events:
        text_id = event.payload.get("text_id")
        if isinstance(text_id, int):
            row = rows.get(text_id)
            if row is not None:
                texts[event.seq] = row.text
        elif event.payload.get("reason") or event.payload.get("answer"):
            texts[event.seq] = str(event.payload.get("reason") or event.payload.get("answer"))
    return texts


def case_timeline_for_user(
    *, request: HttpRequest, pk: int, since_version: int | None = None, purpose: str = "case_timeline"
) -> CaseTimeline:
    """The case's history as the operator may see it, with the names of the operators it mentions.

    ``since_version`` keeps only what happened after the operator loaded that version (for the
    conflict page): every versioned change writes exactly one ``cases.case.*`` event.
    """
    case = case_get_for_user(request=request, pk=pk, purpose=purpose)
    entries = case_timeline(request=request, case=case)
    if since_version is not None:
        entries = changes_since(entries=entries, case=case, version=since_version)
    ids: set[int] = set()
    for entry in entries:
        if entry.event.actor_id:
            ids.add(entry.event.actor_id)
        for key in ("case_manager", "operator", "from", "to"):
            value = entry.payload.get(key)
            if isinstance(value, int):
                ids.add(value)
        for member in entry.payload.get("members", []) or []:
            if isinstance(member, list) and member and isinstance(member[0], int):
                ids.add(member[0])
    return CaseTimeline(
        case=case,
        entries=entries,
        operators=Operator.objects.in_bulk(ids),
        texts=event_texts([entry.event for entry in entries]),
        structures=_timeline_structures(request, case, entries),
    )


def _timeline_structures(request: HttpRequest, case: Case, entries: list[TimelineEntry]) -> dict[int, str]:
    """The services the entries name, for the case's team (who may also read its referrals)."""
    ids = {
        value
        for entry in entries
        for key, value in entry.payload.items()
        if key.endswith("_structure") and isinstance(value, int)
    }
    if not ids or not permissions.is_team_member(request, case):
        return {}
    structures = Structure.objects.filter(pk__in=ids).select_related("organisation")
    return {s.pk: f"{s.name} ({s.organisation.name})" for s in structures}


# Case events that do not bump the version: opening creates version 1, notes do not touch the case.
UNVERSIONED_ACTIONS = frozenset({"cases.case.opened", "cases.note.added"})


def changes_since(*, entries: list[TimelineEntry], case: Case, version: int) -> list[TimelineEntry]:
    """The entries (newest first) after ``version``: the newest ``case.version - version`` versioned changes,
    and the notes written in between."""
    missed = max(case.version - version, 0)
    if missed == 0:
        return []
    kept: list[TimelineEntry] = []
    versioned = 0
    for entry in entries:
        if entry.event.action.startswith("cases.case.") and entry.event.action not in UNVERSIONED_ACTIONS:
            if versioned == missed:
                break
            versioned += 1
        kept.append(entry)
    # Notes older than the oldest missed change were there when the operator loaded the page.
    while kept and kept[-1].event.action in UNVERSIONED_ACTIONS:
        kept.pop()
    return kept


def intake_case_link(*, request: HttpRequest, intake_pk: int) -> tuple[Intake, Case | None] | None:
    """For the intake page: a forwarded intake the operator may take in charge, and its case if opened.

    None for anyone outside the coordination group of the intake's ambito (the fragment is then
    empty: it must not say whether the intake exists). Showing the case number is a read of the
    case, so it is recorded.
    """
    ambiti = permissions.coordination_ambito_ids(request)
    intake = Intake.objects.filter(pk=intake_pk, ambito_id__in=ambiti, status__in=FORWARDED_STATES).first()
    if intake is None:
        return None
    case = Case.objects.filter(intake=intake).first()
    if case is not None:
        record_access(actor=_actor(request), obj=case, request=request, section=Section.COMMON, purpose="intake_page")
    return intake, case
