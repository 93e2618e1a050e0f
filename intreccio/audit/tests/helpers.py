"""Test helpers that act as a database administrator would: lift the append-only triggers.

Tests use them to forge, edit and delete audit rows the way only someone with DDL rights
could, and to empty the audit tables after a ``transaction=True`` test so that the test
database flush (which the triggers refuse while audit rows exist) can run. Another app's
conftest can use ``purge_audit_trail`` for its transactional or live-server tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

AUDIT_TABLES = ("audit_accessevent", "audit_domainevent", "audit_auditchain")


@contextmanager
def triggers_lifted() -> Iterator[None]:
    """Inside the current transaction, the audit tables accept UPDATE and DELETE until exit."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            placeholders = ", ".join(["%s"] * len(AUDIT_TABLES))
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({placeholders})",  # noqa: S608
                AUDIT_TABLES,
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            yield
            for _name, sql in triggers:
                cursor.execute(sql)
        else:
            # Deferred foreign-key checks queued by this transaction's inserts would make
            # ALTER TABLE fail ("pending trigger events"): run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            yield
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    """Run one raw statement; return the number of rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def purge_audit_trail() -> None:
    """Empty the audit tables (tests only), so that a transactional test's flush can run."""
    with triggers_lifted():
        for table in AUDIT_TABLES:
            execute(f"DELETE FROM {table}")  # noqa: S608
