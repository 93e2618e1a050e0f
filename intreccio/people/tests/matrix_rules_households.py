"""Matrix rules for the household, ISEE and consent pages.

Reading a household is open to the registry roles; recording members, ISEE and consents to the
roles of ``permissions_households.HOUSEHOLD_RECORDING_ROLES``. The world's household and person
are registered by the world's organisation, so every registry role sees them.
"""

from __future__ import annotations

import datetime
from typing import Any

from intreccio.people.models import Consent, Household, HouseholdMember, Person
from intreccio.people.permissions import REGISTRY_ROLES
from intreccio.people.permissions_households import HOUSEHOLD_RECORDING_ROLES
from intreccio.people.tests.factories import HouseholdFactory, HouseholdMemberFactory, PersonFactory
from tests.matrix import Rule, World

READ = frozenset(str(role) for role in REGISTRY_ROLES)
RECORD = frozenset(str(role) for role in HOUSEHOLD_RECORDING_ROLES)


def _person(w: World) -> Person:
    if "hh_person" not in w.objects:
        w.objects["hh_person"] = PersonFactory.create(registered_by=w.organisation, last_name="Matrice")
    person: Person = w.objects["hh_person"]
    return person


def _household(w: World) -> Household:
    if "household" not in w.objects:
        w.objects["household"] = HouseholdFactory.create(registered_by=w.organisation, name="Famiglia Matrice")
    household: Household = w.objects["household"]
    return household


def _member(w: World) -> HouseholdMember:
    if "hh_member" not in w.objects:
        w.objects["hh_member"] = HouseholdMemberFactory.create(household=_household(w), person=_person(w))
    member: HouseholdMember = w.objects["hh_member"]
    return member


def _consent(w: World) -> dict[str, Any]:
    if "consent" not in w.objects:
        w.objects["consent"] = Consent.objects.create(
            person=_person(w),
            scope="network_sharing",
            given_on=datetime.date(2025, 3, 1),
            given_by="Matrice Maria",
            recorded_by=next(iter(w.operators.values())),
        )
    consent: Consent = w.objects["consent"]
    return {"person_pk": consent.person_id, "pk": consent.pk}


RULES: dict[str, Rule] = {
    "people:household_create": Rule(roles=RECORD),
    "people:household_detail": Rule(roles=READ, kwargs=lambda w: {"pk": _household(w).pk}),
    "people:household_member_add": Rule(roles=RECORD, kwargs=lambda w: {"pk": _household(w).pk}),
    "people:household_member_leave": Rule(
        roles=RECORD, kwargs=lambda w: {"pk": _member(w).household_id, "member_pk": _member(w).pk}
    ),
    "people:isee_create": Rule(roles=RECORD, kwargs=lambda w: {"pk": _household(w).pk}),
    "people:consent_create": Rule(roles=RECORD, kwargs=lambda w: {"person_pk": _person(w).pk}),
    "people:consent_withdraw": Rule(roles=RECORD, kwargs=_consent, get=False),
}
