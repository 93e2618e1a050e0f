"""A privacy request's free text (extension reason, outcome, what to correct, what was corrected) become encrypted text columns (SECURITY.md R12).

The column is text because it holds the longer ciphertext; the next migration seals the values
already there, and their copies in the change history.
"""

from django.db import migrations

import intreccio.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0001_data_subject_request"),
    ]

    operations = [
        migrations.AlterField(
            model_name="datasubjectrequest",
            name="extension_reason",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="reason for the extension"),
        ),
        migrations.AlterField(
            model_name="datasubjectrequest",
            name="outcome_note",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="outcome"),
        ),
        migrations.AlterField(
            model_name="datasubjectrequest",
            name="rectification_done",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="what was corrected"),
        ),
        migrations.AlterField(
            model_name="datasubjectrequest",
            name="rectification_requested",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="what the person asks to correct"),
        ),
    ]
