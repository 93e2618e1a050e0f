"""A legal hold's reason and reason for lifting (they name proceedings: judicial data) become encrypted text columns (SECURITY.md R12).

The column is text because it holds the longer ciphertext; the next migration seals the values
already there, and their copies in the change history.
"""

from django.db import migrations

import intreccio.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0002_anonymisation_reason"),
    ]

    operations = [
        migrations.AlterField(
            model_name="legalhold",
            name="lift_reason",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="reason for lifting"),
        ),
        migrations.AlterField(
            model_name="legalhold",
            name="reason",
            field=intreccio.core.fields.EncryptedTextField(
                help_text="The proceeding or request that needs the data kept, e.g. a court file number.",
                verbose_name="reason",
            ),
        ),
    ]
