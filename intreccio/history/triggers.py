"""The database triggers that write the change history (SECURITY.md R5).

Every table of ours that holds personal data (a model with a field whose category is neither
NONE nor TECHNICAL, see ``intreccio.core.privacy``) gets an AFTER UPDATE and an AFTER DELETE row
trigger that copies the OLD row into ``history_rowchange``. Being in the database, they catch
what model signals miss: ``QuerySet.update()``, ``bulk_update()``, ``QuerySet.delete()`` and raw
SQL. An UPDATE that changes no value writes nothing.

- SQLite: one pair of triggers per table, ``json_object('col', OLD.col, ...)`` over the columns the
  table has in the database when the triggers are made.
- PostgreSQL: one plpgsql function using ``to_jsonb(OLD)``, shared by every table, which also
  records the transaction id.

The triggers are made from the current models and the current tables, not frozen in a migration:
``migrate`` drops them all first (``pre_migrate``), so that no migration copies rows into the
history while it rewrites them and SQLite's ALTER TABLE never trips over a trigger that names a
column being dropped, and makes them again at the end (``post_migrate``), after SQLite's table
rebuilds have dropped them and later migrations have added columns. Test databases are made by
``migrate`` too, so every test database has them.

Columns never copied: an operator's password hash and last login (a login is not a change of the
record, and old password hashes must not outlive the password).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from intreccio.core.privacy import Category, P, intreccio_models

HISTORY_TABLE = "history_rowchange"
UNTRACKED_CATEGORIES = frozenset({Category.NONE, Category.TECHNICAL})
# The audit trail is append-only and chained already; the history does not record itself.
UNTRACKED_APPS = frozenset({"audit", "history"})
# An operator's credentials and login time are not copied (see the module's docstring).
USER_SKIPPED_FIELDS = frozenset({"password", "last_login"})
# Triggers are named with this prefix on SQLite (names are global there) and exactly so on
# PostgreSQL (names are per table there).
SQLITE_PREFIX = "history_capture__"
PG_FUNCTION = "history_capture"
PG_TRIGGERS = {"update": "history_capture_update", "delete": "history_capture_delete"}
# SQLite allows 127 arguments per function call: json_object() takes at most 63 pairs.
SQLITE_PAIRS_PER_CALL = 60


class TriggersUnavailable(RuntimeError):
    """The database engine has no change-history triggers: R5 would silently be lost."""


@dataclass(frozen=True)
class TrackedTable:
    """A table whose UPDATEs and DELETEs are copied into the history."""

    table: str
    pk_column: str
    json_columns: frozenset[str] = frozenset()
    binary_columns: frozenset[str] = frozenset()
    skipped_columns: frozenset[str] = frozenset()


def _is_personal(classification: P | None) -> bool:
    return classification is not None and classification.category not in UNTRACKED_CATEGORIES


def _columns_of_type(model: type[models.Model], internal_type: str) -> frozenset[str]:
    return frozenset(
        f.column for f in model._meta.concrete_fields if f.column and f.get_internal_type() == internal_type
    )


def _skipped_columns(model: type[models.Model]) -> frozenset[str]:
    if not issubclass(model, AbstractBaseUser):
        return frozenset()
    return frozenset(f.column for f in model._meta.concrete_fields if f.column and f.name in USER_SKIPPED_FIELDS)


def tracked_tables() -> list[TrackedTable]:
    """Every table of ours that holds personal data, by table name.

    A model's table is tracked when any of its fields is classified in a personal category; the
    table behind a plain many-to-many field when that field is.
    """
    found: dict[str, TrackedTable] = {}
    for model in intreccio_models():
        meta = model._meta
        if meta.app_label in UNTRACKED_APPS or meta.proxy or not meta.managed:
            continue
        declared: dict[str, P] = getattr(model, "privacy", {})
        if any(_is_personal(declared.get(f.name)) for f in meta.concrete_fields):
            found[meta.db_table] = TrackedTable(
                table=meta.db_table,
                pk_column=(meta.pk.column if meta.pk is not None else None) or "id",
                json_columns=_columns_of_type(model, "JSONField"),
                binary_columns=_columns_of_type(model, "BinaryField"),
                skipped_columns=_skipped_columns(model),
            )
        for m2m in meta.local_many_to_many:
            through = m2m.remote_field.through
            if isinstance(through, type) and through._meta.auto_created and _is_personal(declared.get(m2m.name)):
                found[through._meta.db_table] = TrackedTable(table=through._meta.db_table, pk_column="id")
    return [found[name] for name in sorted(found)]


# --- SQL -----------------------------------------------------------------------------------------


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _json_path(column: str) -> str:
    return '$."' + column + '"'


def _json_item(column: str) -> str:
    """One element of a JSON array of names, with its trailing comma."""
    return '"' + column + '",'


def _sqlite_value(connection: BaseDatabaseWrapper, tracked: TrackedTable, column: str) -> str:
    old = f"OLD.{connection.ops.quote_name(column)}"
    if column in tracked.json_columns:
        return f"json({old})"  # nested JSON, as to_jsonb gives on PostgreSQL
    if column in tracked.binary_columns:
        return f"hex({old})"  # JSON cannot hold a BLOB
    return old


def _sqlite_old_row(connection: BaseDatabaseWrapper, tracked: TrackedTable, columns: list[str]) -> str:
    chunks = [columns[i : i + SQLITE_PAIRS_PER_CALL] for i in range(0, len(columns), SQLITE_PAIRS_PER_CALL)]
    first, rest = chunks[0], chunks[1:]
    expression = "json_object({})".format(
        ", ".join(f"{_literal(c)}, {_sqlite_value(connection, tracked, c)}" for c in first)
    )
    for chunk in rest:
        expression = "json_set({}, {})".format(
            expression,
            ", ".join(f"{_literal(_json_path(c))}, {_sqlite_value(connection, tracked, c)}" for c in chunk),
        )
    return expression


def _sqlite_changed(connection: BaseDatabaseWrapper, column: str) -> str:
    quoted = connection.ops.quote_name(column)
    return f"OLD.{quoted} IS NOT NEW.{quoted}"


def sqlite_trigger_statements(
    connection: BaseDatabaseWrapper, tracked: TrackedTable, table_columns: list[str]
) -> list[str]:
    """CREATE TRIGGER statements for one table, over the columns it has now."""
    columns = sorted(c for c in table_columns if c not in tracked.skipped_columns)
    table = connection.ops.quote_name(tracked.table)
    history = connection.ops.quote_name(HISTORY_TABLE)
    old_row = _sqlite_old_row(connection, tracked, columns)
    pk = f"CAST(OLD.{connection.ops.quote_name(tracked.pk_column)} AS TEXT)"
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    insert = (
        f"INSERT INTO {history} (table_name, row_pk, operation, changed_at, old_row, changed_columns, transaction_id)"
    )
    changed_list = " || ".join(
        f"CASE WHEN {_sqlite_changed(connection, c)} THEN {_literal(_json_item(c))} ELSE '' END" for c in columns
    )
    any_change = " OR ".join(_sqlite_changed(connection, c) for c in columns)
    update_name = connection.ops.quote_name(f"{SQLITE_PREFIX}{tracked.table}_update")
    delete_name = connection.ops.quote_name(f"{SQLITE_PREFIX}{tracked.table}_delete")
    return [
        f"CREATE TRIGGER {update_name} AFTER UPDATE ON {table} FOR EACH ROW WHEN {any_change} BEGIN "
        f"{insert} VALUES ({_literal(tracked.table)}, {pk}, 'update', {now}, {old_row}, "
        f"json('[' || rtrim({changed_list}, ',') || ']'), NULL); END",
        f"CREATE TRIGGER {delete_name} AFTER DELETE ON {table} FOR EACH ROW BEGIN "
        f"{insert} VALUES ({_literal(tracked.table)}, {pk}, 'delete', {now}, {old_row}, NULL, NULL); END",
    ]


# TG_ARGV[0]: the primary-key column; TG_ARGV[1]: the columns never copied, comma-separated.
# Formatted from module constants only (no input reaches it): S608 and bandit's B608 do not apply.
POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    skipped text[] := string_to_array(TG_ARGV[1], ',');
    old_row jsonb := to_jsonb(OLD) - skipped;
    new_row jsonb;
    changed jsonb := NULL;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        new_row := to_jsonb(NEW) - skipped;
        SELECT jsonb_agg(k ORDER BY k) INTO changed
          FROM jsonb_object_keys(old_row) AS k
         WHERE old_row -> k IS DISTINCT FROM new_row -> k;
        IF changed IS NULL THEN
            RETURN NULL;  -- nothing changed: nothing to remember
        END IF;
    END IF;
    INSERT INTO {HISTORY_TABLE} (table_name, row_pk, operation, changed_at, old_row, changed_columns, transaction_id)
    VALUES (TG_TABLE_NAME, old_row ->> TG_ARGV[0], lower(TG_OP), statement_timestamp(), old_row, changed,
            txid_current());
    RETURN NULL;
END
$$
"""  # noqa: S608  # nosec B608


