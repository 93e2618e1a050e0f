"""Sensitive free text becomes an encrypted text column (SECURITY.md R12).

A former CharField keeps its limit as ``max_length`` (forms and model validation); the column is
text because it holds the longer ciphertext. The next migration seals the values already there.

SQLite changes a column type by rebuilding the table, which drops the raw prefix-search indexes
of 0002; they are created again here (``IF NOT EXISTS``: PostgreSQL keeps them and is untouched).
"""

from django.db import migrations

import intreccio.core.fields

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
    dependencies = [
        ("people", "0004_income_supports_and_legal_representatives"),
    ]

    operations = [
        # Reversed last: the indexes come back after the table is rebuilt with its old columns.
        migrations.RunPython(migrations.RunPython.noop, recreate_sqlite_indexes),
        migrations.AlterField(
            model_name="household",
            name="address",
            field=intreccio.core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name="address"),
        ),
        migrations.AlterField(
            model_name="person",
            name="domicile_address",
            field=intreccio.core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name="domicile address"),
        ),
        migrations.AlterField(
            model_name="person",
            name="phone",
            field=intreccio.core.fields.EncryptedTextField(blank=True, max_length=40, verbose_name="phone"),
        ),
        migrations.AlterField(
            model_name="person",
            name="residence_address",
            field=intreccio.core.fields.EncryptedTextField(
                blank=True, max_length=200, verbose_name="residence address"
            ),
        ),
        migrations.RunPython(recreate_sqlite_indexes, migrations.RunPython.noop),
    ]
