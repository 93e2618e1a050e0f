"""Two ambiti for the oversight tests.

Alice is a social worker of the Comune di Cremona (ambito Cremonese), Bruno a social worker of
the Comune di Crema (ambito Cremasco), Ugo the auditor and Ada the administrator of the Cremonese.
Each ambito has one case. ``read`` plants an access record at a given local time through the audit
service itself, as the pages do.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import time_machine
from django.conf import settings
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.utils import timezone

from intreccio.access.models import Need
from intreccio.accounts.models import Membership, Operator, Organisation, Role, Structure
from intreccio.accounts.tests.factories import AmbitoFactory, OrganisationFactory, StructureFactory, operator_with_role
from intreccio.audit.services import record_access
from intreccio.cases.models import Case
from intreccio.people.tests.factories import PersonFactory
from intreccio.territory.models import Ambito


@dataclass
class World:
    cremonese: Ambito
    cremasco: Ambito
    cremona: Organisation
    crema: Organisation
    social: Structure
    alice: Operator
    bruno: Operator
    ugo: Operator
    ada: Operator
    case_cremona: Case
    case_crema: Case


def _case(ambito: Ambito, manager: Operator, structure: Structure, number: str) -> Case:
    today = datetime.date(2025, 5, 2)
    return Case.objects.create(
        ambito=ambito,
        person=PersonFactory.create(registered_by=structure.organisation),
        number=number,
        prevalent_need=Need.WORK,
        case_manager=manager,
        case_manager_structure=structure,
        accessed_on=today,
        taken_in_charge_on=today,
    )


@pytest.fixture
def world(db: None) -> World:
    cremonese = AmbitoFactory.create(code="CRE", name="Ambito Cremonese")
    cremasco = AmbitoFactory.create(code="CRM", name="Ambito Cremasco")
    cremona = OrganisationFactory.create(name="Comune di Cremona", ambito=cremonese)
    crema = OrganisationFactory.create(name="Comune di Crema", ambito=cremasco)
    social = StructureFactory.create(organisation=cremona, name="Servizio sociale")
    crema_social = StructureFactory.create(organisation=crema, name="Servizio sociale di Crema")
    alice = operator_with_role(Role.SOCIAL_WORKER, structure=social, username="alice")
    bruno = operator_with_role(Role.SOCIAL_WORKER, structure=crema_social, username="bruno")
    ugo = operator_with_role(Role.AUDITOR, structure=social, username="ugo")
    ada = operator_with_role(Role.ADMINISTRATOR, structure=social, username="ada")
    return World(
        cremonese=cremonese,
        cremasco=cremasco,
        cremona=cremona,
        crema=crema,
        social=social,
        alice=alice,
        bruno=bruno,
        ugo=ugo,
        ada=ada,
        case_cremona=_case(cremonese, alice, social, "CRE-2025-1"),
        case_crema=_case(cremasco, bruno, crema_social, "CRM-2025-1"),
    )


def request_as(operator: Operator) -> HttpRequest:
    request = RequestFactory().get("/")
    request.user = operator
    request.membership = (  # type: ignore[attr-defined]
        Membership.objects.current().filter(operator=operator).select_related("structure__organisation").first()
    )
    request.request_id = "test"  # type: ignore[attr-defined]
    return request


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in Italian local time (Europe/Rome)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def read(
    operator: Operator,
    when: datetime.datetime,
    *,
    object_type: str = "people.person",
    object_id: str = "1",
    purpose: str = "person_detail",
) -> None:
    """An access record written by the audit service at ``when`` (the membership is today's)."""
    request = request_as(operator)
    with time_machine.travel(when, tick=False):
        record_access(actor=operator, object_type=object_type, object_id=object_id, purpose=purpose, request=request)


def client_for(operator: Operator) -> Client:
    client = Client()
    client.force_login(operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def english() -> Iterator[None]:
    from django.utils import translation

    with translation.override("en"):
        yield
