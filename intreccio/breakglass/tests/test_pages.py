"""Break-the-glass pages (R8): request, case reads during the grant, expiry, own list, review queue."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intreccio.audit.models import AccessEvent
from intreccio.breakglass.models import BreakGlassGrant, ReviewOutcome
from intreccio.breakglass.services import not_found_message
from intreccio.breakglass.tests.conftest import CF_GIULIA, Net, grant_for, request_data, sentinel
from intreccio.cases.models import Section

pytestmark = pytest.mark.django_db

REQUEST = reverse("breakglass:grant_request")
MINE = reverse("breakglass:my_grants")
QUEUE = reverse("breakglass:review_queue")


def _case_url(net: Net) -> str:
    return reverse("cases:case_detail", args=[net.case.pk])


def _ask(client: Client, net: Net, **overrides: Any) -> Any:
    return client.post(REQUEST, request_data(net.bob, net.case.number or "", **overrides))


def _html(response: Any) -> str:
    return str(response.content.decode())


def test_the_request_opens_the_case_with_a_banner_and_every_read_marked(
    net: Net, django_capture_on_commit_callbacks: Any
) -> None:
    client = net.client(net.bob)
    assert client.get(_case_url(net)).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, net)
    assert response.status_code == 302
    assert response["Location"] == _case_url(net)
    assert len(mail.outbox) == 1
    page = client.get(_case_url(net))
    assert page.status_code == 200
    html = _html(page)
    grant = BreakGlassGrant.objects.get()
    until = timezone.localtime(grant.expires_at).strftime("%H:%M")
    assert f"Emergency access until {until}; every read is recorded." in html
    # The reads of the case and of its first section carry the basis in their purpose.
    reads = AccessEvent.objects.filter(actor=net.bob, object_type="cases.case", object_id=str(net.case.pk))
    assert reads.count() >= 2
    assert all(purpose.startswith("break_the_glass: ") for purpose in reads.values_list("purpose", flat=True))
    assert reads.filter(purpose="break_the_glass: case_detail").exists()


def test_the_violence_section_stays_sealed_and_the_role_sections_open(net: Net) -> None:
    client = net.client(net.dario)
    assert client.post(REQUEST, request_data(net.dario, net.case.number or "")).status_code == 302
    for section in (Section.COMMON, Section.WORK, Section.DISABILITY, Section.MINORS_COURT, Section.JUDICIAL):
        response = client.get(reverse("cases:case_section", args=[net.case.pk, section]))
        assert response.status_code == 200, section
        assert sentinel(net.case, section) in _html(response)
    assert client.get(reverse("cases:case_section", args=[net.case.pk, Section.VIOLENCE])).status_code == 404
    page = _html(client.get(_case_url(net) + "?section=violence"))
    assert sentinel(net.case, Section.VIOLENCE) not in page
    # Read-only: nobody on an emergency access writes notes.
    note = client.post(reverse("cases:note_add", args=[net.case.pk]), {"section": "common", "text": "Nota"})
    assert note.status_code == 404


def test_the_team_sees_no_banner(net: Net) -> None:
    grant_for(net.bob, net.case)
    assert "every read is recorded" not in _html(net.client(net.alice).get(_case_url(net)))


def test_when_the_grant_expires_the_case_and_the_person_answer_404_again(net: Net) -> None:
    client = net.client(net.bob)
    person_url = reverse("people:person_detail", args=[net.giulia.pk])
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert client.post(REQUEST, request_data(net.bob, net.case.number or "", hours=1)).status_code == 302
        assert client.get(_case_url(net)).status_code == 200
        assert client.get(person_url).status_code == 200
        # Reads every 29 minutes keep the session alive (its idle timeout is 30 minutes).
        for _step in range(2):
            traveller.shift(datetime.timedelta(minutes=29))
            assert client.get(_case_url(net)).status_code == 200
        traveller.shift(datetime.timedelta(minutes=1, seconds=59))
        assert client.get(_case_url(net)).status_code == 200
        traveller.shift(datetime.timedelta(seconds=2))
        assert client.get(_case_url(net)).status_code == 404
        assert client.get(person_url).status_code == 404
        assert client.get(reverse("cases:case_section", args=[net.case.pk, Section.COMMON])).status_code == 404


def test_posting_on_an_expired_grant_says_when_it_expired_and_asks_for_a_new_request(net: Net) -> None:
    start = timezone.now() - datetime.timedelta(hours=3)
    grant = grant_for(net.bob, net.case, hours=1, granted_at=start)
    client = net.client(net.bob)
    response = client.post(reverse("breakglass:grant_end", args=[grant.pk]), follow=True)
    html = _html(response)
    expired_at = timezone.localtime(grant.expires_at).strftime("%H:%M")
    assert f"This emergency access expired at {expired_at} and cannot be used or extended." in html
    assert "make a new request" in html
    grant.refresh_from_db()
    assert grant.ended_at is None
    assert client.get(_case_url(net)).status_code == 404


def test_end_early_from_my_list(net: Net) -> None:
    client = net.client(net.bob)
    _ask(client, net)
    grant = BreakGlassGrant.objects.get()
    html = _html(client.get(MINE))
    assert str(net.case.number) in html
    assert reverse("breakglass:grant_end", args=[grant.pk]) in html
    assert AccessEvent.objects.filter(
        actor=net.bob, object_type="breakglass.breakglassgrant", object_id="mine"
    ).exists()
    response = client.post(reverse("breakglass:grant_end", args=[grant.pk]))
    assert response.status_code == 302
    assert client.get(_case_url(net)).status_code == 404
    html = _html(client.get(MINE))
    assert "ended early" in html
    assert "No emergency access in force." in html


def test_nobody_ends_someone_elses_grant(net: Net) -> None:
    grant = grant_for(net.bob, net.case)
    assert net.client(net.dario).post(reverse("breakglass:grant_end", args=[grant.pk])).status_code == 404
    assert net.client(net.bob).get(reverse("breakglass:grant_end", args=[grant.pk])).status_code == 405


def test_form_messages(net: Net) -> None:
    client = net.client(net.bob)
    html = _html(_ask(client, net, reason_text="Corto, urgente"))
    assert "Describe the emergency in at least 20 characters (you wrote 14)" in html
    html = _html(client.post(REQUEST, request_data(net.bob, net.violence_case.number or "")))
    assert not_found_message() in html
    html = _html(_ask(client, net, password="not-the-password"))
    assert "The password or the authenticator code is not correct" in html
    # The password is never sent back.
    assert "not-the-password" not in html
    assert not BreakGlassGrant.objects.exists()


def test_the_violence_refusal_page_is_the_page_of_a_case_that_does_not_exist(net: Net) -> None:
    client = net.client(net.bob)

    def errors(identifier: str) -> str:
        html = _html(client.post(REQUEST, request_data(net.bob, identifier, code="")))
        start = html.index('<div class="alert alert-danger"')
        return html[start : html.index("</div>", start)]

    assert errors(net.violence_case.number or "") == errors("CR-2099-000042")
    assert errors(net.violence_person_case.number or "") == errors("CR-2099-000042")


def test_other_roles_get_a_page_that_says_who_may(net: Net) -> None:
    response = net.client(net.pia).get(REQUEST)
    assert response.status_code == 403
    assert "Emergency access (break-the-glass) can be asked for only when acting as one of these roles" in _html(
        response
    )
    assert net.client(net.pia).post(REQUEST, request_data(net.pia, net.case.number or "")).status_code == 403
    assert not BreakGlassGrant.objects.exists()


def test_the_form_asks_for_password_and_code_and_takes_a_codice_fiscale_from_the_search(net: Net) -> None:
    client = net.client(net.bob)
    html = _html(client.get(REQUEST, {"q": CF_GIULIA.lower()}))
    assert 'name="password"' in html
    assert 'name="code"' in html
    assert f'value="{CF_GIULIA}"' in html
    html = _html(client.get(REQUEST, {"q": "Ferrari Giulia"}))
    assert 'value="Ferrari' not in html
    assert 'value="FERRARI' not in html


def test_the_person_search_offers_emergency_access(net: Net) -> None:
    html = _html(net.client(net.bob).get(reverse("people:person_search"), {"q": CF_GIULIA}))
    assert "Known to the network" in html
    assert f"{REQUEST}?q={CF_GIULIA}" in html


# --- review queue ------------------------------------------------------------------------------------


def _other_ambito_grant(net: Net) -> BreakGlassGrant:
    from intreccio.breakglass.tests.conftest import _operator

    cpi_there = _operator("chiara", net.olga.memberships.get().structure, "cpi_operator")
    return grant_for(cpi_there, net.other_ambito_case)


def test_the_queue_of_the_coordination_group_lists_pending_first(net: Net) -> None:
    pending = grant_for(net.bob, net.case, granted_at=timezone.now() - datetime.timedelta(days=2))
    reviewed = grant_for(
        net.sara,
        net.case,
        outcome=ReviewOutcome.JUSTIFIED,
        reviewed_by=net.carla,
        reviewed_at=timezone.now(),
    )
    elsewhere = _other_ambito_grant(net)
    html = _html(net.client(net.carla).get(QUEUE))
    review = reverse("breakglass:grant_review", args=[pending.pk])
    assert review in html
    assert html.index(review) < html.index(reverse("breakglass:grant_review", args=[reviewed.pk]))
    assert reverse("breakglass:grant_review", args=[elsewhere.pk]) not in html
    assert "1 emergency access to review." in html
    assert AccessEvent.objects.filter(
        actor=net.carla, object_type="breakglass.breakglassgrant", object_id="review_queue"
    ).exists()


def test_the_auditor_sees_every_grant_in_the_review_queue(net: Net) -> None:
    here = grant_for(net.bob, net.case)
    elsewhere = _other_ambito_grant(net)
    client = net.client(net.aldo)
    html = _html(client.get(QUEUE))
    assert reverse("breakglass:grant_review", args=[here.pk]) in html
    assert reverse("breakglass:grant_review", args=[elsewhere.pk]) in html
    # Read-only: the auditor reads the grant, the reason included, and cannot review it.
    detail = client.get(reverse("breakglass:grant_review", args=[here.pk]))
    assert detail.status_code == 200
    assert here.reason_text in _html(detail)
    assert 'name="outcome"' not in _html(detail)
    assert client.post(reverse("breakglass:grant_review", args=[here.pk]), {"outcome": "justified"}).status_code == 403
    assert AccessEvent.objects.filter(actor=net.aldo, object_type="breakglass.breakglassgrant", object_id=str(here.pk))


@pytest.mark.parametrize("username", ["bob", "dario", "alice", "pia"])
def test_the_queue_is_not_for_others(net: Net, username: str) -> None:
    grant = grant_for(net.bob, net.case)
    client = net.client(getattr(net, username))
    assert client.get(QUEUE).status_code == 404
    assert client.get(reverse("breakglass:grant_review", args=[grant.pk])).status_code == 404


def test_another_ambito_coordinator_neither_sees_nor_reviews(net: Net) -> None:
    grant = grant_for(net.bob, net.case)
    client = net.client(net.marco)
    assert str(grant.case.number) not in _html(client.get(QUEUE))
    assert client.get(reverse("breakglass:grant_review", args=[grant.pk])).status_code == 404
    assert client.post(reverse("breakglass:grant_review", args=[grant.pk]), {"outcome": "justified"}).status_code == 404


def test_review_from_the_page(net: Net) -> None:
    grant = grant_for(net.bob, net.case, hours=1, granted_at=timezone.now() - datetime.timedelta(hours=3))
    client = net.client(net.carla)
    url = reverse("breakglass:grant_review", args=[grant.pk])
    html = _html(client.get(url))
    assert grant.reason_text in html
    assert 'name="outcome"' in html
    html = _html(client.post(url, {"outcome": "not_justified", "note": ""}))
    assert "Say why the emergency access was not justified" in html
    response = client.post(url, {"outcome": "not_justified", "note": "Il team era raggiungibile al telefono."})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.outcome == ReviewOutcome.NOT_JUSTIFIED
    assert grant.reviewed_by == net.carla
    # The operator sees the outcome in their own list.
    assert "Il team era raggiungibile al telefono." in _html(net.client(net.bob).get(MINE))


def test_a_group_member_does_not_review_their_own_grant_from_the_page(net: Net) -> None:
    grant = grant_for(net.gianni, net.case)
    client = net.client(net.gianni)
    url = reverse("breakglass:grant_review", args=[grant.pk])
    html = _html(client.get(url))
    assert "This is your own emergency access" in html
    assert client.post(url, {"outcome": "justified"}).status_code == 403
    grant.refresh_from_db()
    assert not grant.is_reviewed


def test_navigation_entries(net: Net) -> None:
    assert MINE in _html(net.client(net.bob).get(reverse("home")))
    assert QUEUE in _html(net.client(net.carla).get(reverse("home")))
    assert QUEUE in _html(net.client(net.aldo).get(reverse("home")))
    pia = _html(net.client(net.pia).get(reverse("home")))
    assert MINE not in pia
    assert QUEUE not in pia