def postgres_trigger_statements(connection: BaseDatabaseWrapper, tracked: TrackedTable) -> list[str]:
    table = connection.ops.quote_name(tracked.table)
    args = f"{_literal(tracked.pk_column)}, {_literal(','.join(sorted(tracked.skipped_columns)))}"
    return [
        f"CREATE TRIGGER {PG_TRIGGERS[op]} AFTER {op.upper()} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}({args})"
        for op in ("update", "delete")
    ]


# --- install and remove --------------------------------------------------------------------------


def _require_supported(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor not in ("sqlite", "postgresql"):
        raise TriggersUnavailable(f"Change-history triggers are not available for the {connection.vendor!r} database.")


def _execute(cursor: Any, statements: list[str]) -> None:
    for statement in statements:
        # params=None: the SQL holds "%" (strftime) that must not be read as a placeholder.
        cursor.execute(statement, None)


def installed_triggers(connection: BaseDatabaseWrapper) -> dict[str, list[str]]:
    """Table name → names of the history triggers it has now."""
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name GLOB %s ORDER BY name",
                [f"{SQLITE_PREFIX}*"],
            )
        else:
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgname = ANY(%s) AND pg_table_is_visible(c.oid) ORDER BY t.tgname",
                [list(PG_TRIGGERS.values())],
            )
        for table, name in cursor.fetchall():
            found.setdefault(table, []).append(name)
    return found


