"""Indexes that let the search box's prefix matches (LIKE 'ross%') use an index on either engine.

Django's ``startswith`` is ``LIKE 'x%'``. PostgreSQL can answer it from a plain b-tree only when
the database collation is C; with any other collation (it_IT.UTF-8, en_US.UTF-8…) it needs the
``varchar_pattern_ops`` operator class, which compares bytes whatever the collation. SQLite's
LIKE is case-insensitive, so its planner uses an index only if the index is ``COLLATE NOCASE``.
``Index(opclasses=...)`` is PostgreSQL-only (SQLite silently builds a plain index, useless for
LIKE), hence raw SQL per engine. The indexes live outside the model state on purpose: they are
an engine-specific access path, not part of the schema the models describe.
"""

from django.db import migrations

INDEXES = {
    "person_last_prefix_idx": ("search_last_name", "search_first_name"),
    "person_first_prefix_idx": ("search_first_name",),
    "person_cf_prefix_idx": ("fiscal_code",),
}
# On PostgreSQL Django already adds a varchar_pattern_ops twin ("…_like") to the indexes of
# search_last_name (db_index) and fiscal_code (unique); search_first_name has none, and the
# two-column index lets "surname + name" constrain both columns in one index scan.
POSTGRESQL_INDEXES = ("person_last_prefix_idx", "person_first_prefix_idx")


def create_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        suffix, names = "varchar_pattern_ops", POSTGRESQL_INDEXES
    elif vendor == "sqlite":
        suffix, names = "COLLATE NOCASE", tuple(INDEXES)
    else:
        return
    for name in names:
        spec = ", ".join(f"{column} {suffix}" for column in INDEXES[name])
        schema_editor.execute(f"CREATE INDEX {name} ON people_person ({spec})")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor not in {"postgresql", "sqlite"}:
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
