"""The oversight pages and downloads: only the auditor reads them, every view and download is
recorded (downloads with their columns or fields and row count), CSV cells cannot run as formulas,
the PDF is Italian by default; the administrator designates the controller."""

from __future__ import annotations

import csv
import datetime
import io
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.tests.factories import operator_with_role
from intreccio.audit.models import AccessEvent, DomainEvent
from intreccio.core.navigation import links_for
from intreccio.oversight import exports
from intreccio.oversight.models import ControllerDesignation
from intreccio.oversight.register import build_register, dpia_rows
from intreccio.oversight.services import controller_designate
from intreccio.oversight.tests.conftest import World, client_for, local, read, request_as


def _pdf_text(content: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.pdf"
        path.write_bytes(content)
        # A fixed argument list with a path we made: no shell, no outside input.
        return subprocess.run(  # noqa: S603
            ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout


def _csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _last_access() -> AccessEvent:
    return AccessEvent.objects.order_by("-seq").first()  # type: ignore[return-value]


def _designate(world: World) -> None:
    controller_designate(
        actor=world.ada,
        ambito=world.cremonese,
        lead_organisation=world.cremona,
        dpo_name="Ufficio del Responsabile della protezione dei dati",
        dpo_email="rpd@comune.cremona.example",
    )


class TestRegister:
    def test_the_auditor_reads_it_and_the_read_is_recorded(self, world: World) -> None:
        _designate(world)
        response = client_for(world.ugo).get(reverse("oversight:register"))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Comune di Cremona" in html and "rpd@comune.cremona.example" in html
        assert "Reason for no codice fiscale" in html  # a violence-category field, by its label
        event = _last_access()
        assert (event.actor_username, event.object_type, event.object_id) == (
            "ugo",
            "oversight.register",
            str(world.cremonese.pk),
        )

    def test_without_a_controller_the_page_says_who_must_name_it(self, world: World) -> None:
        html = client_for(world.ugo).get(reverse("oversight:register")).content.decode()
        assert "No controller is designated for Ambito Cremonese yet" in html

    def test_others_get_404_and_leave_no_record(self, world: World) -> None:
        for operator in (world.alice, world.ada):
            for name in ("register", "register_pdf", "register_csv", "dpia", "dpia_csv", "review"):
                assert client_for(operator).get(reverse(f"oversight:{name}")).status_code == 404, name
        assert not AccessEvent.objects.exists()

    def test_csv_has_one_row_per_personal_field_and_its_record_says_so(self, world: World) -> None:
        response = client_for(world.ugo).get(reverse("oversight:register_csv"))
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        rows = _csv(response.content)
        header, body = rows[0], rows[1:]
        assert header[:2] == ["Processing activity", "Category of data"]
        register = build_register(world.cremonese)
        personal = [e for a in register.activities for b in a.categories for g in b.models for e in g.fields]
        assert sorted(r[4] for r in body) == sorted(e.code for e in personal)
        purpose = _last_access().purpose
        assert purpose == f"export: {','.join(exports.REGISTER_COLUMNS)}; {len(body)} rows"

    def test_pdf_is_italian_by_default_and_recorded(self, world: World) -> None:
        _designate(world)
        html, _register = exports.render_register_html(world.cremonese)
        assert '<html lang="it">' in html
        response = client_for(world.ugo).get(reverse("oversight:register_pdf"))
        assert response["Content-Type"] == "application/pdf"
        text = _pdf_text(response.content)
        assert "Comune di Cremona" in text and "Ambito Cremonese" in text
        fields = sum(1 for _e in build_register(world.cremonese).entries())
        assert _last_access().purpose.startswith("export pdf (it): register of processing")
        assert _last_access().purpose.endswith(f"; {fields} fields")

    def test_pdf_in_english_on_request(self, world: World) -> None:
        response = client_for(world.ugo).get(reverse("oversight:register_pdf") + "?lang=en")
        assert "Register of processing activities" in _pdf_text(response.content)
        assert _last_access().purpose.startswith("export pdf (en)")

    def test_the_navigation_shows_the_auditor_its_pages(self, world: World) -> None:
        auditor = {link.url for link in links_for(_as_page_request(world.ugo))}
        assert {reverse("oversight:register"), reverse("oversight:dpia"), reverse("oversight:review")} <= auditor
        assert reverse("oversight:controller") not in auditor
        admin = {link.url for link in links_for(_as_page_request(world.ada))}
        assert reverse("oversight:controller") in admin and reverse("oversight:register") not in admin


def _as_page_request(operator: Operator) -> HttpRequest:
    request = request_as(operator)
    request.path = "/"
    return request


class TestCsvInjection:
    @pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
    def test_a_cell_that_would_run_as_a_formula_gets_an_apostrophe(self, start: str) -> None:
        value = f'{start}HYPERLINK("http://evil")'
        assert exports.safe_cell(value) == "'" + value
        rows = list(csv.reader(io.StringIO(exports.csv_text(["h"], [[value]])[1:]), delimiter=";"))
        assert rows[1] == ["'" + value]

    def test_ordinary_cells_are_untouched(self) -> None:
        assert exports.safe_cell("Comune di Cremona") == "Comune di Cremona"
        assert exports.safe_cell(None) == ""
        assert exports.safe_cell(12) == "12"


class TestDpia:
    def test_page_and_csv_are_recorded(self, world: World) -> None:
        client = client_for(world.ugo)
        html = client.get(reverse("oversight:dpia")).content.decode()
        assert "Gender-based violence" in html and "never" in html
        assert _last_access().object_type == "oversight.dpia"
        rows = _csv(client.get(reverse("oversight:dpia_csv")).content)
        assert len(rows) - 1 == len(dpia_rows())
        note = next(r for r in rows if r[3] == "cases.CaseNote.text")
        assert "never by break-the-glass" in note[8]
        assert _last_access().purpose == f"export: {','.join(exports.DPIA_COLUMNS)}; {len(rows) - 1} rows"


class TestReviewPage:
    def test_default_period_is_the_last_30_days_and_alerts_are_shown(self, world: World) -> None:
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        read(world.bruno, local(yesterday, 10), object_type="cases.case", object_id=str(world.case_cremona.pk))
        read(world.alice, local(yesterday, 22, 15))
        read(world.alice, local(yesterday - datetime.timedelta(days=31), 23))  # before the period
        response = client_for(world.ugo).get(reverse("oversight:review"))
        html = response.content.decode()
        first = timezone.localdate() - datetime.timedelta(days=29)
        assert f'value="{first:%d/%m/%Y}"' in html and f'value="{timezone.localdate():%d/%m/%Y}"' in html
        assert "CRE-2025-1" in html and "Comune di Crema" in html
        assert "22:15" in html
        assert html.count("See the reads") == 2
        event = _last_access()
        assert event.object_type == "oversight.review"
        assert event.purpose == f"audit review {first:%Y-%m-%d}/{timezone.localdate():%Y-%m-%d}"

    def test_a_chosen_period_in_day_first_dates(self, world: World) -> None:
        read(world.alice, local(datetime.date(2025, 6, 8), 11))  # a Sunday
        client = client_for(world.ugo)
        html = client.get(reverse("oversight:review"), {"date_from": "01/06/2025", "date_to": "30/06/2025"})
        assert "Sunday 08/06/2025" in html.content.decode()
        html = client.get(reverse("oversight:review"), {"date_from": "01/07/2025", "date_to": "31/07/2025"})
        assert "08/06/2025" not in html.content.decode()

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ({"date_from": "31/02/2025"}, "does not exist"),
            ({"date_from": "01/07/2025", "date_to": "01/06/2025"}, "The end date is before the start date."),
            ({"date_from": "01/01/2024", "date_to": "31/01/2025"}, "at most one year"),
        ],
    )
    def test_a_wrong_period_is_explained_and_nothing_is_read(self, world: World, query, message) -> None:
        response = client_for(world.ugo).get(reverse("oversight:review"), query)
        html = response.content.decode()
        assert response.status_code == 200 and message in html
        assert "Correct the period" in html
        assert not AccessEvent.objects.filter(object_type="oversight.review").exists()


