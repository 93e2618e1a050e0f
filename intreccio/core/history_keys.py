"""Encrypted values inside the change history's row copies, and their re-encryption (SECURITY.md R5, R12).

``history_rowchange.old_row`` keeps each row as it was stored before an UPDATE or a DELETE (see
``intreccio.history.triggers``), so the columns of encrypted fields hold ``enc1:<key id>:…`` sealed
under the key that was active then, and a copy made before a column became encrypted holds its
value in clear. For an old key to be destroyed these copies must move to the active key too:
``manage.py rotate_keys`` does it after the columns themselves, and the migrations that make a
column encrypted seal its copies with ``encrypt_existing_rows_and_copies``.

The rules are those of ``intreccio.core.fields.reencrypt_field``: the copies of one table are
taken in batches by primary key, each batch one transaction that locks its rows, so a run stopped
at any point leaves every value opening with the keyring and a new run picks up what is left;
values that do not open are reported and left as they are; values in clear are sealed. A value
sealed for one column is bound to that column (its context is ``<app_label>.<model>.<field>``),
so the copy's table and column name the context.

Only the encrypted values of a copy are rewritten, by a JSON merge in SQL (``old_row || patch`` on
PostgreSQL, ``json_patch`` on SQLite): every other value keeps its stored form exactly. The history
table has no history triggers, so rewriting it adds no copies.

The history model is passed in (the command looks it up, a migration passes its historical model):
this module of ``core`` imports nothing of the history app.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router, transaction
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Substr

from intreccio.core import crypto
from intreccio.core.fields import EncryptedJSONField, Reencryption, encrypt_existing_rows

HISTORY_APP = "history"
HISTORY_MODEL = "RowChange"


@dataclass(frozen=True)
class SealedColumn:
    """A column of an encrypted field, as named in a copy of its table's rows."""

    label: str  # app.Model.field
    context: str  # what its values are bound to: app_label.model.field
    json: bool  # an EncryptedJSONField: a copy made before it was sealed holds a JSON value


Columns = Mapping[str, SealedColumn]


def sealed_columns(
    pairs: Iterable[tuple[type[models.Model], models.Field[Any, Any]]],
) -> dict[str, dict[str, SealedColumn]]:
    """Table name → column → how its values are sealed, for the (model, field) pairs given."""
    tables: dict[str, dict[str, SealedColumn]] = {}
    for model, model_field in pairs:
        meta = model._meta
        column = model_field.column or model_field.name
        tables.setdefault(meta.db_table, {})[column] = SealedColumn(
            label=f"{meta.app_label}.{meta.object_name}.{model_field.name}",
            context=f"{meta.label_lower}.{model_field.name}",
            json=isinstance(model_field, EncryptedJSONField),
        )
    return {table: tables[table] for table in sorted(tables)}


def history_model(app_registry: Any) -> type[models.Model] | None:
    """The change-history model of ``app_registry`` (the project's apps or a migration's), if any."""
    try:
        model: type[models.Model] = app_registry.get_model(HISTORY_APP, HISTORY_MODEL)
    except LookupError:
        return None
    return model


def history_label(row_change: type[models.Model], table: str) -> str:
    return f"{row_change._meta.app_label}.{row_change._meta.object_name}.old_row[{table}]"


def _copied(column: str) -> Cast:
    """One column's value in a copy, as text (compared as text: a KT's exact lookup reads JSON)."""
    return Cast(KT(f"old_row__{column}"), output_field=models.TextField())


def _non_empty(name: str) -> Q:
    return Q(**{f"{name}__isnull": False}) & ~Q(**{name: ""})


def _copies(row_change: type[models.Model], table: str, columns: Columns) -> models.QuerySet[Any]:
    """The copies of ``table`` with a non-empty value in at least one of ``columns``, with those values as text."""
    rows = row_change._base_manager.filter(table_name=table)
    condition = Q()
    for index, column in enumerate(columns):
        rows = rows.annotate(**{f"_v{index}": _copied(column)})
        condition |= _non_empty(f"_v{index}")
    return rows.filter(condition)


def _pending(row_change: type[models.Model], table: str, columns: Columns, active_prefix: str) -> models.QuerySet[Any]:
    """The copies holding a value not under the active key yet (plain text included)."""
    rows = row_change._base_manager.filter(table_name=table)
    condition = Q()
    for index, column in enumerate(columns):
        value = f"_v{index}"
        # An equality on the head, not LIKE: SQLite's LIKE ignores case, key ids do not.
        rows = rows.annotate(**{value: _copied(column)}).annotate(
            **{f"_h{index}": Substr(value, 1, len(active_prefix))}
        )
        condition |= _non_empty(value) & ~Q(**{f"_h{index}": active_prefix})
    return rows.filter(condition)


def _plain_text(value: Any, sealed: SealedColumn) -> str | None:
    """The text to seal for a value found in clear, or None when it is not one the field could hold."""
    if isinstance(value, str):
        return value
    if sealed.json:
        return json.dumps(value, ensure_ascii=False)
    return None


def _write(row_change: type[models.Model], pk: Any, patch: dict[str, str]) -> None:
    """Merge ``patch`` into one copy's ``old_row`` in SQL, leaving every other value as stored."""
    connection = connections[router.db_for_write(row_change)]
    table = connection.ops.quote_name(row_change._meta.db_table)
    column = connection.ops.quote_name("old_row")
    pk_column = connection.ops.quote_name("id")
    merged = f"{column} || %s::jsonb" if connection.vendor == "postgresql" else f"json_patch({column}, %s)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = {merged} WHERE {pk_column} = %s",  # noqa: S608  # nosec B608 - quoted model names, values bound
            [json.dumps(patch, ensure_ascii=False), pk],
        )


