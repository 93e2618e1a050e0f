"""Matrix rules for the blackout pages (SECURITY.md R2, R21).

In the matrix world every operator works in the same service, so the service that wrote an item
is everyone's. The case of cases/tests/matrix_rules.py (managed by the case manager, the social
worker, CPI operator, health specialist, educator and provider operator on its team, the
coordinator in the coordination group) gets a common-section note by the case manager and an
assessment: the team may record a blackout request on them; the coordinator, who sees the case
but is not on its team, may not. A second note carries an active blackout: its lift page opens
for who may see the case (all in the writing service). The list is for every case role; the
register for the auditor.
"""

from __future__ import annotations

import datetime
from typing import Any

from intreccio.accounts.models import Role
from intreccio.assessments.models import Assessment, AssessmentKind, AssessmentTool
from intreccio.blackout.models import Blackout, TargetType
from intreccio.cases.models import CaseNote, Section
from intreccio.cases.permissions import CASE_ROLES
from intreccio.cases.tests.matrix_rules import READERS, TEAM, _case
from tests.matrix import Rule, World

AUDITOR = frozenset({Role.AUDITOR.value})
CASE_ROLE_VALUES = frozenset(str(r) for r in CASE_ROLES)


def _note(w: World, key: str) -> CaseNote:
    if key not in w.objects:
        w.objects[key] = CaseNote.objects.create(
            case=_case(w),
            section=Section.COMMON,
            text=f"Nota della matrice ({key})",
            author=w.operators[Role.CASE_MANAGER],
            author_structure=w.structure,
        )
    note: CaseNote = w.objects[key]
    return note


def _assessment(w: World) -> Assessment:
    if "blackout_assessment" not in w.objects:
        tool = AssessmentTool.objects.create(
            key="matrix-blackout",
            version=1,
            kind=AssessmentKind.PRELIMINARY,
            title={"it": "Analisi preliminare", "en": "Preliminary analysis"},
            schema={"dimensions": []},
            is_published=True,
        )
        w.objects["blackout_assessment"] = Assessment.objects.create(
            case=_case(w), tool=tool, kind=tool.kind, started_by=w.operators[Role.CASE_MANAGER]
        )
    assessment: Assessment = w.objects["blackout_assessment"]
    return assessment


def _blackout(w: World) -> Blackout:
    if "blackout" not in w.objects:
        note = _note(w, "blackout_note_hidden")
        case = _case(w)
        assert case.person is not None
        w.objects["blackout"] = Blackout.objects.create(
            person=case.person,
            case=case,
            target_type=TargetType.CASE_NOTE,
            target_id=note.pk,
            owner_structure=w.structure,
            requested_on=datetime.date.today(),
            request_reference="Prot. 2025/1",
            recorded_by=w.operators[Role.CASE_MANAGER],
        )
    blackout: Blackout = w.objects["blackout"]
    return blackout


def _note_kwargs(w: World) -> dict[str, Any]:
    return {"note_pk": _note(w, "blackout_note").pk}


RULES: dict[str, Rule] = {
    "blackout:blackout_list": Rule(roles=CASE_ROLE_VALUES, note="the blackouts of the operator's own service"),
    "blackout:record_note": Rule(roles=TEAM, kwargs=_note_kwargs, note="on the team and able to read the note"),
    "blackout:record_assessment": Rule(
        roles=TEAM, kwargs=lambda w: {"assessment_pk": _assessment(w).pk}, note="on the team"
    ),
    "blackout:lift": Rule(
        roles=READERS,
        kwargs=lambda w: {"pk": _blackout(w).pk},
        note="the writing service (everyone's, in the matrix world) on a case it may see",
    ),
    "blackout:register": Rule(roles=AUDITOR, note="read-only register, no content"),
}