class TestController:
    def test_the_administrator_designates_the_lead_organisation(self, world: World) -> None:
        client = client_for(world.ada)
        assert client.get(reverse("oversight:controller")).status_code == 200
        response = client.post(
            reverse("oversight:controller"),
            {"lead_organisation": world.cremona.pk, "dpo_name": "RPD", "dpo_email": "rpd@example.org"},
        )
        assert response.status_code == 302
        designation = ControllerDesignation.objects.get(ambito=world.cremonese)
        assert designation.lead_organisation == world.cremona and designation.dpo_email == "rpd@example.org"
        event = DomainEvent.objects.get(action="oversight.controller.designated")
        assert event.payload == {"ambito": world.cremonese.pk, "lead_organisation": world.cremona.pk, "created": True}

    def test_an_organisation_of_another_ambito_is_refused(self, world: World) -> None:
        response = client_for(world.ada).post(
            reverse("oversight:controller"), {"lead_organisation": world.crema.pk, "dpo_name": "", "dpo_email": ""}
        )
        assert response.status_code == 200 and "Nothing was saved" in response.content.decode()
        assert not ControllerDesignation.objects.exists()
        with pytest.raises(Exception, match="Choose an organisation of this ambito"):
            controller_designate(
                actor=world.ada, ambito=world.cremonese, lead_organisation=world.crema, dpo_name="", dpo_email=""
            )
        assert not ControllerDesignation.objects.exists()

    def test_a_second_designation_replaces_the_first(self, world: World) -> None:
        _designate(world)
        agency = world.cremona.__class__.objects.create(
            name="Azienda Sociale", ambito=world.cremonese, kind="social_agency"
        )
        controller_designate(
            actor=world.ada, ambito=world.cremonese, lead_organisation=agency, dpo_name="", dpo_email=""
        )
        assert ControllerDesignation.objects.get().lead_organisation == agency

    def test_only_the_administrator(self, world: World) -> None:
        other = operator_with_role(Role.COORDINATOR, structure=world.social, username="carla")
        for operator in (world.ugo, world.alice, other):
            assert client_for(operator).get(reverse("oversight:controller")).status_code == 404
