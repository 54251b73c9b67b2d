"""ID and phone numbers encrypted at rest (issue 19): a department list's rows (FeedRecord) keep the person's
ID number and phone as tokens (households/pii_fields.py); the index of the plain number goes (feed matching
looks members up by keyed hash). Existing rows are encrypted in batches; reversible while the key is at hand."""
import households.pii_fields
from django.db import migrations


def encrypt(apps, schema_editor):
    from households import pii_rows

    for plan in pii_rows.plans([apps.get_model("imports", "FeedRecord")]):
        pii_rows.rewrite_table(plan, encrypted_already=False)


def decrypt(apps, schema_editor):
    from households import pii_rows

    for plan in pii_rows.plans([apps.get_model("imports", "FeedRecord")]):
        pii_rows.decrypt_table(plan)


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0004_feed_kinds_of_seed_004'),
        ('households', '0015_encrypted_columns'),
    ]

    operations = [
        migrations.AlterField(
            model_name='feedrecord',
            name='id_number',
            field=households.pii_fields.EncryptedCharField(max_length=18, verbose_name='身份证号'),
        ),
        migrations.AlterField(
            model_name='feedrecord',
            name='phone',
            field=households.pii_fields.EncryptedCharField(blank=True, max_length=30, verbose_name='联系电话'),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
