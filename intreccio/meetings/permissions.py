"""Who may see and do what with meetings and with the mediators' roster (deny by default).

A case's meetings are the team's business: only its current members see them, the coordination
group included only when it sits on the team (the case page's summary is enough for it). The
case manager convenes and runs the meetings; an invited team member may also write the minutes,
as a team often has someone else take them. The roster belongs to the ambito: its coordinators
and programme officers keep it.
"""

from __future__ import annotations

from django.http import HttpRequest

from intreccio.accounts.models import Membership, Role
from intreccio.cases import permissions as case_permissions
from intreccio.cases.models import Case
from intreccio.meetings.models import Meeting

ROSTER_ROLES = frozenset({Role.COORDINATOR, Role.PROGRAMME_OFFICER})


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def can_see_meetings(request: HttpRequest, case: Case) -> bool:
    membership = _membership(request)
    return (
        membership is not None
        and membership.role in case_permissions.CASE_ROLES
        and case_permissions.is_team_member(request, case)
    )


def can_run_meetings(request: HttpRequest, case: Case) -> bool:
    """Convene, reschedule, cancel, record attendance and decisions, book a mediator."""
    return case_permissions.can_manage(request, case) and case_permissions.is_team_member(request, case)


def can_write_minutes(request: HttpRequest, meeting: Meeting) -> bool:
    if meeting.case is None:
        return False
    if can_run_meetings(request, meeting.case):
        return True
    invited = any(i.operator_id == request.user.pk for i in meeting.invitees.all())
    return invited and can_see_meetings(request, meeting.case)


def roster_ambito_id(request: HttpRequest) -> int | None:
    """The ambito whose roster the operator keeps, or None if they keep none."""
    membership = _membership(request)
    if membership is None or membership.role not in ROSTER_ROLES:
        return None
    ambito_id: int | None = membership.structure.organisation.ambito_id
    return ambito_id
