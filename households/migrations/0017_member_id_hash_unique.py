"""ID and phone numbers encrypted at rest, step 3 of 3: an ID number is registered once in the whole database,
now by its keyed hash; the parts searched (first 6, last 4, last 6) are indexed."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0016_encrypt_existing_rows'),
    ]

    operations = [
        migrations.AddIndex(model_name='member', index=models.Index(fields=['id_head6'], name='member_id_head6')),
        migrations.AddIndex(model_name='member', index=models.Index(fields=['id_tail4'], name='member_id_tail4')),
        migrations.AddIndex(model_name='member', index=models.Index(fields=['id_tail6'], name='member_id_tail6')),
        migrations.AddConstraint(
            model_name='member',
            constraint=models.UniqueConstraint(fields=('id_hash',), name='member_id_number_unique'),
        ),
    ]
