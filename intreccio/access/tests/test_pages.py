"""The front-door pages as the segretariato operator, the coordination group and outsiders use them."""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intreccio.access import services
from intreccio.access.models import Intake, IntakeStatus, PreAssessment, PreAssessmentForm
from intreccio.access.tests.conftest import RECEIVED, V1_ANSWERS, client_for, make_intake
from intreccio.accounts.models import Operator, Structure, Team
from intreccio.audit.models import DomainEvent
from intreccio.people.models import Person
from intreccio.people.tests.factories import PersonFactory

CREATE = "access:intake_create"
INTAKE_POST: dict[str, Any] = {
    "received_on": "10/03/2025",
    "channel": "in_person",
    "source": "self",
    "source_detail": "",
    "prevalent_need": "housing",
    "urgency": "ordinary",
    "notes": "",
    "save": "1",
}


def _state() -> tuple[int, int, int]:
    return Intake.objects.count(), Person.objects.count(), DomainEvent.objects.count()


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the list ----------------------------------------------------------------------------------


def test_list_with_counts_per_status(alice: Operator, front_desk: Structure, group: Team, maria: Person) -> None:
    make_intake(front_desk, alice, person=maria)
    make_intake(front_desk, alice, person=maria)
    make_intake(front_desk, alice, status=IntakeStatus.FORWARDED, forwarded_to=group)
    make_intake(front_desk, alice, status=IntakeStatus.CLOSED_INFORMATION, outcome_on=RECEIVED, outcome_note="x")
    response = client_for(alice).get(reverse("access:intake_list"))
    assert response.status_code == 200
    tabs = {tab["value"]: tab["count"] for tab in response.context["tabs"]}
    assert tabs == {"": 4, "open": 2, "closed_information": 1, "forwarded": 1, "urgent": 0}
    response = client_for(alice).get(reverse("access:intake_list"), {"status": "open"})
    assert len(response.context["page"].object_list) == 2
    assert next(t for t in response.context["tabs"] if t["value"] == "open")["active"]


def test_list_filters(alice: Operator, front_desk: Structure, maria: Person) -> None:
    make_intake(front_desk, alice, person=maria, received_on=datetime.date(2025, 1, 5), channel="phone")
    make_intake(front_desk, alice, person=maria, received_on=datetime.date(2025, 2, 5), prevalent_need="work")
    make_intake(
        front_desk, alice, person=maria, received_on=datetime.date(2025, 3, 5), urgency="urgent", source="school"
    )
    client = client_for(alice)

    def count(**params: str) -> int:
        response = client.get(reverse("access:intake_list"), params)
        assert response.status_code == 200
        return len(response.context["page"].object_list)

    assert count(channel="phone") == 1
    assert count(prevalent_need="work") == 1
    assert count(urgency="urgent") == 1
    assert count(source="school") == 1
    assert count(received_from="01/02/2025", received_to="28/02/2025") == 1
    assert count(received_from="01/02/2025") == 2
    assert count(structure=str(front_desk.pk)) == 3


def test_list_filter_refuses_impossible_dates(alice: Operator) -> None:
    response = client_for(alice).get(reverse("access:intake_list"), {"received_from": "31/04/2025"})
    assert response.status_code == 200
    assert "31/04/2025 does not exist: April has 30 days." in _text(response)
    response = client_for(alice).get(
        reverse("access:intake_list"), {"received_from": "10/03/2025", "received_to": "01/03/2025"}
    )
    assert "The end of the range is before its start." in _text(response)


def _queries(client: Client, url: str) -> int:
    client.get(url)  # the first request of a session also writes the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_is_flat(alice: Operator, front_desk: Structure, maria: Person) -> None:
    client = client_for(alice)
    url = reverse("access:intake_list")
    for _ in range(3):
        make_intake(front_desk, alice, person=maria)
    few = _queries(client, url)
    for _ in range(27):
        make_intake(front_desk, alice, unidentified_description="persona senza dimora")
    assert _queries(client, url) == few


def test_queue_query_count_is_flat(alice: Operator, dora: Operator, front_desk: Structure, group: Team) -> None:
    client = client_for(dora)
    url = reverse("access:coordination_queue")
    for _ in range(3):
        make_intake(front_desk, alice, person=PersonFactory.create(), status=IntakeStatus.FORWARDED, forwarded_to=group)
    few = _queries(client, url)
    for _ in range(27):
        make_intake(front_desk, alice, person=PersonFactory.create(), status=IntakeStatus.FORWARDED, forwarded_to=group)
    assert _queries(client, url) == few


