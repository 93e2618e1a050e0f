"""The auditor's pages: who sees them, what they list, and that reading them is recorded."""

from __future__ import annotations

import datetime
import zoneinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.sessions import SESSION_MEMBERSHIP
from intreccio.accounts.tests.factories import MembershipFactory, operator_with_role
from intreccio.audit import views
from intreccio.audit.models import AccessEvent
from intreccio.audit.services import AuditError, record_access, record_event

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

ACCESS_LOG = reverse("audit:access_log")
DOMAIN_LOG = reverse("audit:domain_log")
ROME = zoneinfo.ZoneInfo("Europe/Rome")


@pytest.fixture
def ugo_client(ugo: Operator) -> Client:
    client = Client()
    # The operator chose English in the header (the browser's language is not asked).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(ugo)
    return client


def get(client: Client, url: str, **params: Any) -> TestResponse:
    return client.get(url, params)


def listed_seqs(response: TestResponse) -> list[int]:
    return [event.seq for event in response.context["page"].object_list]


def read_person(actor: Operator, person_id: int, **kwargs: Any) -> AccessEvent:
    return record_access(actor=actor, object_type="people.person", object_id=str(person_id), **kwargs)


def test_the_auditor_sees_the_access_log_newest_first(ugo_client: Client, alice: Operator) -> None:
    request = RequestFactory().get("/")
    request.membership = alice.memberships.get()  # type: ignore[attr-defined]
    for person_id in (1, 2, 3):
        read_person(alice, person_id, purpose="care", request=request)
    response = get(ugo_client, ACCESS_LOG)
    assert response.status_code == 200
    assert listed_seqs(response) == [3, 2, 1]
    body = response.content.decode()
    assert "3 events" in body
    assert "people.person" in body
    assert "Case manager" in body  # the role's name, not its code


def test_reading_the_log_is_itself_recorded(ugo_client: Client, ugo: Operator) -> None:
    get(ugo_client, ACCESS_LOG)
    get(ugo_client, DOMAIN_LOG)
    records = list(AccessEvent.objects.filter(actor=ugo).order_by("seq"))
    assert [(r.object_type, r.object_id, r.purpose, r.role) for r in records] == [
        ("audit.accessevent", "list", "audit review", "auditor"),
        ("audit.domainevent", "list", "audit review", "auditor"),
    ]
    assert all(r.request_id for r in records)


def test_the_page_does_not_count_its_own_read(ugo_client: Client, alice: Operator) -> None:
    read_person(alice, 1)
    first = get(ugo_client, ACCESS_LOG)
    assert first.context["page"].paginator.count == 1
    assert listed_seqs(first) == [1]
    second = get(ugo_client, ACCESS_LOG)
    assert listed_seqs(second) == [2, 1]


def test_filters(ugo_client: Client, alice: Operator) -> None:
    bob = operator_with_role(Role.CPI_OPERATOR, username="bob")
    read_person(alice, 1)
    read_person(bob, 1)
    read_person(alice, 2)
    record_access(actor=alice, obj=bob)
    assert listed_seqs(get(ugo_client, ACCESS_LOG, username="BOB")) == [2]
    assert listed_seqs(get(ugo_client, ACCESS_LOG, object_type="People.Person", object_id="1")) == [2, 1]
    assert listed_seqs(get(ugo_client, ACCESS_LOG, object_type="accounts.operator")) == [4]
    assert listed_seqs(get(ugo_client, ACCESS_LOG, username="alice", object_id="2")) == [3]


def test_date_range_covers_whole_local_days(ugo_client: Client, alice: Operator) -> None:
    # 00:30 in Rome on 2 March is still 1 March in UTC: the filter works on Italian days.
    moments = [
        datetime.datetime(2026, 2, 28, 23, 59, tzinfo=ROME),
        datetime.datetime(2026, 3, 2, 0, 30, tzinfo=ROME),
        datetime.datetime(2026, 3, 3, 23, 59, tzinfo=ROME),
        datetime.datetime(2026, 3, 4, 0, 1, tzinfo=ROME),
    ]
    for n, moment in enumerate(moments, start=1):
        with time_machine.travel(moment, tick=False):
            read_person(alice, n)
    in_range = get(ugo_client, ACCESS_LOG, object_type="people.person", date_from="02/03/2026", date_to="03/03/2026")
    assert listed_seqs(in_range) == [3, 2]
    assert listed_seqs(get(ugo_client, ACCESS_LOG, object_type="people.person", date_to="01/03/2026")) == [1]
    assert listed_seqs(get(ugo_client, ACCESS_LOG, object_type="people.person", date_from="04/03/2026")) == [4]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "1/3/26"}, "Write the year with four digits"),
        ({"date_from": "31/04/2026"}, "April has 30 days"),
        ({"date_from": "00/00/0000"}, "The year 0 is out of range"),
        ({"date_to": "31/12/1899"}, "The year 1899 is out of range"),
        ({"date_from": "yesterday"}, "Enter the date as dd/mm/yyyy"),
        ({"date_from": "02/03/2026", "date_to": "01/03/2026"}, "The end date is before the start date"),
    ],
)
def test_bad_dates_are_explained_and_nothing_is_listed(
    ugo_client: Client, ugo: Operator, alice: Operator, params: dict[str, str], message: str
) -> None:
    read_person(alice, 1)
    response = get(ugo_client, ACCESS_LOG, **params)
    assert response.status_code == 200
    assert response.context["page"] is None
    body = response.content.decode()
    assert message in body
    assert "Correct the filters" in body
    # Nothing was read, so nothing is recorded.
    assert not AccessEvent.objects.filter(actor=ugo).exists()


