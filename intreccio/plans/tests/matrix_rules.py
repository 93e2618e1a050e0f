"""Matrix rules for the plan pages (SECURITY.md R2).

In the matrix world three cases are managed by the case-manager operator, with the CPI operator
and the health specialist on their teams; the coordinator sits in the ambito's coordination
group. One case has a draft plan, one a plan submitted for validation, one a validated plan.
Everyone else gets 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from intreccio.access.tests.matrix_rules import _coordination_group
from intreccio.accounts.models import Role
from intreccio.cases.models import Case, CaseMember, CaseStatus, TeamRole
from intreccio.cases.permissions import CASE_ROLES
from intreccio.people.tests.factories import PersonFactory
from intreccio.plans.models import Goal, Pact, Plan, PlanStatus
from tests.matrix import Rule, World

MANAGER = frozenset({Role.CASE_MANAGER.value})
TEAM = frozenset({Role.CASE_MANAGER.value, Role.CPI_OPERATOR.value, Role.HEALTH_SPECIALIST.value})
READERS = TEAM | {Role.COORDINATOR.value}
GROUP = frozenset({Role.COORDINATOR.value})
DAY = datetime.date(2025, 3, 10)


def _plan(w: World, status: str) -> Plan:
    key = f"plans_{status}"
    if key not in w.objects:
        _coordination_group(w)
        case = Case.objects.create(
            ambito=w.ambito,
            number=f"MATRIX-2025-PLAN-{status.upper()}",
            person=PersonFactory.create(registered_by=w.organisation, last_name="Progettata"),
            prevalent_need="work",
            status=CaseStatus.ACTIVE if status == PlanStatus.VALIDATED else CaseStatus.PROJECT_DRAFTED,
            case_manager=w.operators[Role.CASE_MANAGER],
            case_manager_structure=w.structure,
            accessed_on=DAY,
            taken_in_charge_on=DAY,
        )
        for role, team_role in (
            (Role.CASE_MANAGER, TeamRole.CASE_MANAGER),
            (Role.CPI_OPERATOR, TeamRole.CPI_TUTOR),
            (Role.HEALTH_SPECIALIST, TeamRole.HEALTH_SPECIALIST),
        ):
            CaseMember.objects.create(
                case=case, operator=w.operators[role], structure=w.structure, team_role=team_role, joined_on=DAY
            )
        plan = Plan.objects.create(
            case=case,
            status=status,
            created_by=w.operators[Role.CASE_MANAGER],
            validated_on=DAY if status == PlanStatus.VALIDATED else None,
        )
        Pact.objects.create(plan=plan, pact_type="inclusion")
        Goal.objects.create(plan=plan, text="Obiettivo", indicator="Indicatore", due_on=DAY + datetime.timedelta(90))
        w.objects[key] = plan
    found: Plan = w.objects[key]
    return found


def _draft(w: World) -> dict[str, Any]:
    return {"pk": _plan(w, PlanStatus.DRAFT).pk}


def _draft_case(w: World) -> dict[str, Any]:
    return {"case_pk": _plan(w, PlanStatus.DRAFT).case_id}


def _submitted(w: World) -> dict[str, Any]:
    return {"pk": _plan(w, PlanStatus.SUBMITTED).pk}


def _validated(w: World) -> dict[str, Any]:
    return {"pk": _plan(w, PlanStatus.VALIDATED).pk}


def _goal(w: World) -> dict[str, Any]:
    plan = _plan(w, PlanStatus.DRAFT)
    return {"pk": plan.pk, "kind": "goal", "item_pk": plan.goals.get().pk}


def _kind(w: World) -> dict[str, Any]:
    return {"pk": _plan(w, PlanStatus.DRAFT).pk, "kind": "goal"}


def _item(w: World) -> dict[str, Any]:
    return {"pk": _plan(w, PlanStatus.DRAFT).pk, "item_pk": _plan(w, PlanStatus.DRAFT).goals.get().pk}


RULES: dict[str, Rule] = {
    "plans:case_panel": Rule(roles=READERS, kwargs=_draft_case, note="htmx fragment of the case page"),
    "plans:plan_new": Rule(roles=MANAGER, kwargs=_draft_case),
    "plans:due_checkins": Rule(roles=frozenset(str(r) for r in CASE_ROLES), note="each sees the cases they manage"),
    "plans:plan_edit": Rule(roles=READERS, kwargs=_draft),
    "plans:comparison_preview": Rule(roles=MANAGER, kwargs=_draft, note="htmx fragment of the editor"),
    "plans:item_add": Rule(roles=MANAGER, kwargs=_kind, get=False),
    "plans:item_edit": Rule(roles=MANAGER, kwargs=_goal),
    "plans:item_remove": Rule(roles=MANAGER, kwargs=_goal, get=False),
    "plans:deviation_explain": Rule(roles=MANAGER, kwargs=_item, get=False),
    "plans:intervention_start": Rule(roles=MANAGER, kwargs=_item, get=False),
    "plans:plan_submit": Rule(roles=MANAGER, kwargs=_draft, get=False),
    "plans:validation": Rule(roles=GROUP, kwargs=_submitted),
    "plans:plan_validate": Rule(roles=GROUP, kwargs=_submitted, get=False),
    "plans:plan_send_back": Rule(roles=GROUP, kwargs=_submitted, get=False),
    "plans:checkin_new": Rule(roles=MANAGER, kwargs=_validated),
    "plans:pact_pdf": Rule(roles=TEAM, kwargs=_validated, note="team members only; the print is recorded"),
}
RULES["plans:budget"] = Rule(
    roles=GROUP, kwargs=lambda w: _coordination_group(w), note="aggregates of the ambito's committed budget"
)