def test_list_is_paginated(alice: Operator, front_desk: Structure) -> None:
    for _ in range(30):
        make_intake(front_desk, alice)
    response = client_for(alice).get(reverse("access:intake_list"), {"page": "2"})
    assert len(response.context["page"].object_list) == 5


# --- the queue ---------------------------------------------------------------------------------


def test_queue_urgent_first_with_waiting_days(
    alice: Operator, dora: Operator, front_desk: Structure, group: Team
) -> None:
    today = timezone.localdate()
    old = make_intake(
        front_desk, alice, status=IntakeStatus.FORWARDED, forwarded_to=group, outcome_on=today - datetime.timedelta(20)
    )
    recent = make_intake(
        front_desk, alice, status=IntakeStatus.FORWARDED, forwarded_to=group, outcome_on=today - datetime.timedelta(2)
    )
    urgent = make_intake(
        front_desk,
        alice,
        status=IntakeStatus.URGENT,
        forwarded_to=group,
        urgency="urgent",
        outcome_note="x",
        outcome_on=today,
    )
    make_intake(front_desk, alice)  # still open: not the group's business
    response = client_for(dora).get(reverse("access:coordination_queue"))
    rows = response.context["rows"]
    assert [r["intake"] for r in rows] == [urgent, old, recent]
    assert [r["waiting"] for r in rows] == [0, 20, 2]


def test_queue_is_for_group_members_only(alice: Operator, bob: Operator) -> None:
    for operator in (alice, bob):
        assert client_for(operator).get(reverse("access:coordination_queue")).status_code == 404


# --- the intake form --------------------------------------------------------------------------


def test_form_renders_for_a_tablet(alice: Operator) -> None:
    response = client_for(alice).get(reverse(CREATE))
    assert response.status_code == 200
    html = _text(response)
    assert 'hx-get="/accessi/nuovo/cerca-persona/"' in html
    assert 'value="{}"'.format(timezone.localdate().strftime("%d/%m/%Y")) in html


def test_search_fragment_marks_what_may_be_seen(alice: Operator, maria: Person, ambito: object) -> None:
    from intreccio.accounts.tests.factories import OrganisationFactory

    elsewhere = OrganisationFactory.create(name="Consultorio di Crema", ambito=ambito)
    PersonFactory.create(first_name="Mario", last_name="Rossetti", registered_by=elsewhere)
    response = client_for(alice).get(reverse("access:person_search"), {"q": "ross"}, HTTP_HX_REQUEST="true")
    html = _text(response)
    assert f'value="{maria.pk}"' in html and "Rossi Maria" in html
    assert "Rossetti" not in html
    assert "contact Consultorio di Crema" in html
    assert "<html" not in html


def test_create_for_a_found_person(alice: Operator, maria: Person) -> None:
    response = client_for(alice).post(reverse(CREATE), {**INTAKE_POST, "who": str(maria.pk)})
    intake = Intake.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("access:intake_detail", args=[intake.pk])
    assert intake.person == maria and intake.prevalent_need == "housing"


def test_create_refuses_a_person_the_operator_may_not_see(carol: Operator, maria: Person) -> None:
    before = _state()
    response = client_for(carol).post(reverse(CREATE), {**INTAKE_POST, "who": str(maria.pk)})
    assert response.status_code == 200
    assert "Choose the person again from the search results." in _text(response)
    assert _state() == before


def test_create_with_a_new_person(alice: Operator) -> None:
    data = {
        **INTAKE_POST,
        "who": "new",
        "person-last_name": "Ferrari",
        "person-first_name": "Giulia",
        "person-no_fiscal_code_reason": "not_yet_assigned",
        "person-birth_date": "03/02/1990",
        "person-sex": "F",
    }
    response = client_for(alice).post(reverse(CREATE), data)
    assert response.status_code == 302
    assert Intake.objects.get().person == Person.objects.get(last_name="Ferrari")


