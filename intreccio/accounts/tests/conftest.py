"""People of the account tests: Alice administers the Cremona ambito, Carol administers another."""

from __future__ import annotations

import pytest
from django.test import Client

from intreccio.accounts.models import Operator, Organisation, Role, Structure
from intreccio.accounts.tests.factories import AmbitoFactory, OrganisationFactory, StructureFactory, operator_with_role
from intreccio.territory.models import Ambito


@pytest.fixture
def ambito(db: None) -> Ambito:
    return AmbitoFactory.create(code="CR", name="Ambito di Cremona")


@pytest.fixture
def organisation(ambito: Ambito) -> Organisation:
    return OrganisationFactory.create(name="Comune di Cremona", ambito=ambito)


@pytest.fixture
def structure(organisation: Organisation) -> Structure:
    return StructureFactory.create(organisation=organisation, name="Servizio sociale professionale")


@pytest.fixture
def alice(structure: Structure) -> Operator:
    """The administrator of the Cremona ambito."""
    return operator_with_role(Role.ADMINISTRATOR, structure=structure, username="alice", first_name="Alice")


@pytest.fixture
def other_structure(db: None) -> Structure:
    other = AmbitoFactory.create(code="CASAL", name="Ambito di Casalmaggiore")
    organisation = OrganisationFactory.create(name="Comune di Casalmaggiore", ambito=other)
    return StructureFactory.create(organisation=organisation)


@pytest.fixture
def carol(other_structure: Structure) -> Operator:
    """The administrator of another ambito."""
    return operator_with_role(Role.ADMINISTRATOR, structure=other_structure, username="carol", first_name="Carol")


@pytest.fixture
def alice_client(alice: Operator) -> Client:
    client = Client()
    client.force_login(alice)
    return client
