"""record_access / record_event: what they write, how they chain, when they refuse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.http import HttpRequest
from django.test import RequestFactory, override_settings

from intreccio.accounts.models import Membership, Operator, Organisation
from intreccio.audit.models import AccessEvent, AuditChain, DomainEvent
from intreccio.audit.services import (
    ACCESS_CHAIN,
    ACCESS_FIELDS,
    DOMAIN_CHAIN,
    DOMAIN_FIELDS,
    AuditError,
    compute_hash,
    record_access,
    record_event,
)
from intreccio.audit.tests.helpers import execute

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_request(alice: Operator) -> HttpRequest:
    """A request as the middleware leaves it: Alice acting in her case-manager membership."""
    request = RequestFactory().get("/persone/1/")
    request.user = alice
    request.membership = Membership.objects.select_related("structure__organisation").get(operator=alice)  # type: ignore[attr-defined]
    request.request_id = "req-0123456789"  # type: ignore[attr-defined]
    return request


def test_record_access_writes_who_what_why(alice: Operator, alice_request: HttpRequest) -> None:
    membership = alice_request.membership  # type: ignore[attr-defined]
    event = record_access(actor=alice, obj=alice, request=alice_request, section="health", purpose="care")
    stored = AccessEvent.objects.get(pk=event.pk)
    assert stored.actor == alice
    assert stored.actor_username == "alice"
    assert stored.role == "case_manager"
    assert stored.organisation_id == membership.structure.organisation.pk
    assert stored.organisation_name == membership.structure.organisation.name
    assert (stored.object_type, stored.object_id) == ("accounts.operator", str(alice.pk))
    assert (stored.section, stored.purpose, stored.request_id) == ("health", "care", "req-0123456789")
    assert stored.occurred_at is not None


def test_each_row_extends_the_chain(alice: Operator) -> None:
    first = record_access(actor=alice, obj=alice)
    second = record_access(actor=alice, obj=alice)
    third = record_access(actor=alice, object_type="people.person", object_id="list", purpose="search")
    rows = list(AccessEvent.objects.order_by("seq"))
    assert [row.seq for row in rows] == [1, 2, 3]
    assert rows[0].prev_hash == ""
    assert rows[1].prev_hash == first.row_hash
    assert rows[2].prev_hash == second.row_hash
    for row in rows:
        # The hash is recomputable from what the database gives back (dates, JSON and all).
        assert row.row_hash == compute_hash(prev_hash=row.prev_hash, fields=ACCESS_FIELDS, row=row)
    head = AuditChain.objects.get(name=ACCESS_CHAIN)
    assert (head.last_seq, head.last_hash) == (3, third.row_hash)
    assert (rows[2].object_type, rows[2].object_id) == ("people.person", "list")


def test_the_hash_depends_on_the_key(alice: Operator) -> None:
    event = record_access(actor=alice, obj=alice)
    row = AccessEvent.objects.get(pk=event.pk)
    with override_settings(AUDIT_CHAIN_KEY="another-key"):
        assert compute_hash(prev_hash=row.prev_hash, fields=ACCESS_FIELDS, row=row) != row.row_hash


def test_record_access_needs_exactly_one_way_to_name_the_object(alice: Operator) -> None:
    with pytest.raises(ValueError, match="either"):
        record_access(actor=alice, obj=alice, object_type="people.person", object_id="1")
    with pytest.raises(ValueError, match="needs obj"):
        record_access(actor=alice, object_type="people.person")
    assert not AccessEvent.objects.exists()


def test_an_anonymous_read_cannot_be_recorded(db: None) -> None:
    with pytest.raises(AuditError):
        record_access(actor=AnonymousUser(), obj=Organisation())  # type: ignore[arg-type]
    assert not AccessEvent.objects.exists()


def test_record_event_writes_the_action_and_payload(alice: Operator, alice_request: HttpRequest) -> None:
    payload = {"è": "città", "n": 3, "nested": {"b": [1, 2], "a": None}}
    first = record_event(action="accounts.operator.created", actor=alice, target=alice, request=alice_request)
    event = record_event(action="accounts.operator.updated", actor=alice, target=alice, payload=payload)
    stored = DomainEvent.objects.get(pk=event.pk)
    assert stored.action == "accounts.operator.updated"
    assert (stored.target_type, stored.target_id) == ("accounts.operator", str(alice.pk))
    assert stored.payload == payload
    assert (stored.seq, stored.prev_hash) == (2, first.row_hash)
    assert stored.row_hash == compute_hash(prev_hash=stored.prev_hash, fields=DOMAIN_FIELDS, row=stored)
    assert DomainEvent.objects.get(pk=first.pk).role == "case_manager"
    assert AuditChain.objects.get(name=DOMAIN_CHAIN).last_seq == 2


def test_a_system_event_has_no_actor(db: None) -> None:
    event = record_event(action="territory.comune.imported", actor=None, payload={"rows": 7898})
    assert (event.actor_username, event.seq) == ("", 1)


@pytest.mark.parametrize("action", ["closed", "case.closed", "cases..closed", "Cases.Case.Closed", "cases.case.", ""])
def test_record_event_refuses_a_non_namespaced_action(alice: Operator, action: str) -> None:
    with pytest.raises(ValueError, match="namespaced"):
        record_event(action=action, actor=alice)
    assert not DomainEvent.objects.exists()


@pytest.fixture
def access_inserts_fail() -> Iterator[None]:
    """The database refuses new access rows, as a full disk or a lost connection would."""
    if connection.vendor == "sqlite":
        execute(
            "CREATE TRIGGER test_no_insert BEFORE INSERT ON audit_accessevent "
            "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
        )
    else:
        execute(
            "CREATE FUNCTION test_no_insert() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'simulated failure'; END $$"
        )
        execute("CREATE TRIGGER test_no_insert BEFORE INSERT ON audit_accessevent EXECUTE FUNCTION test_no_insert()")
    # Both are undone with the test's transaction.
    yield


def test_a_failed_access_record_fails_the_surrounding_transaction(
    alice: Operator, ugo: Operator, access_inserts_fail: None
) -> None:
    with pytest.raises(AuditError, match="simulated failure"), transaction.atomic():
        record_event(action="accounts.operator.viewed", actor=ugo, target=alice)
        Operator.objects.filter(pk=alice.pk).update(first_name="Changed")
        record_access(actor=ugo, obj=alice)
    # Nothing of the failed unit of work survived, the chains included.
    alice.refresh_from_db()
    assert alice.first_name != "Changed"
    assert not DomainEvent.objects.exists()
    assert not AuditChain.objects.exists()


def test_record_access_many_chains_every_row_in_one_insert(alice: Operator, alice_request: HttpRequest) -> None:
    from django.core.management import call_command

    from intreccio.audit.services import record_access_many

    record_access(actor=alice, obj=alice, request=alice_request)
    events = record_access_many(actor=alice, objs=[alice, alice, alice], request=alice_request, section="search_result")
    assert [e.seq for e in events] == [2, 3, 4]
    assert [e.prev_hash for e in events[1:]] == [e.row_hash for e in events[:-1]]
    assert AuditChain.objects.get(name="access").last_seq == 4
    assert record_access_many(actor=alice, objs=[], request=alice_request) == []
    call_command("audit_verify")
