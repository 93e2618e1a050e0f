"""R12 canary: a sensitive value saved through the pages never shows in a database dump, the logs or
an error page, while the operator allowed to read it sees it in clear.

Unique canary values go in through the real pages and services: a note in the violence section of
a case (the case manager's note form), the residence and domicile address and the phone of the
person (the person form), and the intake's description, source detail and notes (the intake
service). Then:

(a) a full dump of the database (SQLite ``iterdump``; PostgreSQL ``pg_dump`` against the test
    database) holds none of them, while it does hold the rows (positive control: an unencrypted
    marker saved with them, and the sealed note, are in it);
(b) the logs captured at DEBUG for ``django`` and ``intreccio`` during the requests, with SQL
    logging on, hold none of them (positive control: the INSERT of the note is logged);
(c) the 404 of an operator outside the case and the 500 of a request that failed after the note
    was decrypted (GET) or saved (POST) show none of them; a DEBUG error page would, as a control.
"""

from __future__ import annotations

import glob
import logging
import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from intreccio.access.services import intake_create
from intreccio.audit.models import AccessEvent
from intreccio.cases import permissions
from intreccio.cases.models import Case, CaseNote, Section
from intreccio.cases.tests.conftest import Net
from intreccio.cases.tests.conftest import net as net  # the fixture, used by name
from intreccio.cases.tests.pages import client_for, open_case
from intreccio.core import crypto
from intreccio.core.tests.test_crypto import stored
from intreccio.people.models import Person


@dataclass
class Canaries:
    note: str
    residence: str
    domicile: str
    phone: str
    description: str
    source_detail: str
    intake_notes: str
    marker: str  # saved in clear next to them (the e-mail address): proves the dump has the rows
    root: str  # in every canary but the phone, and not in the marker: found even in a wrapped value

    @property
    def secrets(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if k != "marker"}


def _canaries() -> Canaries:
    root = "cnry" + secrets.token_hex(6)
    digits = f"{secrets.randbelow(10**9):09d}"
    return Canaries(
        note=f"{root}-NOTE maltrattamenti dal compagno, denuncia in preparazione",
        residence=f"Via {root} 12",
        domicile=f"Casa rifugio {root}",
        phone=f"+39 3{digits[:2]} {digits[2:5]} {digits[5:]}",
        description=f"donna sui 40 anni {root}-DESC",
        source_detail=f"Centro antiviolenza {root}-SRC",
        intake_notes=f"{root}-INTAKE chiede un posto protetto",
        marker="mrk" + secrets.token_hex(6),
        root=root,
    )


