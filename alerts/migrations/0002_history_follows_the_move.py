"""Keep history readable after the move from visits: the content types of Alert and AlertRule (which the
audit log's entries and the permissions point at) take the alerts label, and the beat schedule's stored
status-change task takes its new name. On a new database there is nothing to rename yet."""
from django.db import migrations

MOVED_MODELS = ("alert", "alertrule")
TASK_RENAMES = {"visits.status_change_scan": "alerts.status_change_scan"}
SCHEDULE_RENAMES = {"visits-status-change-scan": "alerts-status-change-scan"}


def _relabel(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED_MODELS:
        # A content type made under the new label before this ran (nothing refers to it yet) gives way.
        if ContentType.objects.filter(app_label=old, model=model).exists():
            ContentType.objects.filter(app_label=new, model=model).delete()
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def _rename_tasks(apps, tasks, schedules):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for old, new in tasks.items():
        PeriodicTask.objects.filter(task=old).update(task=new)
    for old, new in schedules.items():
        if not PeriodicTask.objects.filter(name=new).exists():
            PeriodicTask.objects.filter(name=old).update(name=new)


def forwards(apps, schema_editor):
    _relabel(apps, "visits", "alerts")
    _rename_tasks(apps, TASK_RENAMES, SCHEDULE_RENAMES)


def backwards(apps, schema_editor):
    _relabel(apps, "alerts", "visits")
    _rename_tasks(apps, {v: k for k, v in TASK_RENAMES.items()}, {v: k for k, v in SCHEDULE_RENAMES.items()})


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