def reencrypt_copies(
    row_change: type[models.Model],
    table: str,
    columns: Columns,
    *,
    keyring: crypto.Keyring | None = None,
    batch_size: int = 500,
    limit: int | None = None,
    on_batch: Callable[[Reencryption], None] | None = None,
) -> Reencryption:
    """Seal under the active key every value of ``columns`` in the copies of ``table`` that is not under it.

    ``batch_size`` counts copies, ``limit`` values (a planned pause, and how tests interrupt a run).
    """
    ring = keyring or crypto.current_keyring()
    result = Reencryption(label=history_label(row_change, table))
    pending = _pending(row_change, table, columns, f"{crypto.PREFIX}:{ring.active_id}:").order_by("pk")
    last_pk: Any = None
    while not result.stopped_at_limit:
        if limit is not None and result.done >= limit:
            result.stopped_at_limit = True
            break
        with transaction.atomic(using=router.db_for_write(row_change)):
            batch = pending if last_pk is None else pending.filter(pk__gt=last_pk)
            rows = list(batch.select_for_update().values_list("pk", "old_row")[:batch_size])
            if not rows:
                break
            for pk, old_row in rows:
                last_pk = pk
                patch: dict[str, str] = {}
                for column, sealed in columns.items():
                    if limit is not None and result.done >= limit:
                        result.stopped_at_limit = True
                        break
                    value = old_row.get(column) if isinstance(old_row, dict) else None
                    if value is None or value == "":
                        continue
                    if isinstance(value, str) and crypto.is_token(value):
                        kid = crypto.token_key_id(value)
                        if kid == ring.active_id:
                            continue
                        try:
                            plain = crypto.decrypt(value, context=sealed.context, keyring=ring)
                        except crypto.DecryptionError as exc:
                            result.unreadable.append((pk, str(exc)))
                            continue
                        result.from_keys[kid or "?"] += 1
                        result.resealed += 1
                    else:
                        text = _plain_text(value, sealed)
                        if text is None:
                            result.unreadable.append((pk, f"the copy of {sealed.label} is not a text value"))
                            continue
                        plain = text
                        result.sealed_plaintext += 1
                    patch[column] = crypto.encrypt(plain, context=sealed.context, keyring=ring)
                if patch:
                    _write(row_change, pk, patch)
                if result.stopped_at_limit:
                    break
        result.batches += 1
        if on_batch is not None:
            on_batch(result)
    return result


def count_copies_by_key(
    row_change: type[models.Model], table: str, columns: Columns, *, keyring: crypto.Keyring | None = None
) -> tuple[Counter[str], list[tuple[Any, str]]]:
    """How many values of ``columns`` in the copies of ``table`` each key id seals (``""``: in clear), and those
    that do not open."""
    ring = keyring or crypto.current_keyring()
    counts: Counter[str] = Counter()
    unreadable: list[tuple[Any, str]] = []
    rows = _copies(row_change, table, columns).order_by("pk").values_list("pk", "old_row")
    for pk, old_row in rows.iterator(chunk_size=2000):
        for column, sealed in columns.items():
            value = old_row.get(column) if isinstance(old_row, dict) else None
            if value is None or value == "":
                continue
            if not (isinstance(value, str) and crypto.is_token(value)):
                counts[""] += 1  # in clear: rotate_keys seals it
                continue
            counts[crypto.token_key_id(value) or ""] += 1
            try:
                crypto.decrypt(value, context=sealed.context, keyring=ring)
            except crypto.DecryptionError as exc:
                unreadable.append((pk, str(exc)))
    return counts, unreadable


def open_copies(row_change: type[models.Model], table: str, columns: Columns) -> int:
    """Write the plain text back into the copies (a migration's way back); returns how many values."""
    opened = 0
    rows = _copies(row_change, table, columns).order_by("pk").values_list("pk", "old_row")
    for pk, old_row in list(rows):
        patch: dict[str, str] = {}
        for column, sealed in columns.items():
            value = old_row.get(column) if isinstance(old_row, dict) else None
            if isinstance(value, str) and crypto.is_token(value):
                patch[column] = crypto.decrypt(value, context=sealed.context)
        if patch:
            _write(row_change, pk, patch)
            opened += len(patch)
    return opened


# --- migrations ---------------------------------------------------------------------------------


def encrypt_existing_rows_and_copies(app_label: str, model_fields: dict[str, list[str]]) -> tuple[Any, Any]:
    """``encrypt_existing_rows`` (``intreccio.core.fields``), plus the change history's copies of those columns.

    A migration that uses it depends on the history app's first migration. Forward seals the values
    in the rows and then in their copies (copies made before the column was encrypted hold them in
    clear); backward opens the copies, then the rows, so that the columns can be plain again.
    """
    rows_forward, rows_backward = encrypt_existing_rows(app_label, model_fields)

    def _tables(apps: Any) -> dict[str, dict[str, SealedColumn]]:
        pairs = []
        for model_name, names in model_fields.items():
            model = apps.get_model(app_label, model_name)
            pairs += [(model, model._meta.get_field(name)) for name in names]
        return sealed_columns(pairs)

    def forward(apps: Any, schema_editor: Any) -> None:
        rows_forward(apps, schema_editor)
        row_change = history_model(apps)
        if row_change is None:
            return
        for table, columns in _tables(apps).items():
            result = reencrypt_copies(row_change, table, columns)
            if result.unreadable:
                raise RuntimeError(f"{result.label}: {len(result.unreadable)} values do not open with the keyring")

    def backward(apps: Any, schema_editor: Any) -> None:
        row_change = history_model(apps)
        if row_change is not None:
            for table, columns in _tables(apps).items():
                open_copies(row_change, table, columns)
        rows_backward(apps, schema_editor)

    return forward, backward
