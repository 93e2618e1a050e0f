"""The triggers cover every table with personal data and follow the schema through migrations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import connection, models

from intreccio.core.privacy import Category, intreccio_models
from intreccio.history.models import RowChange
from intreccio.history.tests.conftest import ChangesSince
from intreccio.history.triggers import (
    HISTORY_TABLE,
    TrackedTable,
    installed_triggers,
    sqlite_trigger_statements,
    tracked_tables,
)
from intreccio.people.models import Person
from intreccio.people.tests.factories import PersonFactory

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers are made per column")


def _tracked() -> set[str]:
    return {t.table for t in tracked_tables()}


def _tracked_in_database() -> set[str]:
    """The tracked tables that exist (a model still without its migration has no table)."""
    with connection.cursor() as cursor:
        return _tracked() & set(connection.introspection.table_names(cursor))


def test_every_table_with_personal_data_is_tracked_and_nothing_else() -> None:
    expected: set[str] = set()
    for model in intreccio_models():
        if model._meta.app_label in {"audit", "history"} or model._meta.proxy:
            continue
        categories = {p.category for p in getattr(model, "privacy", {}).values()}
        if categories - {Category.NONE, Category.TECHNICAL}:
            expected.add(model._meta.db_table)
    assert _tracked() == expected
    assert {"people_person", "cases_casenote", "plans_plan", "accounts_operator"} <= _tracked()
    assert not {"audit_accessevent", "audit_domainevent", "audit_auditchain", HISTORY_TABLE} & _tracked()
    # Technical-only tables (territory, organisations, teams) are not copied.
    assert not {"territory_comune", "accounts_organisation", "accounts_team"} & _tracked()


@pytest.mark.django_db
def test_the_test_database_has_the_triggers_of_every_tracked_table() -> None:
    installed = installed_triggers(connection)
    assert set(installed) == _tracked_in_database()
    assert "people_person" in installed
    assert all(len(names) == 2 for names in installed.values())


def _drop_probe_column() -> None:
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "people_person")]
    if "history_probe" in columns:
        with connection.schema_editor() as editor:
            editor.remove_field(Person, _probe_field())


def _probe_field() -> models.CharField[str, str]:
    # NOT NULL with a default: SQLite adds it by rebuilding the table, as many migrations do.
    field: models.CharField[str, str] = models.CharField(max_length=20, default="probe-default")
    field.set_attributes_from_name("history_probe")
    field.model = Person
    return field


@pytest.fixture
def schema_restored(transactional_db: None) -> Iterator[None]:
    yield
    emit_pre_migrate_signal(0, False, connection.alias)
    _drop_probe_column()
    emit_post_migrate_signal(0, False, connection.alias)
    assert set(installed_triggers(connection)) == _tracked_in_database()


def _trigger_sql(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT group_concat(sql, ';') FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
        )
        return str(cursor.fetchone()[0])


def test_a_migration_that_alters_a_tracked_table_gets_the_triggers_back_with_the_new_column(
    schema_restored: None,
) -> None:
    person = PersonFactory.create(citizenship="italiana")
    # What ``migrate`` does: pre_migrate, the schema change, post_migrate.
    emit_pre_migrate_signal(0, False, connection.alias)
    assert installed_triggers(connection) == {}, "migrations run without the triggers"
    with connection.schema_editor() as editor:
        editor.add_field(Person, _probe_field())
    emit_post_migrate_signal(0, False, connection.alias)

    assert set(installed_triggers(connection)) == _tracked_in_database()
    if connection.vendor == "sqlite":
        assert "history_probe" in _trigger_sql("people_person")
    mark = RowChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    Person.objects.filter(pk=person.pk).update(citizenship="francese")
    change = RowChange.objects.get(id__gt=mark)
    assert change.old_row["history_probe"] == "probe-default"
    assert change.old_row["citizenship"] == "italiana"

    # And a migration that drops the column again: SQLite refuses to drop a column a trigger
    # names, so the triggers must be out of the way while migrations run.
    emit_pre_migrate_signal(0, False, connection.alias)
    _drop_probe_column()
    emit_post_migrate_signal(0, False, connection.alias)
    Person.objects.filter(pk=person.pk).update(citizenship="tedesca")
    latest = RowChange.objects.filter(table_name="people_person").order_by("-id").first()
    assert latest is not None
    assert latest.old_row["citizenship"] == "francese"
    assert "history_probe" not in latest.old_row


@sqlite_only
def test_sqlite_table_rebuild_drops_the_triggers_and_post_migrate_brings_them_back(schema_restored: None) -> None:
    # Without the pre_migrate step: Django's SQLite schema editor rebuilds the table (new table,
    # copy, drop, rename), and the dropped table takes its triggers with it.
    with connection.schema_editor() as editor:
        editor.add_field(Person, _probe_field())
    assert "people_person" not in installed_triggers(connection)
    emit_post_migrate_signal(0, False, connection.alias)
    assert len(installed_triggers(connection)["people_person"]) == 2
    assert "history_probe" in _trigger_sql("people_person")


@sqlite_only
@pytest.mark.django_db
def test_sqlite_triggers_handle_wide_tables_json_and_binary_columns(new_changes: ChangesSince) -> None:
    # json_object() takes at most 63 pairs; a table of 130 columns is split over json_set calls.
    columns = [f"c{i:03d}" for i in range(130)]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE history_wide (id integer PRIMARY KEY, payload text, secret blob, {})".format(
                ", ".join(f"{c} text" for c in columns)
            )
        )
        tracked = TrackedTable(
            table="history_wide",
            pk_column="id",
            json_columns=frozenset({"payload"}),
            binary_columns=frozenset({"secret"}),
        )
        for statement in sqlite_trigger_statements(connection, tracked, ["id", "payload", "secret", *columns]):
            cursor.execute(statement, None)
        cursor.execute(
            "INSERT INTO history_wide (id, payload, secret, {}) VALUES (7, %s, %s, {})".format(  # noqa: S608
                ", ".join(columns), ", ".join(["%s"] * len(columns))
            ),
            ['{"a": [1, 2]}', b"\x00\xff", *[f"v{i}" for i in range(130)]],
        )
        cursor.execute("UPDATE history_wide SET c129 = 'changed', c000 = 'too'")
        cursor.execute("DELETE FROM history_wide")
    update, delete = new_changes()
    assert update.row_pk == "7"
    assert update.changed_columns == ["c000", "c129"]
    assert update.old_row["c000"] == "v0"
    assert update.old_row["c129"] == "v129"
    assert update.old_row["payload"] == {"a": [1, 2]}
    assert update.old_row["secret"] == "00FF"
    assert len(update.old_row) == 133
    assert delete.old_row["c129"] == "changed"
    assert delete.operation == "delete"
