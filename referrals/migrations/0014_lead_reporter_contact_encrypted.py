"""Phone numbers encrypted at rest (issue 19): a lead's reporter contact is kept as a token
(households/pii_fields.py). Existing rows are encrypted in batches; reversible while the key is at hand."""
import households.pii_fields
from django.db import migrations


def encrypt(apps, schema_editor):
    from households import pii_rows

    for plan in pii_rows.plans([apps.get_model("referrals", "Lead")]):
        pii_rows.rewrite_table(plan, encrypted_already=False)


def decrypt(apps, schema_editor):
    from households import pii_rows

    for plan in pii_rows.plans([apps.get_model("referrals", "Lead")]):
        pii_rows.decrypt_table(plan)


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0013_lead_subject_pinyin'),
        ('households', '0015_encrypted_columns'),
    ]

    operations = [
        migrations.AlterField(
            model_name='lead',
            name='reporter_contact',
            field=households.pii_fields.EncryptedCharField(blank=True, max_length=50, verbose_name='反映人联系方式'),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
