"""Sensitive free text becomes an encrypted text column (SECURITY.md R12).

A former CharField keeps its limit as ``max_length`` (forms and model validation); the column is
text because it holds the longer ciphertext. The next migration seals the values already there.
"""

from django.db import migrations

import intreccio.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="closure_reason",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="reason for closing"),
        ),
        migrations.AlterField(
            model_name="casenote",
            name="text",
            field=intreccio.core.fields.EncryptedTextField(verbose_name="text"),
        ),
    ]
