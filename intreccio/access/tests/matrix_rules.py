"""Matrix rules for the front door (SECURITY.md R2).

In the matrix world every role works in the organisation that received the intake, and the
coordinator sits in the ambito's coordination group, which holds a forwarded intake.
"""

from __future__ import annotations

import datetime
from typing import Any

from intreccio.access.models import Intake, IntakeStatus
from intreccio.access.permissions import INTAKE_ROLES
from intreccio.accounts.models import Role, TeamKind
from intreccio.accounts.tests.factories import TeamFactory, TeamMemberFactory
from intreccio.people.permissions import REGISTRY_ROLES
from intreccio.people.tests.factories import PersonFactory
from tests.matrix import Rule, World

READERS = frozenset(r.value for r in REGISTRY_ROLES)
HANDLERS = frozenset(r.value for r in INTAKE_ROLES)
COORDINATION = frozenset({Role.COORDINATOR.value})


def _intake(w: World) -> Intake:
    if "intake" not in w.objects:
        person = PersonFactory.create(registered_by=w.organisation, last_name="Matrice")
        w.objects["person"] = person
        w.objects["intake"] = Intake.objects.create(
            ambito=w.ambito,
            structure=w.structure,
            recorded_by=w.operators[Role.SEGRETARIATO],
            person=person,
            received_on=datetime.date(2025, 3, 3),
            channel="in_person",
            source="self",
            prevalent_need="poverty",
        )
    intake: Intake = w.objects["intake"]
    return intake


def _coordination_group(w: World) -> dict[str, Any]:
    """The coordinator sits in the ambito's coordination group, which has one forwarded intake."""
    if "group" not in w.objects:
        group = TeamFactory.create(ambito=w.ambito, kind=TeamKind.COORDINATION_GROUP, name="Coordinamento matrice")
        TeamMemberFactory.create(team=group, operator=w.operators[Role.COORDINATOR])
        Intake.objects.create(
            ambito=w.ambito,
            structure=w.structure,
            recorded_by=w.operators[Role.SEGRETARIATO],
            unidentified_description="uomo sui 60 anni",
            received_on=datetime.date(2025, 3, 1),
            outcome_on=datetime.date(2025, 3, 2),
            channel="outreach",
            source="third_sector",
            source_detail="Unità di strada",
            prevalent_need="housing",
            status=IntakeStatus.FORWARDED,
            forwarded_to=group,
        )
        w.objects["group"] = group
    return {}


def _pk(w: World) -> dict[str, Any]:
    return {"pk": _intake(w).pk}


RULES: dict[str, Rule] = {
    "access:intake_list": Rule(roles=READERS),
    "access:intake_create": Rule(roles=HANDLERS),
    "access:person_search": Rule(roles=HANDLERS, note="htmx fragment of the intake form"),
    "access:coordination_queue": Rule(roles=COORDINATION, kwargs=_coordination_group),
    "access:person_intakes": Rule(
        roles=READERS, kwargs=lambda w: {"person_pk": _intake(w).person_id}, note="htmx fragment of the person page"
    ),
    "access:intake_detail": Rule(roles=READERS, kwargs=_pk),
    "access:pre_assessment": Rule(roles=HANDLERS, kwargs=_pk),
    "access:intake_close": Rule(roles=HANDLERS, kwargs=_pk, get=False),
    "access:intake_forward": Rule(roles=HANDLERS, kwargs=_pk, get=False),
    "access:intake_urgent": Rule(roles=HANDLERS, kwargs=_pk, get=False),
}
