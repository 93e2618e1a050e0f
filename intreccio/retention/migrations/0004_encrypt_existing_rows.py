"""Seal the values already in the columns that 0003_encrypted_fields made encrypted (SECURITY.md R12).

Forward encrypts every plain value with the active field key, in the migration's transaction (values
already sealed under that key are left alone), then does the same inside the change history's copies
of those rows (``history_rowchange.old_row``), which hold the values as they were stored: in clear
before this migration. Backward writes the plain text back into the copies and the rows, so that
0003_encrypted_fields can be reversed. Needs the application's field keys (``INTRECCIO_FIELD_KEYS``).
"""

from django.db import migrations

from intreccio.core.history_keys import encrypt_existing_rows_and_copies

FIELDS = {
    "LegalHold": ["reason", "lift_reason"],
}

forward, backward = encrypt_existing_rows_and_copies("retention", FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0003_encrypted_fields"),
        ("history", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