@pytest.fixture
def sql_logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture django and intreccio logs at DEBUG, with every SQL statement and its parameters."""
    caplog.set_level(logging.DEBUG, logger="django")
    caplog.set_level(logging.DEBUG, logger="intreccio")
    connection.force_debug_cursor = True
    try:
        yield caplog
    finally:
        connection.force_debug_cursor = False


def _save_through_the_pages(net: Net, case: Case, canaries: Canaries) -> Client:
    alice = client_for(net.alice)
    response = alice.post(
        reverse("cases:note_add", args=[case.pk]), {"section": Section.VIOLENCE, "text": canaries.note}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(pk=net.person.pk)
    response = alice.post(
        reverse("people:person_update", args=[person.pk]),
        {
            "version": person.version,
            "last_name": person.last_name,
            "first_name": person.first_name,
            "no_fiscal_code_reason": person.no_fiscal_code_reason,
            "residence_address": canaries.residence,
            "domicile_address": canaries.domicile,
            "phone": canaries.phone,
            "email": f"{canaries.marker}@example.org",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    request = net.request(net.alice)
    intake_create(
        actor=net.alice,
        membership=request.membership,  # type: ignore[attr-defined]
        values={
            "received_on": net.intake.received_on,
            "channel": "phone",
            "source": "other_service",
            "source_detail": canaries.source_detail,
            "prevalent_need": "violence",
            "notes": canaries.intake_notes,
            "unidentified_description": canaries.description,
        },
        request=request,
    )
    return alice


def _pg_dump() -> str:
    found = shutil.which("pg_dump") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), reverse=True)), None
    )
    if found is None:
        pytest.fail("pg_dump not found: the PostgreSQL client tools are needed to prove R12 on PostgreSQL")
    params = connection.settings_dict
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    command = [found, "--no-owner", "--no-privileges", "--dbname", str(params["NAME"])]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if params.get(key):
            command += [option, str(params[key])]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr
    return result.stdout


def _database_dump() -> str:
    if connection.vendor == "postgresql":
        return _pg_dump()
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return "\n".join(raw.iterdump())


@pytest.mark.django_db(transaction=True)
def test_canaries_are_absent_from_a_database_dump_and_the_logs(net: Net, sql_logged: pytest.LogCaptureFixture) -> None:
    canaries = _canaries()
    case = open_case(net)
    alice = _save_through_the_pages(net, case, canaries)

    # The reader allowed to see them sees them in clear.
    page = alice.get(reverse("cases:case_detail", args=[case.pk]), {"section": Section.VIOLENCE}).content.decode()
    assert canaries.note in page
    page = alice.get(reverse("people:person_detail", args=[net.person.pk])).content.decode()
    assert canaries.residence in page and canaries.domicile in page and canaries.phone in page

    dump = _database_dump()
    note = CaseNote.objects.get(case=case, section=Section.VIOLENCE)
    sealed = stored(CaseNote, note.pk, "text")
    # Positive controls: the dump has the rows (the clear marker, the sealed note itself).
    assert canaries.marker in dump
    assert sealed in dump and crypto.decrypt(sealed, context="cases.casenote.text") == canaries.note
    for name, value in canaries.secrets.items():
        assert value not in dump, f"the {name} canary is in the database dump"

    logged = sql_logged.text
    # Positive control: the SQL that wrote the note was logged, with its parameters.
    assert 'INSERT INTO "cases_casenote"' in logged and "enc1:" in logged
    for name, value in canaries.secrets.items():
        assert value not in logged, f"the {name} canary is in the logs"


# --- error pages ------------------------------------------------------------------------------------


def _fault_on_call(number: int) -> Callable[..., Any]:
    """Fail the ``number``-th permission check of the case page: the request dies after the notes were read."""
    real = permissions.can_manage
    calls = {"n": 0}

    def can_manage(*args: Any, **kwargs: Any) -> bool:
        calls["n"] += 1
        if calls["n"] == number:
            raise RuntimeError("injected fault after the notes were read")
        return real(*args, **kwargs)

    return can_manage


@pytest.fixture
def violence_case(net: Net) -> tuple[Case, Canaries]:
    canaries = _canaries()
    case = open_case(net)
    _save_through_the_pages(net, case, canaries)
    return case, canaries


@pytest.mark.django_db
def test_404_pages_do_not_show_the_canaries(net: Net, violence_case: tuple[Case, Canaries]) -> None:
    case, canaries = violence_case
    section = reverse("cases:case_section", args=[case.pk, Section.VIOLENCE])
    for who, url in (
        (net.bob, section),  # on the team, but the CPI operator has no violence section
        (net.olga, section),  # another ambito
        (net.olga, reverse("people:person_detail", args=[net.person.pk])),
        (net.bob, reverse("cases:case_detail", args=[case.pk]) + "?section=violence"),
    ):
        response = client_for(who).get(url)
        body = response.content.decode()
        assert response.status_code in {404, 200}, url
        for name, value in canaries.secrets.items():
            assert value not in body, f"{who.username} read the {name} canary at {url}"
    assert client_for(net.bob).get(section).status_code == 404


@pytest.mark.django_db
def test_500_pages_and_their_logs_do_not_show_the_canaries(
    net: Net,
    violence_case: tuple[Case, Canaries],
    sql_logged: pytest.LogCaptureFixture,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.DEBUG = False
    case, canaries = violence_case
    alice = client_for(net.alice)
    alice.raise_request_exception = False

    # GET: the section's notes are read and decrypted (the access record says so), then the page fails.
    monkeypatch.setattr(permissions, "can_manage", _fault_on_call(1))
    before = AccessEvent.objects.filter(section=Section.VIOLENCE).count()
    response = alice.get(reverse("cases:case_section", args=[case.pk, Section.VIOLENCE]))
    assert response.status_code == 500
    assert AccessEvent.objects.filter(section=Section.VIOLENCE).count() == before + 1
    body = response.content.decode()
    assert 'class="error-code"' in body  # the standalone 500 page

    # POST: a new note is saved, then the page that follows fails; the note is kept.
    second = f"{canaries.note} seconda"
    monkeypatch.setattr(permissions, "can_manage", _fault_on_call(2))
    failed = alice.post(
        reverse("cases:note_add", args=[case.pk]),
        {"section": Section.VIOLENCE, "text": second},
        HTTP_HX_REQUEST="true",
    )
    assert failed.status_code == 500
    assert second in [n.text for n in CaseNote.objects.filter(case=case, section=Section.VIOLENCE)]

    logged = sql_logged.text
    assert "injected fault after the notes were read" in logged  # the failures were logged
    for name, value in {**canaries.secrets, "second note": second}.items():
        assert value not in body and value not in failed.content.decode(), f"the {name} canary is on a 500 page"
        assert value not in logged, f"the {name} canary is in the logs of the failed requests"


@pytest.mark.django_db
def test_control_a_debug_error_page_would_show_the_note(
    net: Net,
    violence_case: tuple[Case, Canaries],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The 500 check looks where a leak would be: Django's DEBUG page lists the POST data."""
    settings.DEBUG = True
    case, canaries = violence_case
    alice = client_for(net.alice)
    alice.raise_request_exception = False
    monkeypatch.setattr(permissions, "can_manage", _fault_on_call(2))
    response = alice.post(
        reverse("cases:note_add", args=[case.pk]),
        {"section": Section.VIOLENCE, "text": canaries.note + " terza"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 500
    # (pprint may wrap the value: its unique first word is enough.)
    assert canaries.root in response.content.decode()
