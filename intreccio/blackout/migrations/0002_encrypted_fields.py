"""A blackout's request reference and reason for lifting become encrypted text columns (SECURITY.md R12).

The reference keeps its former limit of 60 characters as ``max_length`` (forms and model
validation).

The column is text because it holds the longer ciphertext; the next migration seals the values
already there, and their copies in the change history.
"""

from django.db import migrations

import intreccio.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("blackout", "0001_blackout"),
    ]

    operations = [
        migrations.AlterField(
            model_name="blackout",
            name="lift_reason",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="why it was lifted"),
        ),
        migrations.AlterField(
            model_name="blackout",
            name="request_reference",
            field=intreccio.core.fields.EncryptedTextField(max_length=60, verbose_name="reference of the request"),
        ),
    ]
