"""Sensitive free text becomes an encrypted text column (SECURITY.md R12).

A former CharField keeps its limit as ``max_length`` (forms and model validation); the column is
text because it holds the longer ciphertext. The next migration seals the values already there.
"""

from django.db import migrations

import intreccio.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_meetings_decisions_mediators"),
    ]

    operations = [
        migrations.AlterField(
            model_name="decision",
            name="text",
            field=intreccio.core.fields.EncryptedTextField(verbose_name="decision"),
        ),
        migrations.AlterField(
            model_name="meeting",
            name="agenda",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="agenda"),
        ),
        migrations.AlterField(
            model_name="meeting",
            name="minutes",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="minutes"),
        ),
    ]
