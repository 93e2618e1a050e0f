"""Art. 15: the copy of everything held on the person, as a PDF and a JSON file, after
re-authentication, recorded with its fields and row count; other people's data is left out."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from intreccio.accounts.reauth import FAILED_ACTION
from intreccio.accounts.tests.factories import TEST_PASSWORD
from intreccio.audit.models import AccessEvent, DomainEvent
from intreccio.core.privacy import LEGAL_BASIS, Category
from intreccio.people.models import Consent, ConsentScope, IseeDeclaration, LegalRepresentative
from intreccio.rights import services
from intreccio.rights.holdings import holdings
from intreccio.rights.models import DataSubjectRequest, RequestKind
from intreccio.rights.tests.conftest import CANARY, MARCO_CF, MARCO_SECRET, World, client_for, totp_code
from intreccio.rights.tests.test_access_report import pdf_text

TODAY = datetime.date.today()


@pytest.fixture
def held(world: World) -> World:
    """Giulia's record filled beyond the case: ISEE of the household, a consent, a representative."""
    net = world.net
    IseeDeclaration.objects.create(
        household=world.household,
        value="7432.10",
        valid_from=TODAY - datetime.timedelta(days=30),
        valid_to=TODAY + datetime.timedelta(days=300),
        dsu_protocol="INPS-ISEE-2025-ABC123",
        recorded_by=net.alice,
    )
    Consent.objects.create(
        person=world.giulia,
        scope=ConsentScope.NETWORK_SHARING,
        given_on=TODAY - datetime.timedelta(days=20),
        given_by="Giulia Ferrari",
        recorded_by=net.alice,
    )
    LegalRepresentative.objects.create(
        person=world.giulia,
        kind="support_administrator",
        full_name="Avv. Paola Neri",
        court="Tribunale di Cremona",
        decree_date=TODAY - datetime.timedelta(days=100),
        date_from=TODAY - datetime.timedelta(days=90),
        recorded_by=net.alice,
    )
    # Marco's own consent: his, never in Giulia's copy.
    Consent.objects.create(
        person=world.marco,
        scope=ConsentScope.CONTACT,
        given_on=TODAY,
        given_by="CONSENSO-DI-MARCO",
        recorded_by=net.alice,
    )
    return world


def _export(world: World, dsr: DataSubjectRequest, file_format: str, client: Client | None = None) -> Any:
    client = client or client_for(world.net.carla)
    return client.post(
        reverse("rights:subject_export", args=[dsr.pk]),
        {"file_format": file_format, "password": TEST_PASSWORD, "code": totp_code(world.net.carla)},
    )


def _all_text(found: Any) -> str:
    return json.dumps(found, ensure_ascii=False)


