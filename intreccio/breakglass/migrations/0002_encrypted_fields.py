"""The written reason of an emergency access and its review note become encrypted text columns (SECURITY.md R12).

The check that the reason has at least 20 characters cannot read ciphertext: the database now
checks only that there is a reason, and the service (``breakglass_grant_check``) checks its length
on the plain text.

The column is text because it holds the longer ciphertext; the next migration seals the values
already there, and their copies in the change history.
"""

from django.db import migrations, models

import intreccio.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("breakglass", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="breakglassgrant",
            name="breakglass_reason_text_min_length",
        ),
        migrations.AlterField(
            model_name="breakglassgrant",
            name="reason_text",
            field=intreccio.core.fields.EncryptedTextField(verbose_name="what is happening"),
        ),
        migrations.AlterField(
            model_name="breakglassgrant",
            name="review_note",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="review note"),
        ),
        migrations.AddConstraint(
            model_name="breakglassgrant",
            constraint=models.CheckConstraint(
                condition=models.Q(("reason_text", ""), _negated=True), name="breakglass_reason_text_not_blank"
            ),
        ),
    ]
