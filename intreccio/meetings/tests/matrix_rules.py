"""Matrix rules for meetings (SECURITY.md R2).

In the matrix world the case manager manages a case whose team also holds the social worker,
the CPI operator, the educator, the health specialist and the provider operator; the other roles
(segretariato, coordinator, programme officer, auditor, administrator) are not on the team and
get 404. There is one meeting to come and one that started an hour ago; everyone on the team is
invited to both. The roster belongs to the ambito's coordinators and programme officers.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from intreccio.accounts.models import Role
from intreccio.cases.models import Case, CaseMember, TeamRole
from intreccio.meetings.models import Mediator, MediatorBooking, Meeting, MeetingInvitee
from intreccio.people.tests.factories import PersonFactory
from tests.matrix import Rule, World

TEAM_ROLES = {
    Role.CASE_MANAGER: TeamRole.CASE_MANAGER,
    Role.SOCIAL_WORKER: TeamRole.SOCIAL_WORKER,
    Role.CPI_OPERATOR: TeamRole.CPI_TUTOR,
    Role.EDUCATOR: TeamRole.EDUCATOR,
    Role.HEALTH_SPECIALIST: TeamRole.HEALTH_SPECIALIST,
    Role.PROVIDER_OPERATOR: TeamRole.PROVIDER,
}
TEAM = frozenset(r.value for r in TEAM_ROLES)
CASE_MANAGER = frozenset({Role.CASE_MANAGER.value})
ROSTER = frozenset({Role.COORDINATOR.value, Role.PROGRAMME_OFFICER.value})


def _case(w: World) -> Case:
    if "meetings_case" not in w.objects:
        today = timezone.localdate()
        manager = w.operators[Role.CASE_MANAGER]
        case = Case.objects.create(
            ambito=w.ambito,
            number="MATRIX-MEET-1",
            person=PersonFactory.create(registered_by=w.organisation, last_name="Incontro"),
            prevalent_need="work",
            case_manager=manager,
            case_manager_structure=w.structure,
            accessed_on=today,
            taken_in_charge_on=today,
        )
        for role, team_role in TEAM_ROLES.items():
            CaseMember.objects.create(
                case=case, operator=w.operators[role], structure=w.structure, team_role=team_role, joined_on=today
            )
        now = timezone.now()
        for key, start in (
            ("upcoming", now + datetime.timedelta(days=2)),
            ("started", now - datetime.timedelta(hours=1)),
        ):
            meeting = Meeting.objects.create(
                case=case,
                title="Equipe",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                place="Sala 1",
                convened_by=manager,
            )
            MeetingInvitee.objects.bulk_create(
                MeetingInvitee(meeting=meeting, operator=w.operators[role]) for role in TEAM_ROLES
            )
            w.objects[f"meeting_{key}"] = meeting
        mediator = _mediator(w)
        w.objects["booking"] = MediatorBooking.objects.create(
            meeting=w.objects["meeting_upcoming"], mediator=mediator, language="ar", requested_by=manager
        )
        w.objects["meetings_case"] = case
    case_: Case = w.objects["meetings_case"]
    return case_


def _mediator(w: World) -> Mediator:
    if "mediator" not in w.objects:
        w.objects["mediator"] = Mediator.objects.create(
            ambito=w.ambito, name="Mediatrice", email="mediatrice@example.org", languages="ar fr"
        )
    mediator: Mediator = w.objects["mediator"]
    return mediator


def _roster(w: World) -> dict[str, Any]:
    """The list takes no argument; the roster gets one mediator so the list has a row to render."""
    _mediator(w)
    return {}


def _case_pk(w: World) -> dict[str, Any]:
    return {"case_pk": _case(w).pk}


def _upcoming(w: World) -> dict[str, Any]:
    _case(w)
    return {"pk": w.objects["meeting_upcoming"].pk}


def _started(w: World) -> dict[str, Any]:
    _case(w)
    return {"pk": w.objects["meeting_started"].pk}


def _booking(w: World) -> dict[str, Any]:
    _case(w)
    return {"pk": w.objects["meeting_upcoming"].pk, "booking_pk": w.objects["booking"].pk}


RULES: dict[str, Rule] = {
    "meetings:case_panel": Rule(roles=TEAM, kwargs=_case_pk, note="htmx fragment of the case page, or a page"),
    "meetings:meeting_new": Rule(roles=CASE_MANAGER, kwargs=_case_pk),
    "meetings:meeting_detail": Rule(roles=TEAM, kwargs=_upcoming),
    "meetings:meeting_edit": Rule(roles=CASE_MANAGER, kwargs=_upcoming),
    "meetings:meeting_cancel": Rule(roles=CASE_MANAGER, kwargs=_upcoming),
    "meetings:attendance": Rule(roles=CASE_MANAGER, kwargs=_started),
    "meetings:minutes": Rule(roles=TEAM, kwargs=_started, note="the case manager and the team members invited"),
    "meetings:decision_add": Rule(roles=CASE_MANAGER, kwargs=_started),
    "meetings:mediator_book": Rule(roles=CASE_MANAGER, kwargs=_upcoming),
    "meetings:booking_status": Rule(roles=CASE_MANAGER, kwargs=_booking, get=False),
    "meetings:ics": Rule(roles=TEAM, kwargs=_upcoming),
    "meetings:mediator_list": Rule(roles=ROSTER, kwargs=_roster),
    "meetings:mediator_create": Rule(roles=ROSTER),
    "meetings:mediator_update": Rule(roles=ROSTER, kwargs=lambda w: {"pk": _mediator(w).pk}),
}
