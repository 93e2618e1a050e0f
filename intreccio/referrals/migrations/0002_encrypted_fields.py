"""The referral's free text (reason, override reason, answer, closing note) become encrypted text columns (SECURITY.md R12).

The column is text because it holds the longer ciphertext; the next migration seals the values
already there, and their copies in the change history.
"""

from django.db import migrations

import intreccio.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_referral"),
    ]

    operations = [
        migrations.AlterField(
            model_name="referral",
            name="answer_note",
            field=intreccio.core.fields.EncryptedTextField(blank=True, verbose_name="answer"),
        ),
        migrations.AlterField(
            model_name="referral",
            name="closing_note",
            field=intreccio.core.fields.EncryptedTextField(
                blank=True, verbose_name="outcome or reason for withdrawing"
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="override_reason",
            field=intreccio.core.fields.EncryptedTextField(
                blank=True, verbose_name="why the referral goes without consent"
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="reason",
            field=intreccio.core.fields.EncryptedTextField(verbose_name="reason for the referral"),
        ),
    ]
