"""Assessment answers, free-text notes included, become an encrypted column (SECURITY.md R12).

The JSON column becomes a text column holding one sealed JSON text; the next migration seals the
answers already there.
"""

from django.db import migrations

import intreccio.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_tools_v1"),
    ]

    operations = [
        migrations.AlterField(
            model_name="assessment",
            name="answers",
            field=intreccio.core.fields.EncryptedJSONField(default=dict, verbose_name="answers"),
        ),
    ]
