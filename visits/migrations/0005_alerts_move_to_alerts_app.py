"""Alerts and alert rules move to the alerts app (issue 13). Their tables stay: visits forgets the models
here (state only), and alerts/migrations/0001_initial.py takes them over, rows and all."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0004_not_seen_no_willingness'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Alert'),
                migrations.DeleteModel(name='AlertRule'),
            ],
            database_operations=[],
        ),
    ]
