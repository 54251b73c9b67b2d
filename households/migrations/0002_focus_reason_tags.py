from django.db import migrations

CODES = ["elderly_alone", "disabled", "cannot_self_care", "serious_illness", "dibao_edge", "expenditure_hardship",
         "relapse_risk", "refused_or_exited", "hotline_petitioner", "unemployed", "heavy_medical", "disaster", "other"]


def add_tags(apps, schema_editor):
    tag = apps.get_model("households", "FocusReasonTag")
    for code in CODES:
        tag.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]
    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
