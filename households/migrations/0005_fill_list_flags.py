"""Fill the household list's kept copies (categories, roster kind and reasons, observation review date)
from the assistance, roster and observation records already in the database."""
from django.db import migrations
from django.utils import timezone


def fill(apps, schema_editor):
    from households import flags

    models = {name: apps.get_model("households", name)
              for name in ("Household", "AssistanceRecord", "RosterEntry", "ObservationEntry")}
    flags.refresh(None, on=timezone.localdate(), models=models)


class Migration(migrations.Migration):
    dependencies = [("households", "0004_list_flags")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
