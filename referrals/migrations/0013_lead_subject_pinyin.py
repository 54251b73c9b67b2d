"""A lead's subject found by pinyin (issue 18): every reading of subject_name kept on the lead, as
Member.name_pinyin is for registered people (households/pinyin.py), filled here for the leads already
registered; the lead writers (services/leads.py) keep it from now on."""
from django.db import migrations, models

FILL_BATCH = 2000


def fill_pinyin(apps, schema_editor):
    from households.pinyin import name_pinyin

    Lead = apps.get_model("referrals", "Lead")
    last = 0
    while True:
        rows = list(Lead.objects.filter(pk__gt=last).exclude(subject_name="").order_by("pk")
                    .only("pk", "subject_name")[:FILL_BATCH])
        if not rows:
            return
        for row in rows:
            row.subject_pinyin = name_pinyin(row.subject_name)
        Lead.objects.bulk_update(rows, ["subject_pinyin"])
        last = rows[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0014_member_name_pinyin'),
        ('referrals', '0012_hukou_alerts_to_hukou_township'),
    ]

    operations = [
        migrations.AddField(
            model_name='lead',
            name='subject_pinyin',
            field=models.CharField(blank=True, default='', editable=False, max_length=500, verbose_name='困难群众姓名拼音'),
        ),
        migrations.RunPython(fill_pinyin, migrations.RunPython.noop, elidable=True),
    ]
