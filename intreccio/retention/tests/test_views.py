"""The retention page and the legal-hold pages: who sees what, what is recorded, bad input."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from intreccio.accounts.models import Membership, Role, Team, TeamKind, TeamMember
from intreccio.accounts.tests.factories import OperatorFactory
from intreccio.audit.models import AccessEvent, DomainEvent
from intreccio.cases.models import CaseNote
from intreccio.cases.tests.conftest import Net
from intreccio.cases.tests.pages import client_for
from intreccio.people.models import Person
from intreccio.retention.job import retention_run
from intreccio.retention.models import LegalHold
from intreccio.retention.services import add_months, legal_hold_place
from intreccio.retention.tests.conftest import Subject, make_subject

pytestmark = pytest.mark.django_db

OVERVIEW = "retention:overview"
PLACE = "retention:hold_place"


@pytest.fixture
def subject(net: Net) -> Subject:
    return make_subject(net)


def test_the_coordinator_reads_the_schedule_the_forecast_and_the_runs(net: Net, subject: Subject) -> None:
    assert subject.case.closed_on is not None
    retention_run(today=add_months(subject.case.closed_on, 60))
    html = client_for(net.carla).get(reverse(OVERVIEW)).content.decode()
    assert "Judicial data (GDPR art. 10)" in html
    assert "Art. 10: processing authorised by law" in html
    assert "after the case is closed" in html
    assert "deleted" in html and "anonymised (kept for statistics without identity)" in html
    assert "judicial: 1" in html  # the last run
    assert "No legal hold is active." in html


def test_holds_show_the_person_and_the_read_is_recorded(net: Net, subject: Subject) -> None:
    hold = legal_hold_place(actor=net.carla, person=subject.person, reason="Ricorso al TAR n. 1234/2025")
    before = AccessEvent.objects.count()
    response = client_for(net.carla).get(reverse(OVERVIEW))
    html = response.content.decode()
    assert "Ricorso al TAR n. 1234/2025" in html
    assert subject.canaries["person.last_name"] in html
    assert reverse("retention:hold_lift", args=[hold.pk]) in html
    recorded = AccessEvent.objects.order_by("seq")[before:]
    assert ("people.person", str(subject.person.pk)) in {(e.object_type, e.object_id) for e in recorded}
    assert ("audit.domainevent", "retention.run.completed") in {(e.object_type, e.object_id) for e in recorded}


def test_the_auditor_reads_the_page_but_places_no_hold(net: Net, subject: Subject) -> None:
    auditor = OperatorFactory.create(username="aude")
    Membership.objects.create(
        operator=auditor, structure=net.social, role=Role.AUDITOR, valid_from=net.intake.received_on
    )
    legal_hold_place(actor=net.carla, case=subject.case, reason="Esposto in procura n. 77/2026")
    client = client_for(auditor)
    html = client.get(reverse(OVERVIEW)).content.decode()
    assert "Esposto in procura n. 77/2026" in html
    assert reverse(PLACE) not in html
    assert client.get(reverse(PLACE)).status_code == 404


@pytest.mark.parametrize("who", ["dario", "bob", "olga"])
def test_operators_outside_the_group_get_404(net: Net, who: str) -> None:
    client = client_for(getattr(net, who))
    assert client.get(reverse(OVERVIEW)).status_code == 404
    assert client.get(reverse(PLACE)).status_code == 404


def test_a_hold_is_placed_on_a_case_by_its_number_and_lifted(net: Net, subject: Subject) -> None:
    client = client_for(net.carla)
    number = str(subject.case.number)
    response = client.post(
        reverse(PLACE), {"target": "case", "reference": number.lower(), "reason": "Ricorso TAR n. 12/2026"}
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.case_id, hold.person_id, hold.placed_by) == (subject.case.pk, None, net.carla)
    event = DomainEvent.objects.get(action="retention.hold.placed")
    assert event.payload == {"hold": hold.pk, "person": None, "case": subject.case.pk}

    lift = reverse("retention:hold_lift", args=[hold.pk])
    response = client.post(lift, {"reason": "short"})
    assert "Ensure this value has at least 10 characters" in response.content.decode()
    response = client.post(lift, {"reason": "Sentenza definitiva del 12/05/2026"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == net.carla and hold.lift_reason == "Sentenza definitiva del 12/05/2026"
    assert DomainEvent.objects.filter(action="retention.hold.lifted").count() == 1
    # A lifted hold cannot be lifted again: the page is gone.
    assert client.get(lift).status_code == 404


def test_a_hold_is_placed_on_a_person_by_codice_fiscale(net: Net, subject: Subject) -> None:
    response = client_for(net.carla).post(
        reverse(PLACE), {"target": "person", "reference": "rsstt v80a41h501g", "reason": "Causa civile n. 9/2026"}
    )
    assert response.status_code == 302
    assert LegalHold.objects.get().person_id == subject.person.pk


def test_a_second_hold_on_the_same_case_is_refused(net: Net, subject: Subject) -> None:
    legal_hold_place(actor=net.carla, case=subject.case, reason="Ricorso TAR n. 12/2026")
    response = client_for(net.carla).post(
        reverse(PLACE), {"target": "case", "reference": subject.case.number, "reason": "Altro procedimento 3/2026"}
    )
    assert "A legal hold on this case is already active." in response.content.decode()
    assert LegalHold.objects.count() == 1


def test_a_case_or_person_outside_the_ambito_is_not_found_and_not_revealed(net: Net, subject: Subject) -> None:
    # Olga's colleague coordinates the other ambito: the case of Carla's ambito does not exist for her.
    other_group = Team.objects.create(name="Altro gruppo", kind=TeamKind.COORDINATION_GROUP, ambito=net.other_ambito)
    olga = net.olga
    Membership.objects.filter(operator=olga).update(role=Role.COORDINATOR)
    TeamMember.objects.create(team=other_group, operator=olga)
    client = client_for(olga)
    response = client.post(
        reverse(PLACE), {"target": "case", "reference": subject.case.number, "reason": "Ricorso TAR n. 12/2026"}
    )
    assert "No case with this number in your ambito." in response.content.decode()
    response = client.post(
        reverse(PLACE), {"target": "person", "reference": "RSSTTV80A41H501G", "reason": "Ricorso TAR n. 12/2026"}
    )
    assert "No person with this codice fiscale is known in your ambito." in response.content.decode()
    assert not LegalHold.objects.exists()
    hold = legal_hold_place(actor=net.carla, case=subject.case, reason="Ricorso TAR n. 12/2026")
    assert client.get(reverse("retention:hold_lift", args=[hold.pk])).status_code == 404
    assert "Ricorso TAR" not in client.get(reverse(OVERVIEW)).content.decode()


def test_the_forecast_counts_what_a_run_would_do_within_the_ambito(net: Net, subject: Subject) -> None:
    assert subject.case.closed_on is not None
    with time_machine.travel(add_months(subject.case.closed_on, 120), tick=False):
        client = client_for(net.carla)
        forecast = client.get(reverse(OVERVIEW)).context["forecast"]
        assert [(str(row.label), row.due) for row in forecast.cases] == [
            ("Special category (GDPR art. 9: health, disability, ethnic origin…)", 1),
            ("Judicial data (GDPR art. 10)", 1),
            ("Data about minors", 1),
            ("Gender-based violence", 1),
        ]
        assert forecast.persons_closed_cases == 1
        # Counting wrote nothing.
        assert not Person.objects.filter(anonymisation__isnull=False).exists()
        assert CaseNote.objects.filter(case=subject.case).count() == 6
        # A coordinator of another ambito counts nothing of this one.
        other_group = Team.objects.create(
            name="Altro gruppo", kind=TeamKind.COORDINATION_GROUP, ambito=net.other_ambito
        )
        Membership.objects.filter(operator=net.olga).update(role=Role.COORDINATOR)
        TeamMember.objects.create(team=other_group, operator=net.olga)
        forecast = client_for(net.olga).get(reverse(OVERVIEW)).context["forecast"]
        assert [row.due for row in forecast.cases] == [0, 0, 0, 0]
        assert forecast.persons_closed_cases == 0
