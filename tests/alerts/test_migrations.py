"""A database from before the move keeps its history: audit entries of alerts still name alerts, and the
beat schedule's stored status-change task runs under its new name."""
import importlib

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from alerts.models import Alert

pytestmark = pytest.mark.django_db
move = importlib.import_module("alerts.migrations.0002_history_follows_the_move")


@pytest.fixture(autouse=True)
def _forget_content_types():
    """The test renames content types in a transaction that is rolled back: the cache must not outlive it."""
    yield
    ContentType.objects.clear_cache()


def test_audit_entries_and_the_stored_schedule_follow_the_alerts_to_their_app(demo):
    # As a database migrated before the move has them: the content type under visits, the task by its old name.
    ContentType.objects.filter(app_label="alerts", model="alert").delete()
    old_type = ContentType.objects.create(app_label="visits", model="alert")
    entry = LogEntry.objects.create(content_type=old_type, object_pk="7", object_repr="走访逾期 · 7",
                                    action=LogEntry.Action.CREATE)
    PeriodicTask.objects.create(name="visits-status-change-scan", task="visits.status_change_scan",
                                crontab=CrontabSchedule.objects.create(minute="*/30"))

    move.forwards(apps, None)
    ContentType.objects.clear_cache()

    entry.refresh_from_db()
    assert (entry.content_type.app_label, entry.content_type.model) == ("alerts", "alert")
    assert entry.content_type == ContentType.objects.get_for_model(Alert)
    assert not ContentType.objects.filter(app_label="visits", model="alert").exists()
    task = PeriodicTask.objects.get(task="alerts.status_change_scan")
    assert task.name == "alerts-status-change-scan"
    assert not PeriodicTask.objects.filter(task="visits.status_change_scan").exists()


def test_a_new_database_has_nothing_to_rename(demo):
    before = set(ContentType.objects.values_list("app_label", "model"))
    move.forwards(apps, None)
    assert set(ContentType.objects.values_list("app_label", "model")) == before
    assert ("alerts", "alertrule") in before and ("visits", "alertrule") not in before
