"""Matrix rules for the case pages (SECURITY.md R2).

In the matrix world the case is managed by the case-manager operator, with the social worker,
the CPI operator, the health specialist, the educator and the provider operator on its team;
the coordinator sits in the ambito's coordination group. Everyone else (segretariato,
programme officer, auditor, administrator) gets 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from intreccio.access.models import Intake, IntakeStatus
from intreccio.access.tests.matrix_rules import _coordination_group
from intreccio.accounts.models import Role
from intreccio.cases.models import Case, CaseMember, TeamRole
from intreccio.people.tests.factories import PersonFactory
from tests.matrix import ALL_ROLES, Rule, World

COORDINATION = frozenset({Role.COORDINATOR.value})
TEAM = frozenset(
    {
        Role.CASE_MANAGER.value,
        Role.SOCIAL_WORKER.value,
        Role.CPI_OPERATOR.value,
        Role.HEALTH_SPECIALIST.value,
        Role.EDUCATOR.value,
        Role.PROVIDER_OPERATOR.value,
    }
)
READERS = TEAM | COORDINATION
CASE_ROLES = READERS | {Role.SEGRETARIATO.value}
MEMBERS = {
    Role.SOCIAL_WORKER: TeamRole.SOCIAL_WORKER,
    Role.CPI_OPERATOR: TeamRole.CPI_TUTOR,
    Role.HEALTH_SPECIALIST: TeamRole.HEALTH_SPECIALIST,
    Role.EDUCATOR: TeamRole.EDUCATOR,
    Role.PROVIDER_OPERATOR: TeamRole.PROVIDER,
}


def _forwarded_intake(w: World) -> Intake:
    """A forwarded intake about an identified person, not taken in charge yet."""
    _coordination_group(w)
    if "cases_intake" not in w.objects:
        person = PersonFactory.create(registered_by=w.organisation, last_name="Presa")
        w.objects["cases_intake"] = Intake.objects.create(
            ambito=w.ambito,
            structure=w.structure,
            recorded_by=w.operators[Role.SEGRETARIATO],
            person=person,
            received_on=datetime.date(2025, 3, 1),
            outcome_on=datetime.date(2025, 3, 2),
            channel="in_person",
            source="self",
            prevalent_need="work",
            status=IntakeStatus.FORWARDED,
            forwarded_to=w.objects["group"],
        )
    intake: Intake = w.objects["cases_intake"]
    return intake


def _case(w: World) -> Case:
    _coordination_group(w)
    if "case" not in w.objects:
        day = datetime.date(2025, 3, 10)
        case = Case.objects.create(
            ambito=w.ambito,
            number="MATRIX-2025-000001",
            person=PersonFactory.create(registered_by=w.organisation, last_name="Caso"),
            prevalent_need="work",
            case_manager=w.operators[Role.CASE_MANAGER],
            case_manager_structure=w.structure,
            accessed_on=day,
            taken_in_charge_on=day,
        )
        CaseMember.objects.create(
            case=case,
            operator=w.operators[Role.CASE_MANAGER],
            structure=w.structure,
            team_role=TeamRole.CASE_MANAGER,
            joined_on=day,
        )
        for role, team_role in MEMBERS.items():
            CaseMember.objects.create(
                case=case, operator=w.operators[role], structure=w.structure, team_role=team_role, joined_on=day
            )
        w.objects["case"] = case
    case_: Case = w.objects["case"]
    return case_


def _pk(w: World) -> dict[str, Any]:
    return {"pk": _case(w).pk}


RULES: dict[str, Rule] = {
    "cases:caseload": Rule(roles=CASE_ROLES, note="an empty caseload for roles that have no case"),
    "cases:allocation_queue": Rule(roles=COORDINATION, kwargs=lambda w: _coordination_group(w)),
    "cases:case_open": Rule(roles=COORDINATION, kwargs=lambda w: {"intake_pk": _forwarded_intake(w).pk}),
    "cases:intake_case_link": Rule(
        roles=ALL_ROLES,
        ok_status=frozenset({200, 204}),
        kwargs=lambda w: {"intake_pk": _forwarded_intake(w).pk},
        note="htmx fragment of the intake page: the button for the coordination group, an empty 204 for others",
    ),
    "cases:case_detail": Rule(roles=READERS, kwargs=_pk),
    "cases:case_section": Rule(
        roles=READERS, kwargs=lambda w: {**_pk(w), "section": "common"}, note="htmx fragment of the case page"
    ),
    "cases:case_timeline": Rule(roles=READERS, kwargs=_pk, note="htmx fragment of the case page"),
    "cases:note_add": Rule(roles=TEAM, kwargs=_pk, get=False),
    "cases:case_action": Rule(roles=READERS, kwargs=lambda w: {**_pk(w), "action": "close"}, get=False),
}
