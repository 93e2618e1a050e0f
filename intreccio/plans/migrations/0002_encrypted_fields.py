"""Sensitive free text becomes an encrypted text column (SECURITY.md R12).

A former CharField keeps its limit as ``max_length`` (forms and model validation); the column is
text because it holds the longer ciphertext. The next migration seals the values already there.
"""

from django.db import migrations

import intreccio.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_plans_pacts_checkins"),
    ]

    operations = [
        migrations.AlterField(
            model_name="checkin",
            name="outcome",
            field=intreccio.core.fields.EncryptedTextField(verbose_name="outcome"),
        ),
        migrations.AlterField(
            model_name="checkin",
            name="percent_reason",
            field=intreccio.core.fields.EncryptedTextField(
                blank=True, verbose_name="why the percentage differs from the computed one"
            ),
        ),
        migrations.AlterField(
            model_name="commitment",
            name="text",
            field=intreccio.core.fields.EncryptedTextField(verbose_name="commitment"),
        ),
        migrations.AlterField(
            model_name="deviation",
            name="description",
            field=intreccio.core.fields.EncryptedTextField(max_length=400, verbose_name="what deviates"),
        ),
        migrations.AlterField(
            model_name="deviation",
            name="reason",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="goal",
            name="indicator",
            field=intreccio.core.fields.EncryptedTextField(max_length=300, verbose_name="indicator"),
        ),
        migrations.AlterField(
            model_name="goal",
            name="target",
            field=intreccio.core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name="target"),
        ),
        migrations.AlterField(
            model_name="goal",
            name="text",
            field=intreccio.core.fields.EncryptedTextField(verbose_name="goal"),
        ),
        migrations.AlterField(
            model_name="plan",
            name="summary",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="summary of the project"),
        ),
        migrations.AlterField(
            model_name="validation",
            name="note",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="note"),
        ),
    ]
