"""Matrix rules for the assessment pages (SECURITY.md R2).

In the matrix world the assessed case is managed by the case-manager operator, with the CPI
operator and the health specialist on its team; the coordinator sits in the ambito's
coordination group and reads the case without being on the team. The case has a draft in-depth
assessment and a completed CPI skills interview without its profile yet. Everyone else gets 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from intreccio.access.tests.matrix_rules import _coordination_group
from intreccio.accounts.models import Role
from intreccio.assessments.models import Assessment, AssessmentKind, AssessmentStatus, AssessmentTool
from intreccio.assessments.questionnaire import dimension_sections
from intreccio.cases.models import Case, CaseMember, TeamRole
from intreccio.people.tests.factories import PersonFactory
from tests.matrix import Rule, World

TEAM = frozenset({Role.CASE_MANAGER.value, Role.CPI_OPERATOR.value, Role.HEALTH_SPECIALIST.value})
READERS = TEAM | {Role.COORDINATOR.value}
STARTERS = frozenset({Role.CASE_MANAGER.value, Role.CPI_OPERATOR.value})
CPI = frozenset({Role.CPI_OPERATOR.value})


def _case(w: World) -> Case:
    _coordination_group(w)
    if "assessments_case" not in w.objects:
        day = datetime.date(2025, 3, 10)
        case = Case.objects.create(
            ambito=w.ambito,
            number="MATRIX-2025-ASSESS",
            person=PersonFactory.create(registered_by=w.organisation, last_name="Valutata"),
            prevalent_need="work",
            case_manager=w.operators[Role.CASE_MANAGER],
            case_manager_structure=w.structure,
            accessed_on=day,
            taken_in_charge_on=day,
        )
        for role, team_role in (
            (Role.CASE_MANAGER, TeamRole.CASE_MANAGER),
            (Role.CPI_OPERATOR, TeamRole.CPI_TUTOR),
            (Role.HEALTH_SPECIALIST, TeamRole.HEALTH_SPECIALIST),
        ):
            CaseMember.objects.create(
                case=case, operator=w.operators[role], structure=w.structure, team_role=team_role, joined_on=day
            )
        w.objects["assessments_case"] = case
    found: Case = w.objects["assessments_case"]
    return found


def _assessment(w: World, kind: str) -> Assessment:
    key = f"assessments_{kind}"
    if key not in w.objects:
        case = _case(w)
        tool = AssessmentTool.objects.get(kind=kind, is_published=True)
        values: dict[str, Any] = {}
        if kind == AssessmentKind.CPI_INTERVIEW:
            values = {
                "status": AssessmentStatus.COMPLETED,
                "completed_by": w.operators[Role.CPI_OPERATOR],
                "completed_at": timezone.now(),
                "profile": "C",
                "profile_trace": [],
            }
        w.objects[key] = Assessment.objects.create(
            case=case,
            tool=tool,
            kind=kind,
            dimension_sections=dimension_sections(tool.schema),
            started_by=w.operators[Role.CASE_MANAGER],
            **values,
        )
    assessment: Assessment = w.objects[key]
    return assessment


def _case_pk(w: World) -> dict[str, Any]:
    return {"case_pk": _case(w).pk}


def _draft_pk(w: World) -> dict[str, Any]:
    return {"pk": _assessment(w, AssessmentKind.IN_DEPTH).pk}


def _interview_pk(w: World) -> dict[str, Any]:
    return {"pk": _assessment(w, AssessmentKind.CPI_INTERVIEW).pk}


RULES: dict[str, Rule] = {
    "assessments:case_panel": Rule(roles=READERS, kwargs=_case_pk, note="htmx fragment of the case page"),
    "assessments:assessment_new": Rule(roles=STARTERS, kwargs=_case_pk),
    "assessments:compare": Rule(roles=READERS, kwargs=_case_pk),
    "assessments:assessment_detail": Rule(roles=READERS, kwargs=_draft_pk),
    "assessments:assessment_edit": Rule(roles=TEAM, kwargs=_draft_pk, note="each member fills in their sections"),
    "assessments:assessment_complete": Rule(roles=frozenset({Role.CASE_MANAGER.value}), kwargs=_draft_pk, get=False),
    "assessments:profile_new": Rule(roles=CPI, kwargs=_interview_pk),
}