def remove_triggers(connection: BaseDatabaseWrapper) -> None:
    """Drop every history trigger (the PostgreSQL function stays: it is replaced on install)."""
    _require_supported(connection)
    existing = installed_triggers(connection)
    with connection.cursor() as cursor:
        for table, names in existing.items():
            for name in names:
                if connection.vendor == "sqlite":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {connection.ops.quote_name(name)}")
                else:
                    cursor.execute(
                        f"DROP TRIGGER IF EXISTS {connection.ops.quote_name(name)} "
                        f"ON {connection.ops.quote_name(table)}"
                    )


def install_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    """Drop and make again the triggers of every tracked table that exists; return those tables.

    Nothing is installed while the history table itself does not exist (before its first
    migration, or after ``migrate history zero``).
    """
    _require_supported(connection)
    remove_triggers(connection)
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        if HISTORY_TABLE not in existing:
            return []
        tables = [t for t in tracked_tables() if t.table in existing]
        if connection.vendor == "postgresql":
            _execute(cursor, [POSTGRES_FUNCTION])
        for tracked in tables:
            if connection.vendor == "sqlite":
                columns = [c.name for c in connection.introspection.get_table_description(cursor, tracked.table)]
                _execute(cursor, sqlite_trigger_statements(connection, tracked, columns))
            else:
                _execute(cursor, postgres_trigger_statements(connection, tracked))
    return [t.table for t in tables]


def tables_without_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    """Tracked tables that exist but lack one of their two history triggers (none are expected)."""
    _require_supported(connection)
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    if HISTORY_TABLE not in existing:
        return sorted(t.table for t in tracked_tables() if t.table in existing)
    installed = installed_triggers(connection)
    return [t.table for t in tracked_tables() if t.table in existing and len(installed.get(t.table, [])) < 2]
