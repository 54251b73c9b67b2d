"""The status-change scan executed by a real Celery worker through Redis, on committed data."""
import pytest

from alerts.models import Alert, AlertKind
from households.models import EventKind, HouseholdEvent
from tests.visits.factories import make_roster

pytestmark = [pytest.mark.worker]


def test_the_status_change_scan_runs_on_a_real_worker_and_is_idempotent(celery_worker, demo):
    from alerts import tasks

    household = make_roster(demo.village_a, caseworker=demo.caseworker_a)
    HouseholdEvent.objects.create(household=household, kind=EventKind.DISASTER, new_value="暴雨致房屋漏水")

    assert tasks.status_change_scan.delay().get(timeout=60)["opened"] == 1
    assert tasks.status_change_scan.delay().get(timeout=60)["opened"] == 0
    alert = Alert.objects.get(kind=AlertKind.STATUS_CHANGE)
    assert "暴雨致房屋漏水" in alert.reason and alert.caseworker == demo.caseworker_a


def test_the_task_is_acks_late_and_retries_on_database_errors():
    from alerts import tasks

    task = tasks.status_change_scan
    assert task.name == "alerts.status_change_scan"
    assert task.acks_late and task.reject_on_worker_lost
    assert task.max_retries == 5 and task.autoretry_for
