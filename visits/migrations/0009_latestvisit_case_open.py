from django.db import migrations, models


def fill(apps, schema_editor):
    from visits import latest

    latest.rebuild(None, models={name: apps.get_model(app, name) for app, name in (
        ("visits", "Visit"), ("visits", "LatestVisit"), ("households", "Household"))})


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0008_visit_kind'),
    ]

    operations = [
        migrations.AddField(
            model_name='latestvisit',
            name='case_open',
            field=models.BooleanField(default=False, verbose_name='仍需跟进'),
        ),
        # The follow-up is now kept for every latest visit, not only one that did not see the person.
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
