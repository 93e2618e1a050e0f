"""Seal the values already in the columns that 0003_encrypted_fields made encrypted (SECURITY.md R12).

Forward encrypts every plain value with the active field key, in the migration's transaction; values
already sealed under that key are left alone. Backward writes the plain text back, so that 0003_encrypted_fields
can be reversed. Needs the application's field keys (``INTRECCIO_FIELD_KEYS``).
"""

from django.db import migrations

from intreccio.core.fields import encrypt_existing_rows

FIELDS = {
    "Assessment": ["answers"],
}

forward, backward = encrypt_existing_rows("assessments", FIELDS)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_encrypted_fields")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
