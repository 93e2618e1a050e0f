"""The audit tables refuse UPDATE and DELETE in the database itself (SECURITY.md R6)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from intreccio.accounts.models import Operator
from intreccio.audit.models import AccessEvent, AuditChain, DomainEvent
from intreccio.audit.services import ACCESS_CHAIN, record_access, record_event
from intreccio.audit.tests.helpers import execute

triggers_migration = importlib.import_module("intreccio.audit.migrations.0002_append_only_triggers")

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(alice: Operator) -> None:
    for _ in range(3):
        record_access(actor=alice, obj=alice, purpose="test")
        record_event(action="accounts.operator.viewed", actor=alice, target=alice)


MODELS = [pytest.param(AccessEvent, id="access"), pytest.param(DomainEvent, id="domain")]


@pytest.mark.parametrize("model", MODELS)
def test_orm_update_is_refused(trail: None, model: type[AccessEvent | DomainEvent]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(seq=2).update(request_id="forged")
    assert not model.objects.filter(request_id="forged").exists()


@pytest.mark.parametrize("model", MODELS)
def test_orm_delete_is_refused(trail: None, model: type[AccessEvent | DomainEvent]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(seq=2).delete()
    assert model.objects.count() == 3


@pytest.mark.parametrize("model", MODELS)
def test_saving_an_existing_row_is_refused(trail: None, model: type[AccessEvent | DomainEvent]) -> None:
    row = model.objects.get(seq=1)
    row.request_id = "forged"
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()
    assert model.objects.get(seq=1).request_id == ""


@pytest.mark.parametrize("table", ["audit_accessevent", "audit_domainevent"])
def test_raw_sql_update_and_delete_are_refused(trail: None, table: str) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        execute(f"UPDATE {table} SET request_id = 'forged' WHERE seq = 1")  # noqa: S608
    with pytest.raises(DatabaseError), transaction.atomic():
        execute(f"DELETE FROM {table}")  # noqa: S608
    assert AccessEvent.objects.count() == DomainEvent.objects.count() == 3


def test_chain_head_cannot_go_back_or_be_deleted(trail: None) -> None:
    head = AuditChain.objects.get(name=ACCESS_CHAIN)
    assert head.last_seq == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditChain.objects.filter(name=ACCESS_CHAIN).update(last_seq=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        # Same seq, other hash: rewriting the head in place is refused as well.
        AuditChain.objects.filter(name=ACCESS_CHAIN).update(last_hash="0" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditChain.objects.filter(name=ACCESS_CHAIN).delete()
    assert AuditChain.objects.get(name=ACCESS_CHAIN).last_hash == head.last_hash


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE triggers exist on PostgreSQL only")
@pytest.mark.postgres_only
@pytest.mark.parametrize("table", ["audit_accessevent", "audit_domainevent", "audit_auditchain"])
def test_truncate_is_refused_on_postgresql(trail: None, table: str) -> None:
    # The trail's deferred foreign-key checks would otherwise block TRUNCATE before our trigger.
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic():
        execute(f"TRUNCATE {table} CASCADE")
    assert AuditChain.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE triggers exist on PostgreSQL only")
@pytest.mark.postgres_only
def test_truncate_of_an_empty_table_is_allowed_so_that_a_test_flush_works(db: None) -> None:
    execute("TRUNCATE audit_accessevent, audit_domainevent, audit_auditchain")


class _Editor:
    """The part of a schema editor the migration uses; Django's own refuses to run on SQLite
    inside the test transaction."""

    connection = connection

    def execute(self, sql: str, params: Any = None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_migration_reverses_cleanly(trail: None) -> None:
    with transaction.atomic():
        triggers_migration.drop_triggers(None, _Editor())
        AccessEvent.objects.filter(seq=1).update(request_id="allowed without the triggers")
        AuditChain.objects.filter(name=ACCESS_CHAIN).update(last_seq=1)
        triggers_migration.create_triggers(None, _Editor())
        with pytest.raises(IntegrityError), transaction.atomic():
            AccessEvent.objects.filter(seq=1).update(request_id="refused again")
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditChain.objects.filter(name=ACCESS_CHAIN).update(last_seq=0)
    assert AccessEvent.objects.get(seq=1).request_id == "allowed without the triggers"
