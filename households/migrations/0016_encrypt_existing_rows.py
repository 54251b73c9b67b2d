"""ID and phone numbers encrypted at rest, step 2 of 3: every member's ID number, every household's phone and
every carer's phone encrypted under the current key (RELIEF_DATA_KEY), the ID numbers' keyed hashes filled, in
batches (households/pii_rows.py, shared with the rotate_data_key command). Reversible while the key is at hand:
the tokens are decrypted back into the columns (the hashes emptied), which step 1 then narrows again."""
from django.db import migrations

MODELS = ("Member", "Household", "CareAgreement")


def encrypt(apps, schema_editor):
    from households import pii_rows

    for plan in pii_rows.plans([apps.get_model("households", name) for name in MODELS]):
        pii_rows.rewrite_table(plan, encrypted_already=False)


def decrypt(apps, schema_editor):
    from households import pii_rows

    for plan in pii_rows.plans([apps.get_model("households", name) for name in MODELS]):
        pii_rows.decrypt_table(plan)


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0015_encrypted_columns'),
    ]

    operations = [migrations.RunPython(encrypt, decrypt)]