def test_pagination_is_fifty_a_page_and_keeps_the_filters(ugo_client: Client, alice: Operator) -> None:
    for person_id in range(1, 53):
        read_person(alice, person_id)
    first = get(ugo_client, ACCESS_LOG, object_type="people.person")
    assert len(listed_seqs(first)) == 50
    assert listed_seqs(first)[0] == 52
    body = first.content.decode()
    assert "52 events" in body
    assert "?object_type=people.person&amp;page=2" in body
    second = get(ugo_client, ACCESS_LOG, object_type="people.person", page="2")
    assert listed_seqs(second) == [2, 1]
    # A page number past the end or not a number shows a real page, not an error.
    assert listed_seqs(get(ugo_client, ACCESS_LOG, object_type="people.person", page="99")) == [2, 1]
    assert len(listed_seqs(get(ugo_client, ACCESS_LOG, object_type="people.person", page="x"))) == 50


def test_honest_empty_states(ugo_client: Client, alice: Operator) -> None:
    assert "No access has been recorded yet." in get(ugo_client, ACCESS_LOG).content.decode()
    body = get(ugo_client, ACCESS_LOG, username="nobody").content.decode()
    assert "No access matches these filters." in body
    assert "0 events" in body
    assert "No event has been recorded yet." in get(ugo_client, DOMAIN_LOG).content.decode()


def test_the_number_of_queries_does_not_grow_with_the_rows(ugo_client: Client, alice: Operator) -> None:
    read_person(alice, 1)
    get(ugo_client, ACCESS_LOG)  # the first request of a session also writes the session
    with CaptureQueriesContext(connection) as few:
        get(ugo_client, ACCESS_LOG)
    for person_id in range(2, 60):
        read_person(alice, person_id)
    with CaptureQueriesContext(connection) as many:
        get(ugo_client, ACCESS_LOG, page="2")
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.AUDITOR}))
def test_other_roles_get_not_found(role: str) -> None:
    client = Client()
    client.force_login(operator_with_role(role))
    assert client.get(ACCESS_LOG).status_code == 404
    assert client.get(DOMAIN_LOG).status_code == 404
    assert not AccessEvent.objects.exists()


def test_an_auditor_acting_in_another_role_gets_not_found(ugo: Operator) -> None:
    # The role Ugo acts in now decides, not the union of his roles.
    coordinator = MembershipFactory.create(operator=ugo, role=Role.COORDINATOR)
    client = Client()
    client.force_login(ugo)
    session = client.session
    session[SESSION_MEMBERSHIP] = coordinator.pk
    session.save()
    assert client.get(ACCESS_LOG).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client: Client) -> None:
    for url in (ACCESS_LOG, DOMAIN_LOG):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_post_is_refused(ugo_client: Client) -> None:
    assert ugo_client.post(ACCESS_LOG).status_code == 405


def test_when_the_read_cannot_be_recorded_the_page_is_not_shown(
    ugo_client: Client, alice: Operator, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_person(alice, 1)

    def refuse(**kwargs: Any) -> AccessEvent:
        raise AuditError("simulated failure")

    monkeypatch.setattr(views, "record_access", refuse)
    response = get(ugo_client, ACCESS_LOG)
    assert response.status_code == 503
    assert "alice" not in response.content.decode()


def test_the_domain_log_lists_and_filters_events(ugo_client: Client, alice: Operator) -> None:
    record_event(action="accounts.operator.created", actor=alice, target=alice, payload={"città": "Cremona"})
    record_event(action="cases.case.closed", actor=alice, payload={"reason": "goals met"})
    record_event(action="territory.comune.imported", actor=None)
    response = get(ugo_client, DOMAIN_LOG)
    assert listed_seqs(response) == [3, 2, 1]
    body = response.content.decode()
    assert "3 events" in body
    assert "{&quot;città&quot;: &quot;Cremona&quot;}" in body
    assert listed_seqs(get(ugo_client, DOMAIN_LOG, action="cases.")) == [2]
    assert listed_seqs(get(ugo_client, DOMAIN_LOG, username="alice")) == [2, 1]
    assert listed_seqs(get(ugo_client, DOMAIN_LOG, target_type="accounts.operator", target_id=str(alice.pk))) == [1]
    assert "No event matches these filters." in get(ugo_client, DOMAIN_LOG, action="funds.").content.decode()


def test_templates_carry_no_inline_style_or_script() -> None:
    # The CSP forbids both; a page would silently lose them in the browser.
    for path in (Path(views.__file__).parent / "templates" / "audit").glob("*.html"):
        source = path.read_text()
        assert "style=" not in source, path
        assert "<script" not in source, path
