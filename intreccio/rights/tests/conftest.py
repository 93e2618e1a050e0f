"""The case network of intreccio/cases/tests/conftest.py, with Giulia's case open and a household.

Carla chairs the coordination group of the Ambito Cremonese and handles the requests; Alice (the
case manager) records them; Bob (CPI) and Sara (SerD) are on Giulia's team; Olga works in another
ambito. Giulia lives with her brother Marco, who has a case of his own.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import decrypt, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from intreccio.access.models import Channel, Intake, IntakeStatus, Need, Source
from intreccio.accounts.models import Operator
from intreccio.cases import services as case_services
from intreccio.cases.models import Case, Section, TeamRole
from intreccio.cases.tests.conftest import Net, english, net
from intreccio.people.models import Household, HouseholdMember, Person, Relationship
from intreccio.people.services.households import household_create_with_reference, household_member_add
from intreccio.people.tests.factories import PersonFactory
from intreccio.rights import services
from intreccio.rights.models import DataSubjectRequest, RequestChannel, Requester, RequestKind

__all__ = ["english", "net"]

CANARY = "CANARINO-7Q4 la persona racconta della sua casa"
MARCO_SECRET = "SEGRETO-DI-MARCO-88Z"
MARCO_CF = "BNCMRC80A01D150X"


def client_for(operator: Operator) -> Client:
    """A signed-in client that chose English in the header: page assertions read the msgids."""
    client = Client()
    client.force_login(operator)
    client.cookies["django_language"] = "en"
    return client


@dataclass
class World:
    net: Net
    giulia: Person
    marco: Person
    household: Household
    case: Case
    marco_case: Case

    def record(self, kind: str = RequestKind.ACCESS_REPORT, **kwargs: object) -> DataSubjectRequest:
        values: dict[str, object] = {
            "request": self.net.request(self.net.alice),
            "person": self.giulia,
            "kind": kind,
            "received_on": timezone.localdate(),
            "channel": RequestChannel.IN_PERSON,
            "requested_by": Requester.PERSON,
        }
        if kind == RequestKind.RECTIFICATION:
            values["rectification_requested"] = "Il numero di telefono è 0372 000000"
        values.update(kwargs)
        return services.request_record(**values)  # type: ignore[arg-type]


def _marco_case(net: Net, marco: Person, household: Household) -> Case:
    """Marco's own case, from an intake that names the household: reachable from it, never Giulia's."""
    received = timezone.localdate() - datetime.timedelta(days=5)
    intake = Intake.objects.create(
        ambito=net.ambito,
        structure=net.social,
        recorded_by=net.alice,
        person=marco,
        household=household,
        received_on=received,
        channel=Channel.IN_PERSON,
        source=Source.SELF,
        prevalent_need=Need.WORK,
        status=IntakeStatus.FORWARDED,
        outcome_on=received,
        forwarded_to=net.group,
    )
    case = case_services.case_open(
        request=net.request(net.carla),
        intake=intake,
        case_manager=net.dario,
        case_manager_structure=net.social,
        members=[],
    )
    case_services.case_note_add(request=net.request(net.dario), case=case, section=Section.COMMON, text=MARCO_SECRET)
    return case


@pytest.fixture
def world(net: Net) -> World:
    giulia = net.person
    today = timezone.localdate()
    household = household_create_with_reference(
        actor=net.alice,
        organisation=net.social.organisation,
        person=giulia,
        date_in=datetime.date(2020, 1, 1),
        name="Ferrari",
        address="Via Palestro 3",
    )
    marco = PersonFactory.create(
        registered_by=net.social.organisation,
        first_name="Marco",
        last_name="Ferrari",
        fiscal_code=MARCO_CF,
        phone="333 999 8877",
    )
    household_member_add(
        actor=net.alice, household=household, person=marco, relationship=Relationship.SIBLING, date_in=today
    )
    case = case_services.case_open(
        request=net.request(net.carla),
        intake=net.intake,
        case_manager=net.alice,
        case_manager_structure=net.social,
        members=[(net.bob, net.cpi, TeamRole.CPI_TUTOR), (net.sara, net.serd, TeamRole.SERD_OPERATOR)],
    )
    case_services.case_note_add(request=net.request(net.alice), case=case, section=Section.VIOLENCE, text=CANARY)
    case_services.case_note_add(
        request=net.request(net.sara), case=case, section=Section.HEALTH, text="Nota SerD: segue il programma"
    )
    marco_case = _marco_case(net, marco, household)
    assert HouseholdMember.objects.filter(household=household).count() == 2
    return World(net=net, giulia=giulia, marco=marco, household=household, case=case, marco_case=marco_case)


def totp_code(operator: Operator) -> str:
    """The code the operator's authenticator app shows now (re-authentication before an export)."""
    authenticator = Authenticator.objects.get(user=operator, type=Authenticator.Type.TOTP)
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(decrypt(authenticator.data["secret"]), counters[len(counters) // 2]))


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # allauth remembers used codes in the cache; a code of an earlier test must not count here.
    cache.clear()
    yield
    cache.clear()
