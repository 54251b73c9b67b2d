"""The default alert rules (seed 000 §三(一)2), on the table visits then owned (alerts/default_rules.py)."""
from django.db import migrations

from alerts.default_rules import DEFAULT_RULES, create_rules


def add_rules(apps, schema_editor):
    create_rules(apps.get_model("visits", "AlertRule"))


def remove_rules(apps, schema_editor):
    AlertRule = apps.get_model("visits", "AlertRule")
    AlertRule.objects.filter(name__in=[r[0] for r in DEFAULT_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]
    operations = [migrations.RunPython(add_rules, remove_rules)]
