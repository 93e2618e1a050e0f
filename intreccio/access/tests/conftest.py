"""People of the front-door tests.

Alice works at the segretariato sociale of the Comune di Cremona, which receives intakes.
Bob is a social worker at the Comune di Crema, in the same ambito: not the receiving
organisation. Dora chairs the ambito's coordination group from the Azienda sociale. Carol
works at the segretariato of another ambito.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from intreccio.access.models import Intake, IntakeStatus, PreAssessmentForm
from intreccio.accounts.models import Operator, Organisation, Role, Structure, Team, TeamKind
from intreccio.accounts.tests.factories import (
    AmbitoFactory,
    OrganisationFactory,
    StructureFactory,
    TeamFactory,
    TeamMemberFactory,
    operator_with_role,
)
from intreccio.people.models import Person
from intreccio.people.tests.factories import PersonFactory
from intreccio.territory.models import Ambito

RECEIVED = datetime.date(2025, 3, 10)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Assertions read the English msgids: they must not break when the Italian catalogue grows."""
    with translation.override("en"):
        yield


@pytest.fixture
def ambito(db: None) -> Ambito:
    return AmbitoFactory.create(code="CR", name="Ambito di Cremona")


@pytest.fixture
def cremona(ambito: Ambito) -> Organisation:
    return OrganisationFactory.create(name="Comune di Cremona", ambito=ambito)


@pytest.fixture
def front_desk(cremona: Organisation) -> Structure:
    return StructureFactory.create(organisation=cremona, name="Segretariato sociale")


@pytest.fixture
def alice(front_desk: Structure) -> Operator:
    return operator_with_role(Role.SEGRETARIATO, structure=front_desk, username="alice", first_name="Alice")


@pytest.fixture
def bob(ambito: Ambito) -> Operator:
    crema = OrganisationFactory.create(name="Comune di Crema", ambito=ambito)
    structure = StructureFactory.create(organisation=crema, name="Servizio sociale")
    return operator_with_role(Role.SOCIAL_WORKER, structure=structure, username="bob", first_name="Bob")


@pytest.fixture
def group(ambito: Ambito) -> Team:
    return TeamFactory.create(ambito=ambito, kind=TeamKind.COORDINATION_GROUP, name="Gruppo di coordinamento")


@pytest.fixture
def dora(ambito: Ambito, group: Team) -> Operator:
    agency = OrganisationFactory.create(name="Azienda sociale", ambito=ambito)
    structure = StructureFactory.create(organisation=agency, name="Direzione servizi sociali")
    dora = operator_with_role(Role.COORDINATOR, structure=structure, username="dora", first_name="Dora")
    TeamMemberFactory.create(team=group, operator=dora, is_chair=True)
    return dora


@pytest.fixture
def carol(db: None) -> Operator:
    other = AmbitoFactory.create(code="CASAL", name="Ambito di Casalmaggiore")
    organisation = OrganisationFactory.create(name="Comune di Casalmaggiore", ambito=other)
    structure = StructureFactory.create(organisation=organisation, name="Segretariato sociale")
    return operator_with_role(Role.SEGRETARIATO, structure=structure, username="carol", first_name="Carol")


@pytest.fixture
def maria(cremona: Organisation, alice: Operator) -> Person:
    return PersonFactory.create(
        first_name="Maria",
        last_name="Rossi",
        registered_by=cremona,
        created_by=alice,
        birth_date=datetime.date(1980, 5, 17),
    )


@pytest.fixture
def form_v1(db: None) -> PreAssessmentForm:
    """Version 1 as shipped by the data migration."""
    return PreAssessmentForm.objects.get(key="pre_assessment", version=1)


def make_intake(structure: Structure, recorded_by: Operator, **kwargs: Any) -> Intake:
    values: dict[str, Any] = {
        "ambito": structure.organisation.ambito,
        "structure": structure,
        "recorded_by": recorded_by,
        "received_on": RECEIVED,
        "channel": "in_person",
        "source": "self",
        "prevalent_need": "poverty",
    }
    values.update(kwargs)
    if values.get("person") is None and not values.get("unidentified_description"):
        values["unidentified_description"] = "donna sui 40 anni"
    if values.get("status") in (IntakeStatus.FORWARDED, IntakeStatus.URGENT):
        values.setdefault("outcome_on", RECEIVED)
    return Intake.objects.create(**values)


@pytest.fixture
def intake(front_desk: Structure, alice: Operator, maria: Person) -> Intake:
    return make_intake(front_desk, alice, person=maria)


def client_for(operator: Operator) -> Client:
    client = Client()
    client.force_login(operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# v1's required questions, answered.
V1_ANSWERS: dict[str, Any] = {
    "household_size": "3",
    "household_minors": "1",
    "household_type": "single_parent",
    "income_sources": ["family_help"],
    "isee_available": "yes",
    "isee_value": "4.200,50".replace(".", ""),
    "work_status": "unemployed_long",
    "housing_status": "private_rent",
    "eviction": "yes",
    "caregiver": "no",
    "urgency_factors": ["eviction_date"],
    "request_summary": "Sfratto per morosità fissato a maggio; chiede aiuto per l'affitto.",
}
