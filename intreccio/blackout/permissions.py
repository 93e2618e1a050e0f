"""Who may record and lift a blackout, and what a blackout hides from whom (SECURITY.md R21).

- Hidden: an active blackout withdraws its item from every reader whose service (the structure
  of the membership they act in) is not the one that wrote it. The case selectors drop the item
  before any list, count or timeline entry is built, so nothing tells that something is missing.
- Record: an operator on the case's team who can read the item now (its section, a note kept
  within its service, not already hidden from them). Anyone else is answered as if the item did
  not exist.
- Lift: an operator of the service that wrote the item who may see the case, or the case's
  current case manager. Who is not of that service is never shown a blackout they did not
  record: knowing that something is hidden is itself what the guidelines protect.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone

from intreccio.accounts.models import Membership, Structure
from intreccio.assessments.models import Assessment
from intreccio.assessments.questionnaire import label
from intreccio.blackout.models import Blackout, TargetType
from intreccio.cases import permissions as case_permissions
from intreccio.cases.models import Case, CaseMember, CaseNote, Section
from intreccio.people.models import HouseholdMember, Person


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def concealed_for(request: HttpRequest, case: Case) -> set[tuple[str, int]]:
    """The concealment registered with the cases app: active blackouts of other services."""
    blackouts = Blackout.objects.active().filter(case=case)
    membership = _membership(request)
    if membership is not None:
        blackouts = blackouts.exclude(owner_structure_id=membership.structure_id)
    return {(target_type, target_id) for target_type, target_id in blackouts.values_list("target_type", "target_id")}


def concealed_for_many(request: HttpRequest, case_ids: list[int]) -> dict[int, set[tuple[str, int]]]:
    """``concealed_for`` for many cases in one query (a ranking of similar cases reads hundreds)."""
    blackouts = Blackout.objects.active().filter(case_id__in=case_ids)
    membership = _membership(request)
    if membership is not None:
        blackouts = blackouts.exclude(owner_structure_id=membership.structure_id)
    hidden: dict[int, set[tuple[str, int]]] = {}
    for case_id, target_type, target_id in blackouts.values_list("case_id", "target_type", "target_id"):
        hidden.setdefault(case_id, set()).add((target_type, target_id))
    return hidden


@dataclass(frozen=True)
class Item:
    """A note or an assessment as the blackout pages speak of it: never its content."""

    target_type: str
    target_id: int
    case: Case
    owner_structure: Structure
    written_on: datetime.date
    section: str  # the note's section; "" for an assessment (it spans sections)
    note: CaseNote | None = None
    assessment: Assessment | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.target_type, self.target_id)

    @property
    def section_label(self) -> str:
        return str(Section(self.section).label) if self.section in Section.values else ""

    @property
    def tool_title(self) -> str:
        if self.assessment is None:
            return ""
        return f"{label(self.assessment.tool.title)} v{self.assessment.tool.version}"


def assessment_owner(assessment: Assessment) -> Structure | None:
    """The service that wrote an assessment: the one its author represents on the case's team."""
    member = (
        CaseMember.objects.filter(case_id=assessment.case_id, operator_id=assessment.started_by_id)
        .select_related("structure__organisation")
        .order_by("-joined_on", "-pk")
        .first()
    )
    return member.structure if member is not None else None


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def item_get(target_type: str, target_id: int) -> Item | None:
    """The item behind a key, unscoped: the callers check what the reader may do with it."""
    if target_type == TargetType.CASE_NOTE:
        note = (
            CaseNote.objects.filter(pk=target_id)
            .select_related("case__person", "case__household", "author", "author_structure__organisation")
            .first()
        )
        if note is None:
            return None
        return Item(
            target_type=target_type,
            target_id=note.pk,
            case=note.case,
            owner_structure=note.author_structure,
            written_on=_local_day(note.created_at),
            section=note.section,
            note=note,
        )
    if target_type == TargetType.ASSESSMENT:
        assessment = (
            Assessment.objects.filter(pk=target_id)
            .select_related("case__person", "case__household", "tool", "started_by")
            .first()
        )
        if assessment is None:
            return None
        owner = assessment_owner(assessment)
        if owner is None:
            return None
        return Item(
            target_type=target_type,
            target_id=assessment.pk,
            case=assessment.case,
            owner_structure=owner,
            written_on=_local_day(assessment.created_at),
            section="",
            assessment=assessment,
        )
    return None


def can_read_item(request: HttpRequest, item: Item) -> bool:
    """May the acting operator read the item now, as the case pages would show it?"""
    membership = _membership(request)
    if membership is None:
        return False
    case = item.case
    if not Case.objects.filter(case_permissions.visible_cases_q(request), pk=case.pk).exists():
        return False
    if item.note is not None:
        note = item.note
        if note.section not in case_permissions.sections_for(request, case):
            return False
        if note.restricted_to_structure and note.author_structure_id != membership.structure_id:
            return False
    return item.key not in case_permissions.hidden_items(request, case)


def can_record(request: HttpRequest, item: Item) -> bool:
    """Record a blackout request: on the case's team, and able to read the item now."""
    return case_permissions.is_team_member(request, item.case) and can_read_item(request, item)


def is_owner_service(request: HttpRequest, blackout: Blackout) -> bool:
    membership = _membership(request)
    return membership is not None and membership.structure_id == blackout.owner_structure_id


def _case_visible(request: HttpRequest, case_id: int | None) -> bool:
    if case_id is None:
        return False
    return Case.objects.filter(case_permissions.visible_cases_q(request), pk=case_id).exists()


def can_lift(request: HttpRequest, blackout: Blackout) -> bool:
    """Lift: an operator of the service that wrote the item who may see the case, or its case manager."""
    if not blackout.is_active or blackout.case is None:
        return False
    if is_owner_service(request, blackout) and _case_visible(request, blackout.case_id):
        return True
    return case_permissions.can_manage(request, blackout.case)


def can_see(request: HttpRequest, blackout: Blackout) -> bool:
    """Whether the blackout may be shown to the operator at all (its list, its lift page).

    The service that wrote the item sees the blackouts of the cases it may see; anyone else only
    the ones they recorded themselves, while they may still see the case.
    """
    if not _case_visible(request, blackout.case_id):
        return False
    return is_owner_service(request, blackout) or blackout.recorded_by_id == request.user.pk


def requesters(case: Case) -> list[Person]:
    """Who may ask to black out an item of ``case``: its person, or a current member of its household."""
    people: list[Person] = []
    if case.household_id is not None:
        members = HouseholdMember.objects.filter(household_id=case.household_id, date_out__isnull=True)
        people = [m.person for m in members.select_related("person").order_by("date_in", "pk")]
    if case.person is not None and all(p.pk != case.person_id for p in people):
        people.insert(0, case.person)
    return people
