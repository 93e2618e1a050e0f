"""Admit the 11-digit temporary codice fiscale (persons awaiting the definitive one).

SQLite changes a constraint by rebuilding the table, which drops the raw prefix-search indexes of
0002; they are created again here (``IF NOT EXISTS``, so PostgreSQL, which keeps them, is untouched).
"""

from django.db import migrations, models

SQLITE_INDEXES = {
    "person_last_prefix_idx": ("search_last_name", "search_first_name"),
    "person_first_prefix_idx": ("search_first_name",),
    "person_cf_prefix_idx": ("fiscal_code",),
}


def recreate_sqlite_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, columns in SQLITE_INDEXES.items():
        spec = ", ".join(f"{column} COLLATE NOCASE" for column in columns)
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON people_person ({spec})")


class Migration(migrations.Migration):
    dependencies = [("people", "0002_person_prefix_search_indexes")]

    operations = [
        migrations.RemoveConstraint(model_name="person", name="person_fiscal_code_format"),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("fiscal_code__isnull", True), ("fiscal_code__regex", "^([A-Z0-9]{16}|[0-9]{11})$"), _connector="OR"
                ),
                name="person_fiscal_code_format",
            ),
        ),
        migrations.RunPython(recreate_sqlite_indexes, migrations.RunPython.noop),
    ]
