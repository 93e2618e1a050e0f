"""The rights pages: recording from the person's page, the group's list with overdue requests
first and flagged, handling through the forms, and 404 for whoever may not see a request."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from intreccio.audit.models import AccessEvent
from intreccio.rights.models import DataSubjectRequest, RequestKind, RequestStatus
from intreccio.rights.tests.conftest import World, client_for

TODAY = datetime.date.today()


def test_the_person_page_links_to_the_privacy_requests(world: World) -> None:
    html = client_for(world.net.alice).get(reverse("people:person_detail", args=[world.giulia.pk])).content.decode()
    assert reverse("rights:person_requests", args=[world.giulia.pk]) in html
    assert "Privacy requests of this person" in html


def test_recording_through_the_form(world: World) -> None:
    client = client_for(world.net.alice)
    url = reverse("rights:request_new", args=[world.giulia.pk])
    assert client.get(url).status_code == 200
    received = TODAY - datetime.timedelta(days=1)
    response = client.post(
        url,
        {
            "kind": RequestKind.ACCESS_REPORT,
            "received_on": received.strftime("%d/%m/%Y"),
            "channel": "in_person",
            "requested_by": "person",
        },
    )
    dsr = DataSubjectRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("rights:request_detail", args=[dsr.pk])
    assert dsr.due_on == received + datetime.timedelta(days=15)
    assert dsr.recorded_by == world.net.alice
    page = client_for(world.net.alice).get(reverse("rights:person_requests", args=[world.giulia.pk]))
    assert reverse("rights:request_detail", args=[dsr.pk]) in page.content.decode()


@pytest.mark.parametrize(
    ("received_on", "message"),
    [
        ("29/02/2023", "2023 is not a leap year"),
        ("31/04/2025", "April has 30 days"),
        ("01/01/2999", "out of range"),
        ("12/3/25", "four digits"),
        ("", "Enter the date the request was received"),
    ],
)
def test_a_bad_date_is_explained_and_nothing_saved(world: World, received_on: str, message: str) -> None:
    response = client_for(world.net.alice).post(
        reverse("rights:request_new", args=[world.giulia.pk]),
        {"kind": RequestKind.ACCESS, "received_on": received_on, "channel": "email", "requested_by": "person"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


def test_a_future_date_is_refused_on_the_form(world: World) -> None:
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    response = client_for(world.net.alice).post(
        reverse("rights:request_new", args=[world.giulia.pk]),
        {"kind": RequestKind.ACCESS, "received_on": tomorrow, "channel": "email", "requested_by": "person"},
    )
    assert "cannot be in the future" in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


def test_the_list_puts_overdue_requests_first_and_flags_them(world: World) -> None:
    soon = world.record(RequestKind.ACCESS, received_on=TODAY - datetime.timedelta(days=2))
    overdue = world.record(RequestKind.ACCESS_REPORT, received_on=TODAY - datetime.timedelta(days=20))
    marco = world.record(RequestKind.ERASURE, person=world.marco, received_on=TODAY - datetime.timedelta(days=10))
    response = client_for(world.net.carla).get(reverse("rights:request_list"))
    rows = response.context["rows"]
    assert [row.dsr.pk for row in rows] == [overdue.pk, marco.pk, soon.pk]
    assert [row.overdue for row in rows] == [True, False, False]
    assert rows[0].days_overdue == 5
    html = response.content.decode()
    assert "overdue by 5 days" in html
    assert html.count("table-danger") == 1
    assert AccessEvent.objects.filter(object_type="rights.datasubjectrequest", object_id="list").exists()


def test_the_navigation_shows_the_list_to_the_coordination_group_only(world: World) -> None:
    url = reverse("rights:request_list")
    carla_links = client_for(world.net.carla).get(reverse("home")).context["nav_links"]
    assert url in {link.url for link in carla_links}
    for other in (world.net.alice, world.net.bob, world.net.olga):
        links = client_for(other).get(reverse("home")).context["nav_links"]
        assert url not in {link.url for link in links}
        assert client_for(other).get(url).status_code == 404


def test_a_request_is_seen_by_the_group_and_by_whoever_sees_the_person(world: World) -> None:
    dsr = world.record(RequestKind.RECTIFICATION)
    url = reverse("rights:request_detail", args=[dsr.pk])
    carla = client_for(world.net.carla).get(url)
    assert carla.status_code == 200 and carla.context["handler"]
    assert reverse("people:person_update", args=[world.giulia.pk]) in carla.content.decode()
    alice = client_for(world.net.alice).get(url)
    assert alice.status_code == 200 and not alice.context["handler"]
    assert reverse("rights:request_close", args=[dsr.pk]) not in alice.content.decode()
    assert client_for(world.net.olga).get(url).status_code == 404
    assert AccessEvent.objects.filter(object_type="rights.datasubjectrequest", object_id=str(dsr.pk)).count() == 2


def test_handling_through_the_pages(world: World) -> None:
    dsr = world.record(RequestKind.ACCESS, received_on=TODAY - datetime.timedelta(days=3))
    carla = client_for(world.net.carla)
    assert carla.get(reverse("rights:request_start", args=[dsr.pk])).status_code == 405
    assert carla.post(reverse("rights:request_start", args=[dsr.pk])).status_code == 302
    response = carla.post(reverse("rights:request_extend", args=[dsr.pk]), {"months": "2", "reason": "breve"})
    assert "at least 10 characters" in response.content.decode()
    carla.post(reverse("rights:request_extend", args=[dsr.pk]), {"months": "2", "reason": "Richiesta complessa"})
    response = carla.post(reverse("rights:request_close", args=[dsr.pk]), {"outcome": "refused"})
    assert "Choose the legal reason for refusing" in response.content.decode()
    carla.post(
        reverse("rights:request_close", args=[dsr.pk]),
        {"outcome": "refused", "refusal_reason": "identity", "note": "Nessun documento"},
    )
    dsr.refresh_from_db()
    assert (dsr.status, dsr.extension_months, dsr.refusal_reason) == (RequestStatus.REFUSED, 2, "identity")
    # A closed request takes no more steps.
    assert carla.get(reverse("rights:request_close", args=[dsr.pk])).status_code == 404


def test_the_erasure_decision_through_the_page(world: World) -> None:
    dsr = world.record(RequestKind.ERASURE)
    carla = client_for(world.net.carla)
    assert carla.get(reverse("rights:request_close", args=[dsr.pk])).status_code == 404
    response = carla.post(reverse("rights:erasure_decide", args=[dsr.pk]), {"decision": "refused"})
    assert "Choose the legal reason for refusing" in response.content.decode()
    carla.post(
        reverse("rights:erasure_decide", args=[dsr.pk]), {"decision": "refused", "refusal_reason": "legal_obligation"}
    )
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.REFUSED
    assert "17(3)(b)" in carla.get(reverse("rights:request_detail", args=[dsr.pk])).content.decode()