def test_create_unidentified(alice: Operator) -> None:
    data = {**INTAKE_POST, "who": "unidentified", "unidentified_description": "uomo sui 60 anni, stazione"}
    assert client_for(alice).post(reverse(CREATE), data).status_code == 302
    assert Intake.objects.get().person is None


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("received_on", "31/04/2025", "31/04/2025 does not exist: April has 30 days."),
        ("received_on", "29/02/2023", "29/02/2023 does not exist: 2023 is not a leap year."),
        ("received_on", "10/13/2025", "There is no month 13"),
        ("received_on", "10/03/25", "Write the year with four digits, e.g. 31/01/2025."),
        ("received_on", "ieri", "Enter the date as dd/mm/yyyy, e.g. 31/01/2025."),
        ("received_on", "", "Enter the date the intake was received, as dd/mm/yyyy."),
        ("channel", "pigeon", "Choose how the intake arrived."),
        ("prevalent_need", "boredom", "Choose the prevalent need."),
        ("source", "other", "Say which service, body or person made the signal."),
    ],
)
def test_bad_input_is_refused_with_a_specific_message(
    alice: Operator, maria: Person, field: str, value: str, message: str
) -> None:
    before = _state()
    response = client_for(alice).post(reverse(CREATE), {**INTAKE_POST, "who": str(maria.pk), field: value})
    assert response.status_code == 200
    assert message in _text(response)
    assert _state() == before


def test_a_future_date_is_refused_and_nothing_is_half_saved(alice: Operator) -> None:
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    data = {
        **INTAKE_POST,
        "received_on": tomorrow,
        "who": "new",
        "person-last_name": "Ferrari",
        "person-first_name": "Giulia",
        "person-no_fiscal_code_reason": "not_yet_assigned",
    }
    before = _state()
    response = client_for(alice).post(reverse(CREATE), data)
    assert "The date received is in the future" in _text(response)
    assert _state() == before


def test_new_person_errors_show_on_their_fields(alice: Operator) -> None:
    data = {**INTAKE_POST, "who": "new", "person-first_name": "Giulia", "person-fiscal_code": "RSSMRA80A01D150X"}
    before = _state()
    response = client_for(alice).post(reverse(CREATE), data)
    form = response.context["person_form"]
    assert "last_name" in form.errors and "fiscal_code" in form.errors
    assert _state() == before


def test_duplicate_warning_then_different_person(alice: Operator, maria: Person) -> None:
    data = {
        **INTAKE_POST,
        "who": "new",
        "person-last_name": "Rossi",
        "person-first_name": "Maria",
        "person-no_fiscal_code_reason": "unknown",
        "person-birth_date": "17/05/1980",
    }
    client = client_for(alice)
    before = _state()
    response = client.post(reverse(CREATE), data)
    html = _text(response)
    assert "This person may already be registered." in html
    assert f'value="{maria.pk}"' in html  # the operator may pick the existing record instead
    assert _state() == before
    response = client.post(reverse(CREATE), {**data, "confirm_not_duplicate": "on"})
    assert response.status_code == 302
    assert Person.objects.filter(last_name="Rossi").count() == 2


def test_the_search_button_works_without_javascript(alice: Operator, maria: Person) -> None:
    response = client_for(alice).post(reverse(CREATE), {**INTAKE_POST, "q": "rossi", "search": "1"})
    assert response.status_code == 200
    assert f'value="{maria.pk}"' in _text(response)
    assert not Intake.objects.exists()


# --- the detail and triage --------------------------------------------------------------------


def test_detail_shows_answers_timeline_and_actions(alice: Operator, intake: Intake, form_v1: PreAssessmentForm) -> None:
    services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=V1_ANSWERS)
    html = _text(client_for(alice).get(reverse("access:intake_detail", args=[intake.pk])))
    assert "Single parent with children" in html
    assert "Pre-assessment completed" in html
    for name in ("intake_close", "intake_forward", "intake_urgent"):
        assert reverse(f"access:{name}", args=[intake.pk]) in html


def test_detail_for_the_group_has_no_actions(
    alice: Operator, dora: Operator, front_desk: Structure, group: Team
) -> None:
    forwarded = make_intake(front_desk, alice, status=IntakeStatus.FORWARDED, forwarded_to=group)
    html = _text(client_for(dora).get(reverse("access:intake_detail", args=[forwarded.pk])))
    assert reverse("access:intake_urgent", args=[forwarded.pk]) not in html


def test_close_from_the_page(alice: Operator, intake: Intake) -> None:
    url = reverse("access:intake_close", args=[intake.pk])
    client = client_for(alice)
    response = client.post(url, {"close-version": "1", "close-outcome_note": ""})
    assert response.status_code == 200
    assert "Write what information or orientation was given." in _text(response)
    response = client.post(url, {"close-version": "1", "close-outcome_note": "Orientata al CAF."})
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.CLOSED_INFORMATION


def test_close_with_an_outcome_date_before_receipt(alice: Operator, intake: Intake) -> None:
    response = client_for(alice).post(
        reverse("access:intake_close", args=[intake.pk]),
        {"close-version": "1", "close-outcome_note": "x", "close-outcome_on": "01/03/2025"},
    )
    assert "The outcome date is before the intake was received (10/03/2025)." in _text(response)
    intake.refresh_from_db()
    assert intake.is_open


