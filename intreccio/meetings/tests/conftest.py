"""The case network of intreccio/cases/tests/conftest.py with a case open and a mediators' roster.

Alice (social worker) manages the case; Bob (CPI) and Sara (SerD) are on its team; Dario, a
social worker of the same service, and Carla, who chairs the coordination group, are not.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from intreccio.accounts.models import Operator, Organisation, OrganisationKind
from intreccio.cases import services as case_services
from intreccio.cases.models import Case, TeamRole
from intreccio.cases.tests.conftest import Net, english, net
from intreccio.meetings.models import Mediator, Meeting
from intreccio.territory.models import Ambito, Comune, SubAmbito

__all__ = ["english", "net"]


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A Rome wall-clock moment ``days`` from today."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def client_for(operator: Operator) -> Client:
    """A signed-in client that chose English in the header: page assertions read the msgids."""
    client = Client()
    client.force_login(operator)
    client.cookies["django_language"] = "en"
    return client


@dataclass
class World:
    net: Net
    case: Case
    cooperative: Organisation
    north: SubAmbito
    south: SubAmbito
    cremona: Comune
    pescarolo: Comune
    casalbuttano: Comune
    amina: Mediator  # Arabic and French, everywhere
    li: Mediator  # Chinese, the south sub-ambito
    ion: Mediator  # Romanian, Cremona only
    omar: Mediator  # Arabic, the north sub-ambito

    def convene(self, **kwargs: object) -> Meeting:
        from intreccio.meetings import services

        values: dict[str, object] = {
            "request": self.net.request(self.net.alice),
            "case": self.case,
            "title": "Valutazione multidimensionale",
            "starts_at": at(3, 10),
            "ends_at": at(3, 11, 30),
            "place": "Via Palestro 11, Cremona, sala 2",
            "agenda": "1. Esito del colloquio CPI\n2. Proposta di tirocinio",
            "invitees": [self.net.bob, self.net.sara],
        }
        values.update(kwargs)
        return services.meeting_convene(**values)  # type: ignore[arg-type]


def _comune(istat: str, belfiore: str, name: str, ambito: Ambito, sub: SubAmbito | None) -> Comune:
    return Comune.objects.create(
        istat_code=istat,
        belfiore_code=belfiore,
        name=name,
        province_code="CR",
        province_name="Cremona",
        region_name="Lombardia",
        ambito=ambito,
        sub_ambito=sub,
    )


@pytest.fixture
def world(net: Net) -> World:
    case = case_services.case_open(
        request=net.request(net.carla),
        intake=net.intake,
        case_manager=net.alice,
        case_manager_structure=net.social,
        members=[(net.bob, net.cpi, TeamRole.CPI_TUTOR), (net.sara, net.serd, TeamRole.SERD_OPERATOR)],
    )
    cooperative = Organisation.objects.create(
        name="Cooperativa Mediazione Insieme", kind=OrganisationKind.THIRD_SECTOR, ambito=net.ambito
    )
    north = SubAmbito.objects.create(ambito=net.ambito, name="Cremona Nord")
    south = SubAmbito.objects.create(ambito=net.ambito, name="Cremona Sud")
    cremona = _comune("019036", "D150", "Cremona", net.ambito, None)
    pescarolo = _comune("019068", "G469", "Pescarolo ed Uniti", net.ambito, south)
    casalbuttano = _comune("019013", "B889", "Casalbuttano ed Uniti", net.ambito, north)

    def mediator(name: str, email: str, languages: str) -> Mediator:
        return Mediator.objects.create(
            ambito=net.ambito, name=name, email=email, languages=languages, organisation=cooperative
        )

    amina = mediator("Amina Benali", "amina@mediazione.example", "ar fr")
    li = mediator("Li Wei", "li@mediazione.example", "zh")
    li.sub_ambiti.set([south])
    ion = mediator("Ion Popescu", "ion@mediazione.example", "ro")
    ion.comuni.set([cremona])
    omar = mediator("Omar Haddad", "omar@mediazione.example", "ar")
    omar.sub_ambiti.set([north])
    return World(
        net=net,
        case=case,
        cooperative=cooperative,
        north=north,
        south=south,
        cremona=cremona,
        pescarolo=pescarolo,
        casalbuttano=casalbuttano,
        amina=amina,
        li=li,
        ion=ion,
        omar=omar,
    )
