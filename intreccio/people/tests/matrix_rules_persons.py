"""Matrix rules for the person pages: the registry roles search and read, the registering roles write."""

from __future__ import annotations

from typing import Any

from intreccio.people.models import Person
from intreccio.people.permissions import REGISTERING_ROLES, REGISTRY_ROLES
from intreccio.people.tests.factories import PersonFactory
from tests.matrix import Rule, World

READERS = frozenset(str(role) for role in REGISTRY_ROLES)
WRITERS = frozenset(str(role) for role in REGISTERING_ROLES)


def _person(w: World) -> dict[str, Any]:
    """A person registered by the world's organisation: visible to its registry roles."""
    if "person" not in w.objects:
        w.objects["person"] = PersonFactory.create(
            registered_by=w.organisation, created_by=w.operators["segretariato"], last_name="Matrice"
        )
    person: Person = w.objects["person"]
    return {"pk": person.pk}


RULES: dict[str, Rule] = {
    "people:person_search": Rule(roles=READERS),
    "people:person_search_results": Rule(roles=READERS),
    "people:person_create": Rule(roles=WRITERS),
    "people:person_detail": Rule(roles=READERS, kwargs=_person),
    "people:person_update": Rule(roles=WRITERS, kwargs=_person),
}
