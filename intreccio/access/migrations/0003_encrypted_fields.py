"""Sensitive free text becomes an encrypted text column (SECURITY.md R12).

A former CharField keeps its limit as ``max_length`` (forms and model validation); the column is
text because it holds the longer ciphertext. The next migration seals the values already there.

The pre-assessment answers (JSON) become one sealed text: the column changes from JSON to text.
"""

from django.db import migrations

import intreccio.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_pre_assessment_form_v1"),
    ]

    operations = [
        migrations.AlterField(
            model_name="intake",
            name="notes",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="intake",
            name="outcome_note",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="outcome note"),
        ),
        migrations.AlterField(
            model_name="intake",
            name="source_detail",
            field=intreccio.core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name="source detail"),
        ),
        migrations.AlterField(
            model_name="intake",
            name="unidentified_description",
            field=intreccio.core.fields.EncryptedTextField(
                blank=True,
                help_text="A short description, e.g. “woman about 40, signalled by the emergency room”.",
                max_length=300,
                verbose_name="who, if not identified",
            ),
        ),
        migrations.AlterField(
            model_name="preassessment",
            name="answers",
            field=intreccio.core.fields.EncryptedJSONField(default=dict, verbose_name="answers"),
        ),
    ]