def test_forward_without_group_says_so(alice: Operator, intake: Intake, form_v1: PreAssessmentForm) -> None:
    services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=V1_ANSWERS)
    response = client_for(alice).post(
        reverse("access:intake_forward", args=[intake.pk]), {"forward-version": "1"}, follow=True
    )
    assert "The ambito has no active coordination group" in _text(response)


def test_forward_and_urgent_from_the_page(
    alice: Operator, intake: Intake, group: Team, form_v1: PreAssessmentForm
) -> None:
    services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=V1_ANSWERS)
    client = client_for(alice)
    assert client.post(reverse("access:intake_forward", args=[intake.pk]), {"forward-version": "1"}).status_code == 302
    response = client.post(reverse("access:intake_forward", args=[intake.pk]), {"forward-version": "2"}, follow=True)
    assert "already forwarded to the coordination group" in _text(response)
    response = client.post(
        reverse("access:intake_urgent", args=[intake.pk]), {"urgent-version": "2", "urgent-outcome_note": "Sfratto"}
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.URGENT


def test_a_stale_form_is_refused(alice: Operator, intake: Intake) -> None:
    response = client_for(alice).post(
        reverse("access:intake_close", args=[intake.pk]), {"close-version": "0", "close-outcome_note": "x"}, follow=True
    )
    assert "Someone else changed this intake" in _text(response)


# --- the pre-assessment page --------------------------------------------------------------------


def test_questionnaire_in_the_active_language(alice: Operator, intake: Intake, form_v1: PreAssessmentForm) -> None:
    url = reverse("access:pre_assessment", args=[intake.pk])
    english = _text(client_for(alice).get(url))
    assert "Household composition" in english and "Composizione del nucleo" not in english
    italian_client = client_for(alice)
    italian_client.cookies["django_language"] = "it"
    italian = _text(italian_client.get(url))
    assert "Composizione del nucleo familiare" in italian


def test_questionnaire_saves_and_refuses(alice: Operator, intake: Intake, form_v1: PreAssessmentForm) -> None:
    url = reverse("access:pre_assessment", args=[intake.pk])
    client = client_for(alice)
    response = client.post(url, {"form_version": str(form_v1.pk), "household_size": "tanti"})
    html = _text(response)
    assert "Enter a number, e.g. 3 or 2,5." in html and "Answer this question." in html
    assert not PreAssessment.objects.exists()
    data = {"form_version": str(form_v1.pk), **V1_ANSWERS}
    assert client.post(url, data).status_code == 302
    assert PreAssessment.objects.get().answers["household_size"] == 3
    # Opening it again shows what was answered.
    assert 'value="single_parent" id="id_household_type_3" checked' in _text(client.get(url)).replace(
        'checked=""', "checked"
    ) or "checked" in _text(client.get(url))


def test_answers_to_v1_still_render_after_v2(alice: Operator, intake: Intake, form_v1: PreAssessmentForm) -> None:
    services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=V1_ANSWERS)
    schema = copy.deepcopy(form_v1.schema)
    schema["sections"][0]["title"] = {"it": "Il nucleo (v2)", "en": "The household (v2)"}
    schema["sections"][0]["questions"][2]["choices"][3]["label"] = {"it": "Monogenitoriale", "en": "One parent"}
    services.questionnaire_publish(actor=alice, key="pre_assessment", title="Scheda v2", schema=schema)
    html = _text(client_for(alice).get(reverse("access:intake_detail", args=[intake.pk])))
    assert "Household composition" in html and "Single parent with children" in html
    assert "version 1" in html and "One parent" not in html
    # A new pre-assessment uses v2; posting the stale v1 form is refused with a clear message.
    url = reverse("access:pre_assessment", args=[intake.pk])
    assert "The household (v2)" in _text(client_for(alice).get(url))
    response = client_for(alice).post(url, {"form_version": str(form_v1.pk), **V1_ANSWERS})
    assert "A newer version of the form was published" in _text(response)


def test_pre_assessment_of_a_closed_intake_is_refused(
    alice: Operator, intake: Intake, form_v1: PreAssessmentForm
) -> None:
    services.intake_close_information(actor=alice, intake=intake, version=1, outcome_note="x")
    response = client_for(alice).post(
        reverse("access:pre_assessment", args=[intake.pk]), {"form_version": str(form_v1.pk), **V1_ANSWERS}
    )
    assert "cannot be given a new pre-assessment" in _text(response)