def test_the_json_copy_holds_the_canary_and_nothing_of_marco(held: World) -> None:
    dsr = held.record(RequestKind.ACCESS)
    response = _export(held, dsr, "json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    text = _all_text(data)
    assert CANARY in text  # the violence note by the case manager
    assert "Nota SerD: segue il programma" in text  # the SerD note, kept within the SerD for operators
    assert "INPS-ISEE-2025-ABC123" in text and "7432.10" in text
    assert "Avv. Paola Neri" in text and "Via Palestro 3" in text
    # Marco: his name as a member of the household, and nothing else of his.
    assert data["other_household_members"] == ["Ferrari Marco"]
    for secret in (MARCO_SECRET, MARCO_CF, "333 999 8877", "CONSENSO-DI-MARCO", str(held.marco_case.number)):
        assert secret not in text, secret
    groups = {group["model"]: group for group in data["groups"]}
    assert {"people.person", "people.household", "people.householdmember"} <= set(groups)
    assert {"people.iseedeclaration", "cases.case", "cases.casenote", "access.intake", "people.consent"} <= set(groups)
    # Technical fields never: ids, timestamps, who recorded what.
    person_fields = {field["name"] for field in groups["people.person"]["fields"]}
    assert {"first_name", "last_name", "birth_date"} <= person_fields
    assert not person_fields & {"id", "created_at", "updated_at", "created_by", "search_last_name", "version"}
    # Each group says the category and legal basis of its data.
    notes = groups["cases.casenote"]
    violence = next(b for b in notes["legal_basis"] if b["category"] == Category.VIOLENCE)
    assert violence["special"].startswith("Art. 9")  # art. 9(2)(g), in the language of the interface
    isee = groups["people.iseedeclaration"]
    assert [b["category"] for b in isee["legal_basis"]] == [Category.ECONOMIC]
    with translation.override("it"):  # the export speaks the interface's language, Italian by default
        assert isee["legal_basis"][0]["art6"] == str(LEGAL_BASIS[Category.ECONOMIC].art6)


def test_the_pdf_copy_is_readable_and_leaves_marco_out(held: World) -> None:
    dsr = held.record(RequestKind.ACCESS)
    response = _export(held, dsr, "pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    assert "I dati personali che la rete dei servizi conserva su di lei" in text
    assert " ".join(CANARY.split()) in text
    assert "Ferrari Marco" in text  # named as a household member
    assert MARCO_SECRET not in text and MARCO_CF not in text and "CONSENSO-DI-MARCO" not in text
    assert "7.432,10" in text  # Italian amounts


def test_every_export_is_recorded_with_its_fields_and_rows(held: World) -> None:
    dsr = held.record(RequestKind.ACCESS)
    before = AccessEvent.objects.count()
    _export(held, dsr, "json")
    read = AccessEvent.objects.filter(section="subject_access").get()
    assert (read.object_type, read.object_id, read.purpose) == (
        "people.person",
        str(held.giulia.pk),
        "subject access request",
    )
    assert read.actor == held.net.carla
    assert AccessEvent.objects.count() == before + 2  # the confirmation page's read of the request, and the export
    event = DomainEvent.objects.get(action=services.EXPORTED, target_id=str(dsr.pk))
    expected = holdings(held.giulia)
    assert event.payload["rows"] == expected.row_count > 10
    assert event.payload["fields"] == expected.field_list
    assert "cases.casenote.text" in event.payload["fields"]
    assert event.payload["format"] == "json"
    assert CANARY not in json.dumps(event.payload)
    assert services.document_produced(dsr, services.EXPORTED)


def test_a_wrong_password_or_code_gives_no_file_and_no_export(held: World) -> None:
    dsr = held.record(RequestKind.ACCESS)
    client = client_for(held.net.carla)
    url = reverse("rights:subject_export", args=[dsr.pk])
    for data in (
        {"file_format": "json", "password": "wrong-password-123", "code": totp_code(held.net.carla)},
        {"file_format": "json", "password": TEST_PASSWORD, "code": "000000"},
        {"file_format": "json", "password": TEST_PASSWORD},
    ):
        response = client.post(url, data)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert CANARY not in response.content.decode()
        assert "The password or the authenticator code is not correct" in response.content.decode()
    assert not DomainEvent.objects.filter(action=services.EXPORTED).exists()
    assert not AccessEvent.objects.filter(section="subject_access").exists()
    assert DomainEvent.objects.filter(action=FAILED_ACTION).count() == 3


@pytest.mark.parametrize("who", ["alice", "bob", "olga"])
def test_only_the_coordination_group_exports(held: World, who: str) -> None:
    dsr = held.record(RequestKind.ACCESS)
    operator = getattr(held.net, who)
    client = client_for(operator)
    url = reverse("rights:subject_export", args=[dsr.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {"file_format": "json", "password": TEST_PASSWORD, "code": totp_code(operator)})
    assert response.status_code == 404
    assert not DomainEvent.objects.filter(action=services.EXPORTED).exists()


def test_no_export_for_an_access_report_request(held: World) -> None:
    dsr = held.record(RequestKind.ACCESS_REPORT)
    assert client_for(held.net.carla).get(reverse("rights:subject_export", args=[dsr.pk])).status_code == 404


def test_the_walk_stops_at_other_people_and_at_operators(held: World) -> None:
    found = holdings(held.giulia)
    models = {group.model for group in found.groups}
    assert "accounts.operator" not in models and "accounts.membership" not in models
    assert "audit.accessevent" not in models
    case_numbers = [
        value.text
        for group in found.groups
        if group.model == "cases.case"
        for row in group.rows
        for value in row.values
        if value.name == "number"
    ]
    assert case_numbers == [held.case.number]
    assert found.other_members == ["Ferrari Marco"]
