"""The auditor's change-history page: who sees it, what it shows (never values), and that it is recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.tests.factories import operator_with_role
from intreccio.audit.models import AccessEvent
from intreccio.people.models import Household, Person
from intreccio.people.tests.factories import HouseholdFactory, PersonFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

URL = reverse("history:row_changes")
SENTINEL = "Sentinellastorica"


@pytest.fixture
def auditor() -> Operator:
    return operator_with_role(Role.AUDITOR, username="ugo")


@pytest.fixture
def auditor_client(auditor: Operator) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(auditor)
    return client


@pytest.fixture
def changed_person() -> Person:
    person = PersonFactory.create(first_name=SENTINEL, citizenship="italiana")
    Person.objects.filter(pk=person.pk).update(first_name="Maria")
    Person.objects.filter(pk=person.pk).update(citizenship="albanese", languages="albanese")
    return person


def get(client: Client, **params: Any) -> TestResponse:
    return client.get(URL, params)


def test_the_auditor_sees_when_and_which_columns_changed_but_no_value(
    auditor_client: Client, changed_person: Person
) -> None:
    response = get(auditor_client, table="people_person", row=str(changed_person.pk))
    assert response.status_code == 200
    listed = response.context["page"].object_list
    assert [c.changed_columns for c in listed] == [["citizenship", "languages"], ["first_name"]]
    body = response.content.decode()
    assert "2 changes" in body
    assert "<code>citizenship</code>, <code>languages</code>" in body
    # The previous values stay in the database: neither the old name nor the old citizenship shows.
    assert SENTINEL not in body
    assert "italiana" not in body


def test_a_table_wide_listing_and_deletions(auditor_client: Client) -> None:
    households = [HouseholdFactory.create() for _ in range(3)]
    Household.objects.filter(pk=households[0].pk).delete()
    Household.objects.filter(pk__in=[h.pk for h in households[1:]]).update(name="Nucleo")
    response = get(auditor_client, table="people_household")
    assert response.status_code == 200
    assert sorted(c.operation for c in response.context["page"].object_list) == ["delete", "update", "update"]
    assert "the whole row was deleted" in response.content.decode()


def test_reading_the_history_is_recorded_against_the_row(
    auditor_client: Client, auditor: Operator, changed_person: Person
) -> None:
    get(auditor_client, table="people_person", row=str(changed_person.pk))
    get(auditor_client, table="people_household")
    records = list(AccessEvent.objects.filter(actor=auditor).order_by("seq"))
    assert [(r.object_type, r.object_id, r.section, r.role) for r in records] == [
        ("people.person", str(changed_person.pk), "history", "auditor"),
        ("people.household", "list", "history", "auditor"),
    ]


def test_no_filter_asks_for_a_table_and_records_nothing(auditor_client: Client, auditor: Operator) -> None:
    response = get(auditor_client)
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "Choose a table" in response.content.decode()
    assert not AccessEvent.objects.filter(actor=auditor).exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"table": "audit_accessevent"}, "that one has no change history"),
        ({"table": ""}, "Choose the table whose changes you want to see"),
        ({"table": "people_person", "row": "x" * 65}, "at most 64 characters"),
    ],
)
def test_bad_filters_are_explained_and_nothing_is_read(
    auditor_client: Client, auditor: Operator, params: dict[str, str], message: str
) -> None:
    response = get(auditor_client, **params)
    assert response.status_code == 200
    assert response.context["page"] is None
    body = response.content.decode()
    assert message in body
    assert "Correct the filters" in body
    assert not AccessEvent.objects.filter(actor=auditor).exists()


def test_only_tracked_tables_are_offered(auditor_client: Client) -> None:
    choices = dict(get(auditor_client).context["form"].fields["table"].choices)
    assert "people_person" in choices
    assert "Person (people_person)" in str(choices["people_person"])
    assert "audit_accessevent" not in choices
    assert "history_rowchange" not in choices


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.AUDITOR}))
def test_other_roles_get_not_found(role: str, changed_person: Person) -> None:
    client = Client()
    client.force_login(operator_with_role(role))
    assert client.get(URL, {"table": "people_person"}).status_code == 404
    assert not AccessEvent.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_post_is_refused(auditor_client: Client) -> None:
    assert auditor_client.post(URL, {"table": "people_person"}).status_code == 405
