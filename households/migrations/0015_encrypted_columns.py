"""ID and phone numbers encrypted at rest (issue 19), step 1 of 3: the columns widen to hold tokens, the unique
and pattern index of the plain ID number go (a random-nonce ciphertext can be neither compared nor searched),
and the keyed-hash columns arrive empty. Step 2 (0016) encrypts the rows; step 3 (0017) makes the full hash
unique and indexes the parts."""
import households.idcard
import households.pii_fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0014_member_name_pinyin'),
    ]

    operations = [
        migrations.RemoveIndex(model_name='member', name='member_id_number_prefix'),
        migrations.AlterField(
            model_name='careagreement',
            name='carer_phone',
            field=households.pii_fields.EncryptedCharField(max_length=30, verbose_name='照料人电话'),
        ),
        migrations.AlterField(
            model_name='household',
            name='phone',
            field=households.pii_fields.EncryptedCharField(blank=True, max_length=30, verbose_name='联系电话'),
        ),
        migrations.AlterField(
            model_name='member',
            name='id_number',
            field=households.pii_fields.EncryptedCharField(max_length=18, validators=[households.idcard.validate_id_number], verbose_name='身份证号'),
        ),
    ] + [
        migrations.AddField(
            model_name='member',
            name=name,
            field=households.pii_fields.IdHashField(default='', part=part, source='id_number', verbose_name=label),
            preserve_default=False,
        )
        for name, part, label in [
            ('id_hash', 'full', '身份证号散列'), ('id_head6', 'head6', '身份证号前6位散列'),
            ('id_tail4', 'tail4', '身份证号后4位散列'), ('id_tail6', 'tail6', '身份证号后6位散列'),
        ]
    ]
