"""Matrix rules for the emergency-access pages (SECURITY.md R2, R8).

The request form and the operator's own list are for the roles that may break the glass (the
others get a 403 page that says so, or 404). The review queue and a grant's review page are for
the coordination group of the ambito acting in a group role (the coordinator in the matrix world)
and for the auditor. The matrix grant is an educator's, ended, on a case of the ambito the
educator is not on, so it opens nothing and changes no other URL's answer.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from intreccio.access.tests.matrix_rules import _coordination_group
from intreccio.accounts.models import Role
from intreccio.breakglass.models import BreakGlassGrant, ReasonCode
from intreccio.cases.models import Case, CaseMember, TeamRole
from intreccio.people.tests.factories import PersonFactory
from tests.matrix import Rule, World

REQUESTERS = frozenset(
    {
        Role.SOCIAL_WORKER.value,
        Role.CASE_MANAGER.value,
        Role.HEALTH_SPECIALIST.value,
        Role.CPI_OPERATOR.value,
        Role.EDUCATOR.value,
    }
)
REVIEWERS = frozenset({Role.COORDINATOR.value, Role.AUDITOR.value})


def _grant(w: World) -> BreakGlassGrant:
    _coordination_group(w)
    if "breakglass_grant" not in w.objects:
        day = datetime.date(2025, 3, 10)
        case = Case.objects.create(
            ambito=w.ambito,
            number="MATRIX-2025-000900",
            person=PersonFactory.create(registered_by=w.organisation, last_name="Emergenza"),
            prevalent_need="housing",
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
        start = timezone.now() - datetime.timedelta(hours=3)
        w.objects["breakglass_grant"] = BreakGlassGrant.objects.create(
            operator=w.operators[Role.EDUCATOR],
            role=Role.EDUCATOR,
            structure=w.structure,
            case=case,
            reason_code=ReasonCode.IMMINENT_RISK,
            reason_text="La persona ha chiamato in crisi e il team non risponde",
            granted_at=start,
            expires_at=start + datetime.timedelta(hours=1),
            ended_at=start + datetime.timedelta(minutes=30),
        )
    grant: BreakGlassGrant = w.objects["breakglass_grant"]
    return grant


def _pk(w: World) -> dict[str, Any]:
    return {"pk": _grant(w).pk}


def _queue(w: World) -> dict[str, Any]:
    _grant(w)
    return {}


RULES: dict[str, Rule] = {
    "breakglass:grant_request": Rule(roles=REQUESTERS, note="others get a 403 page naming the roles that may"),
    "breakglass:my_grants": Rule(roles=REQUESTERS),
    "breakglass:grant_end": Rule(kwargs=_pk, get=False),
    "breakglass:review_queue": Rule(roles=REVIEWERS, kwargs=_queue),
    "breakglass:grant_review": Rule(roles=REVIEWERS, kwargs=_pk),
}
