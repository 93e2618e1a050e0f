"""Matrix rules for the retention pages: the coordination group reads the page and places and
lifts holds in its ambito; the auditor reads the page; everyone else gets 404."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from intreccio.access.tests.matrix_rules import _coordination_group
from intreccio.accounts.models import Role
from intreccio.people.tests.factories import PersonFactory
from intreccio.retention.models import LegalHold
from tests.matrix import Rule, World

COORDINATION = frozenset({Role.COORDINATOR.value})
READERS = COORDINATION | {Role.AUDITOR.value}


def _hold(w: World) -> dict[str, Any]:
    """An active hold on a person registered in the ambito of the coordination group."""
    _coordination_group(w)
    if "retention_hold" not in w.objects:
        person = PersonFactory.create(registered_by=w.organisation, last_name="Trattenuta")
        w.objects["retention_hold"] = LegalHold.objects.create(
            person=person,
            reason="Ricorso al TAR n. 1/2026",
            placed_by=w.operators[Role.COORDINATOR],
            placed_at=timezone.now(),
        )
    return {"pk": w.objects["retention_hold"].pk}


RULES: dict[str, Rule] = {
    "retention:overview": Rule(roles=READERS, kwargs=_coordination_group, note="persons and cases shown are recorded"),
    "retention:hold_place": Rule(roles=COORDINATION, kwargs=_coordination_group),
    "retention:hold_lift": Rule(roles=COORDINATION, kwargs=_hold),
}
