"""Beneficiary-list import pages: who gets in, the per-row report, confirming, the CSV of problems.

Alice works at the segretariato of the Comune di Cremona; Dora chairs the coordination group
(from the Azienda sociale); Bob is a social worker; Eva a coordinator outside any group.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from codicefiscale import codicefiscale
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from intreccio.access.importer import MAX_UPLOAD_BYTES
from intreccio.access.models import Intake
from intreccio.accounts.models import Operator, Role, Structure, TeamKind
from intreccio.accounts.tests.factories import (
    AmbitoFactory,
    OrganisationFactory,
    StructureFactory,
    TeamFactory,
    TeamMemberFactory,
    operator_with_role,
)
from intreccio.audit.models import AccessEvent
from intreccio.people.models import Person
from intreccio.people.tests.factories import PersonFactory
from intreccio.territory.tests.factories import ComuneFactory

HEADER = "codice_fiscale;cognome;nome;data_nascita;comune;misura;protocollo;componenti"
ANNA = codicefiscale.encode(lastname="Bianchi", firstname="Anna", gender="F", birthdate="12/03/1970", birthplace="D150")
GOOD = f"{HEADER}\r\n{ANNA};Bianchi;Anna;12/03/1970;Cremona;ADI;INPS-ADI-1;3\r\n".encode()
D = datetime.date
BAD = f'{HEADER}\r\n=HYPERLINK("http://evil");Bianchi;Anna;12/03/1970;Cremona;ADI;P1;3\r\n'.encode()


@pytest.fixture(autouse=True)
def import_dir(tmp_path: Path) -> Iterator[None]:
    with override_settings(INTRECCIO_IMPORT_DIR=str(tmp_path)):
        yield


@pytest.fixture
def desk(db: None) -> Structure:
    ambito = AmbitoFactory.create(code="CR")
    ComuneFactory.create(istat_code="019036", belfiore_code="D150", name="Cremona", ambito=ambito)
    return StructureFactory.create(organisation=OrganisationFactory.create(name="Comune di Cremona", ambito=ambito))


@pytest.fixture
def alice(desk: Structure) -> Operator:
    return operator_with_role(Role.SEGRETARIATO, structure=desk, username="alice")


@pytest.fixture
def dora(desk: Structure) -> Operator:
    ambito = desk.organisation.ambito
    agency = StructureFactory.create(organisation=OrganisationFactory.create(name="Azienda sociale", ambito=ambito))
    dora = operator_with_role(Role.COORDINATOR, structure=agency, username="dora")
    group = TeamFactory.create(ambito=ambito, kind=TeamKind.COORDINATION_GROUP, name="Coordinamento")
    TeamMemberFactory.create(team=group, operator=dora)
    return dora


def _client(operator: Operator) -> Client:
    client = Client()
    client.force_login(operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _upload(client: Client, content: bytes, name: str = "elenco.csv") -> str:
    response = client.post(reverse("access:import_upload"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"])


def test_upload_review_confirm(alice: Operator) -> None:
    client = _client(alice)
    assert client.get(reverse("access:import_upload")).status_code == 200
    review = _upload(client, GOOD)
    html = client.get(review).content.decode()
    assert "The file is right" in html and "Confirm the import" in html
    assert not Person.objects.exists()
    token = review.rstrip("/").split("/")[-1]
    response = client.post(reverse("access:import_confirm", args=[token]))
    assert response.status_code == 302
    intake = Intake.objects.get()
    html = client.get(review).content.decode()
    assert "1 intake created" in html
    assert reverse("access:pre_assessment", args=[intake.pk]) in html
    # Confirming again does nothing more.
    client.post(reverse("access:import_confirm", args=[token]))
    assert Intake.objects.count() == 1


def test_problems_are_listed_by_row_and_exported_without_formulas(alice: Operator) -> None:
    client = _client(alice)
    review = _upload(client, BAD, name="=cmd|' /C calc'!A0.csv")
    html = client.get(review).content.decode()
    assert "nothing will be imported" in html and "Confirm the import" not in html
    assert "&#x27;=HYPERLINK" in html  # shown neutralised, with its leading apostrophe
    token = review.rstrip("/").split("/")[-1]
    response = client.get(reverse("access:import_report", args=[token]))
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    for line in body.splitlines()[1:]:
        for cell in line.split(";"):
            assert not cell.strip('"').startswith(("=", "+", "-", "@")), cell
    assert "'=HYPERLINK" in body
    # The download is an export of codici fiscali: logged with its columns and row count.
    logged = AccessEvent.objects.get(actor=alice, object_type="access.import_report", purpose__startswith="export:")
    assert logged.object_id == token
    assert logged.purpose == f"export: row,column,fiscal_code,problem; {len(body.splitlines()) - 1} rows"
    assert client.post(reverse("access:import_confirm", args=[token])).status_code == 302
    assert not Person.objects.exists()


def test_file_errors_and_size_cap(alice: Operator) -> None:
    client = _client(alice)
    html = client.get(_upload(client, b"PK\x03\x04rest-of-a-zip")).content.decode()
    assert "This is not a CSV file" in html
    too_big = SimpleUploadedFile("big.csv", b"x" * (MAX_UPLOAD_BYTES + 1))
    response = client.post(reverse("access:import_upload"), {"file": too_big})
    assert response.status_code == 200 and "at most 5 MB" in response.content.decode()
    empty = client.post(reverse("access:import_upload"), {"file": SimpleUploadedFile("empty.csv", b"")})
    assert empty.status_code == 200 and "empty" in empty.content.decode()


def test_report_does_not_show_persons_the_operator_may_not_see(alice: Operator) -> None:
    other = OrganisationFactory.create(name="Altro ente")
    PersonFactory.create(first_name="Annamaria", last_name="Bianchi", birth_date=D(1970, 3, 12), registered_by=other)
    client = _client(alice)
    html = client.get(_upload(client, GOOD)).content.decode()
    assert "Probably already registered" in html
    assert "Annamaria" not in html and "Altro ente" not in html


def test_permissions(alice: Operator, dora: Operator, desk: Structure) -> None:
    upload = reverse("access:import_upload")
    bob = operator_with_role(Role.SOCIAL_WORKER, structure=desk, username="bob")
    eva = operator_with_role(Role.COORDINATOR, structure=desk, username="eva")
    cpi = operator_with_role(Role.CPI_OPERATOR, structure=desk, username="cpi")
    assert _client(dora).get(upload).status_code == 200
    for operator in (bob, eva, cpi):
        assert _client(operator).get(upload).status_code == 404
        assert _client(operator).post(upload, {"file": SimpleUploadedFile("a.csv", GOOD)}).status_code == 404
    review = _upload(_client(alice), GOOD)
    token = review.rstrip("/").split("/")[-1]
    # Dora may import, but not read or confirm Alice's upload.
    assert _client(dora).get(review).status_code == 404
    assert _client(dora).get(reverse("access:import_report", args=[token])).status_code == 404
    assert _client(dora).post(reverse("access:import_confirm", args=[token])).status_code == 404
    assert _client(alice).get(reverse("access:import_review", args=["..%2F..%2Fetc"])).status_code == 404
    assert _client(alice).get(reverse("access:import_review", args=["nope.json"])).status_code == 404
    assert not Intake.objects.exists()
