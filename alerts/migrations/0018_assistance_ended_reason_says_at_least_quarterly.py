"""The default rule 救助终止 said 转入每季度回访 ("moved to quarterly visits") also to a family on the roster, whose
visits stay monthly: it now says 请至少每季度回访一次, true of both. A rule an administrator rewrote is left as it is."""
from django.db import migrations

OLD = "救助终止（{old}），转入每季度回访"
NEW = "救助终止（{old}），请至少每季度回访一次"


def forwards(apps, schema_editor):
    apps.get_model("alerts", "AlertRule").objects.filter(event_kind="assistance_ended", reason=OLD).update(reason=NEW)


def backwards(apps, schema_editor):
    apps.get_model("alerts", "AlertRule").objects.filter(event_kind="assistance_ended", reason=NEW).update(reason=OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0017_details_changed_event_kind'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
