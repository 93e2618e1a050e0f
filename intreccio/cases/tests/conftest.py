"""A small network for case tests.

Carla coordinates and chairs the coordination group of the ambito; Alice is a social worker
(the case manager), Bob the CPI operator, Sara a health specialist of the SerD (whose notes stay
in the SerD), Hugo a health specialist of the mental-health centre, Dario a social worker not
on the team, Olga a social worker of another ambito.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.http import HttpRequest
from django.test import RequestFactory

from intreccio.access.models import Channel, Intake, IntakeStatus, Need, Source
from intreccio.accounts.models import (
    Membership,
    Operator,
    OrganisationKind,
    Role,
    Structure,
    Team,
    TeamKind,
    TeamMember,
)
from intreccio.accounts.tests.factories import AmbitoFactory, OperatorFactory, OrganisationFactory, StructureFactory
from intreccio.people.models import Person
from intreccio.people.tests.factories import PersonFactory
from intreccio.territory.models import Ambito

TODAY = datetime.date.today()


@dataclass
class Net:
    ambito: Ambito
    other_ambito: Ambito
    social: Structure
    cpi: Structure
    serd: Structure
    cps: Structure
    group: Team
    carla: Operator
    alice: Operator
    bob: Operator
    sara: Operator
    hugo: Operator
    dario: Operator
    olga: Operator
    person: Person
    intake: Intake

    def request(self, operator: Operator, role: str | None = None) -> HttpRequest:
        """A request as ``operator`` acting in ``role`` (their first membership by default)."""
        request = RequestFactory().get("/")
        request.user = operator
        memberships = Membership.objects.current().filter(operator=operator).select_related("structure__organisation")
        if role is not None:
            memberships = memberships.filter(role=role)
        request.membership = memberships.first()  # type: ignore[attr-defined]
        request.request_id = "test"  # type: ignore[attr-defined]
        return request


def _operator(username: str, structure: Structure, role: str) -> Operator:
    operator = OperatorFactory.create(username=username, email=f"{username}@example.org")
    Membership.objects.create(operator=operator, structure=structure, role=role, valid_from=TODAY)
    return operator


@pytest.fixture
def net(db: None) -> Net:
    ambito = AmbitoFactory.create(code="CRE", name="Ambito Cremonese")
    other_ambito = AmbitoFactory.create(code="CRM", name="Ambito Cremasco")
    comune = OrganisationFactory.create(name="Comune di Cremona", ambito=ambito)
    cpi_org = OrganisationFactory.create(
        name="Centro per l'Impiego", kind=OrganisationKind.EMPLOYMENT_CENTRE, ambito=ambito
    )
    asst = OrganisationFactory.create(name="ASST", kind=OrganisationKind.HEALTH_TRUST, ambito=ambito)
    social = StructureFactory.create(organisation=comune, name="Servizio sociale")
    cpi = StructureFactory.create(organisation=cpi_org, name="CPI Cremona")
    serd = StructureFactory.create(organisation=asst, name="SerD", keeps_notes_private=True)
    cps = StructureFactory.create(organisation=asst, name="CPS")
    elsewhere = StructureFactory.create(organisation=OrganisationFactory.create(ambito=other_ambito), name="Sociale")
    carla = _operator("carla", social, Role.COORDINATOR)
    alice = _operator("alice", social, Role.SOCIAL_WORKER)
    bob = _operator("bob", cpi, Role.CPI_OPERATOR)
    sara = _operator("sara", serd, Role.HEALTH_SPECIALIST)
    hugo = _operator("hugo", cps, Role.HEALTH_SPECIALIST)
    dario = _operator("dario", social, Role.SOCIAL_WORKER)
    olga = _operator("olga", elsewhere, Role.SOCIAL_WORKER)
    group = Team.objects.create(name="Gruppo di coordinamento", kind=TeamKind.COORDINATION_GROUP, ambito=ambito)
    TeamMember.objects.create(team=group, operator=carla, is_chair=True)
    person = PersonFactory.create(registered_by=comune, first_name="Giulia", last_name="Ferrari")
    received = TODAY - datetime.timedelta(days=12)
    intake = Intake.objects.create(
        ambito=ambito,
        structure=social,
        recorded_by=alice,
        person=person,
        received_on=received,
        channel=Channel.IN_PERSON,
        source=Source.SELF,
        prevalent_need=Need.WORK,
        status=IntakeStatus.FORWARDED,
        outcome_on=received + datetime.timedelta(days=2),
        forwarded_to=group,
    )
    return Net(
        ambito=ambito,
        other_ambito=other_ambito,
        social=social,
        cpi=cpi,
        serd=serd,
        cps=cps,
        group=group,
        carla=carla,
        alice=alice,
        bob=bob,
        sara=sara,
        hugo=hugo,
        dario=dario,
        olga=olga,
        person=person,
        intake=intake,
    )


@pytest.fixture(autouse=True)
def english() -> object:
    """Service messages are asserted in English, the language of the msgids."""
    from django.utils import translation

    with translation.override("en"):
        yield
