"""People of the catalogue tests.

Paola is the programme officer of the Ufficio di Piano (Azienda sociale) of the Ambito
Cremonese; Elena coordinates the social services of the Comune di Cremona; both keep the
catalogue. Bob is a CPI operator and Sara an educator: they read it. Adam administers
accounts and Franca audits: neither sees it. Carol is the programme officer of another ambito.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from intreccio.accounts.models import Operator, Organisation, Role
from intreccio.accounts.tests.factories import AmbitoFactory, OrganisationFactory, StructureFactory, operator_with_role
from intreccio.catalogue.models import AssistancePackage, QuantityBasis, Service, ServiceArea, ServiceUnit
from intreccio.catalogue.tests.factories import PackageFactory, PackageItemFactory, ServiceFactory
from intreccio.territory.models import Ambito


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Assertions read the English msgids: they must not break when the Italian catalogue grows."""
    with translation.override("en"):
        yield


@pytest.fixture
def ambito(db: None) -> Ambito:
    return AmbitoFactory.create(code="CR", name="Ambito Cremonese")


@pytest.fixture
def other_ambito(db: None) -> Ambito:
    return AmbitoFactory.create(code="CASAL", name="Ambito di Casalmaggiore")


@pytest.fixture
def azienda(ambito: Ambito) -> Organisation:
    return OrganisationFactory.create(name="Azienda Sociale del Cremonese", ambito=ambito)


@pytest.fixture
def cooperativa(ambito: Ambito) -> Organisation:
    return OrganisationFactory.create(name="Cooperativa sociale La Trama", ambito=ambito)


def _in(organisation: Organisation, role: str, username: str, first_name: str) -> Operator:
    structure = StructureFactory.create(organisation=organisation, name=f"Ufficio {username}")
    return operator_with_role(role, structure=structure, username=username, first_name=first_name)


@pytest.fixture
def paola(azienda: Organisation) -> Operator:
    return _in(azienda, Role.PROGRAMME_OFFICER, "paola", "Paola")


@pytest.fixture
def elena(ambito: Ambito) -> Operator:
    comune = OrganisationFactory.create(name="Comune di Cremona", ambito=ambito)
    return _in(comune, Role.COORDINATOR, "elena", "Elena")


@pytest.fixture
def bob(ambito: Ambito) -> Operator:
    cpi = OrganisationFactory.create(name="Centro per l'Impiego di Cremona", ambito=ambito)
    return _in(cpi, Role.CPI_OPERATOR, "bob", "Bob")


@pytest.fixture
def adam(azienda: Organisation) -> Operator:
    return _in(azienda, Role.ADMINISTRATOR, "adam", "Adam")


@pytest.fixture
def carol(other_ambito: Ambito) -> Operator:
    comune = OrganisationFactory.create(name="Comune di Casalmaggiore", ambito=other_ambito)
    return _in(comune, Role.PROGRAMME_OFFICER, "carol", "Carol")


@pytest.fixture
def sad(ambito: Ambito, cooperativa: Organisation) -> Service:
    service = ServiceFactory.create(
        ambito=ambito,
        code="SAD",
        name="Assistenza domiciliare (SAD)",
        area=ServiceArea.ELDERLY,
        unit=ServiceUnit.HOUR,
        unit_cost=Decimal("22.50"),
    )
    service.providers.set([cooperativa])
    return service


@pytest.fixture
def tirocinio(ambito: Ambito) -> Service:
    return ServiceFactory.create(
        ambito=ambito,
        code="TIR",
        name="Tirocinio di inclusione",
        area=ServiceArea.WORK,
        unit=ServiceUnit.MONTH,
        unit_cost=Decimal("500.00"),
        is_work_path=True,
    )


@pytest.fixture
def counselling(ambito: Ambito) -> Service:
    return ServiceFactory.create(
        ambito=ambito,
        code="COUNS",
        name="Counseling per l'empowerment",
        area=ServiceArea.POVERTY,
        unit=ServiceUnit.HOUR,
        unit_cost=Decimal("40.00"),
    )


@pytest.fixture
def draft(ambito: Ambito, sad: Service, tirocinio: Service) -> AssistancePackage:
    """A draft for low employability and high care load: home care every month and an internship."""
    package = PackageFactory.create(ambito=ambito, code="PA-01", name="Bassa occupabilità, alto carico di cura")
    PackageItemFactory.create(package=package, service=sad, quantity=Decimal("8"), basis=QuantityBasis.PER_MONTH)
    PackageItemFactory.create(package=package, service=tirocinio, quantity=Decimal("6"), basis=QuantityBasis.TOTAL)
    return package


def client_for(operator: Operator) -> Client:
    client = Client()
    client.force_login(operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
