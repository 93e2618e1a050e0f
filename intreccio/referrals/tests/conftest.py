"""The case network of intreccio/cases/tests/conftest.py with a case open, notes in every section,
the person's consents, and the services a referral can reach.

Alice (social worker) manages the case of Giulia Ferrari; Bob (CPI), Sara (SerD, whose notes stay
in the SerD) and Nadia (health specialist of the family-counselling centre) are on its team.
Tina works at the third-sector cooperative La Trama, Hugo at the mental-health centre (CPS):
neither is on the team, both can receive a referral. Pia is La Trama's data-protection officer
(an auditor): she works there, but in no role that reads cases. Dario (same service as Alice,
not on the team), Carla (coordination group) and Olga (another ambito) have nothing to do with
the referral.

Giulia consented to sharing with the network and to sharing health information (whole
network), and to sharing with La Trama as a third-sector provider.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from intreccio.accounts.models import Operator, Organisation, OrganisationKind, Role, Structure
from intreccio.cases import services as case_services
from intreccio.cases.models import Case, CaseNote, Section, TeamRole
from intreccio.cases.tests.conftest import Net, _operator, english, net
from intreccio.people.models import Consent, ConsentScope
from intreccio.referrals import services
from intreccio.referrals.models import Referral

__all__ = ["english", "net"]

TODAY = datetime.date.today()
FISCAL_CODE = "FRRGLI85D52D150K"
# Sentinels: one per note, so a page can be searched for what it must (not) show.
NOTES = {
    "alice": {
        Section.COMMON: "SENT-COMMON affitto arretrato di due mesi",
        Section.VIOLENCE: "SENT-VIOLENCE accolta dal centro antiviolenza",
        Section.DISABILITY: "SENT-DISABILITY invalidità civile al 46%",
    },
    "bob": {Section.WORK: "SENT-WORK disponibile a un tirocinio"},
    "sara": {Section.HEALTH: "SENT-SERD programma terapeutico SerD"},
    "nadia": {Section.HEALTH: "SENT-HEALTH visita ginecologica di controllo"},
}


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
    trama: Organisation
    inserimenti: Structure
    consultorio: Structure
    tina: Operator
    nadia: Operator
    pia: Operator
    network: Consent
    health: Consent
    third_sector: Consent
    notes: dict[str, CaseNote] = field(default_factory=dict)

    def consents(self, *scopes: str) -> list[Consent]:
        by_scope = {c.scope: c for c in (self.network, self.health, self.third_sector)}
        return [by_scope[s] for s in scopes]

    def send(self, **kwargs: Any) -> Referral:
        """Alice refers Giulia to La Trama, sharing the common and work sections, on her consents."""
        values: dict[str, Any] = {
            "request": self.net.request(self.net.alice),
            "case": self.case,
            "to_structure": self.inserimenti,
            "reason": "Tirocinio di inclusione in cooperativa di tipo B, 20 ore a settimana.",
            "shared_sections": [Section.COMMON, Section.WORK],
            "consents": [self.network, self.third_sector],
        }
        values.update(kwargs)
        return services.referral_send(**values)

    def to_cps(self, **kwargs: Any) -> Referral:
        """Nadia refers Giulia to the mental-health centre, sharing the health section."""
        values: dict[str, Any] = {
            "request": self.net.request(self.nadia),
            "to_structure": self.net.cps,
            "shared_sections": [Section.COMMON, Section.HEALTH],
            "consents": [self.network, self.health],
        }
        values.update(kwargs)
        return self.send(**values)


def consent(world_net: Net, scope: str, recipient: Organisation | None = None, **kwargs: Any) -> Consent:
    values: dict[str, Any] = {
        "person": world_net.person,
        "scope": scope,
        "recipient": recipient,
        "given_on": TODAY - datetime.timedelta(days=30),
        "given_by": "Giulia Ferrari",
        "recorded_by": world_net.alice,
    }
    values.update(kwargs)
    return Consent.objects.create(**values)


@pytest.fixture
def world(net: Net) -> World:
    asst = net.cps.organisation
    consultorio = Structure.objects.create(organisation=asst, name="Consultorio familiare")
    nadia = _operator("nadia", consultorio, Role.HEALTH_SPECIALIST)
    case = case_services.case_open(
        request=net.request(net.carla),
        intake=net.intake,
        case_manager=net.alice,
        case_manager_structure=net.social,
        members=[
            (net.bob, net.cpi, TeamRole.CPI_TUTOR),
            (net.sara, net.serd, TeamRole.SERD_OPERATOR),
            (nadia, consultorio, TeamRole.HEALTH_SPECIALIST),
        ],
    )
    trama = Organisation.objects.create(
        name="Cooperativa sociale La Trama", kind=OrganisationKind.THIRD_SECTOR, ambito=net.ambito
    )
    inserimenti = Structure.objects.create(
        organisation=trama, name="Inserimenti lavorativi", email="inserimenti@latrama.example", phone="0372 000111"
    )
    tina = _operator("tina", inserimenti, Role.PROVIDER_OPERATOR)
    pia = _operator("pia", inserimenti, Role.AUDITOR)
    Operator.objects.filter(pk=net.alice.pk).update(phone="0372 407111")
    net.alice.refresh_from_db()
    type(net.person).objects.filter(pk=net.person.pk).update(
        phone="333 1234567",
        fiscal_code=FISCAL_CODE,
        no_fiscal_code_reason="",
        birth_date=datetime.date(1985, 4, 12),
        email="giulia.ferrari@example.org",
        residence_address="Via Bissolati 41",
    )
    net.person.refresh_from_db()
    world = World(
        net=net,
        case=case,
        trama=trama,
        inserimenti=inserimenti,
        consultorio=consultorio,
        tina=tina,
        nadia=nadia,
        pia=pia,
        network=consent(net, ConsentScope.NETWORK_SHARING),
        health=consent(net, ConsentScope.HEALTH_SHARING),
        third_sector=consent(net, ConsentScope.THIRD_SECTOR, recipient=trama),
    )
    authors = {"alice": net.alice, "bob": net.bob, "sara": net.sara, "nadia": nadia}
    for who, notes in NOTES.items():
        for section, text in notes.items():
            note = case_services.case_note_add(request=net.request(authors[who]), case=case, section=section, text=text)
            world.notes[text.split()[0]] = note
    # Notes are older than any referral sent in a test.
    CaseNote.objects.filter(case=case).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    return world
