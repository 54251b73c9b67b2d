"""The visits jobs executed by a real Celery worker through Redis, on committed data."""
import datetime as dt

import pytest

from alerts.models import Alert, AlertKind
from visits.models import TownshipSummary

from .factories import make_roster

pytestmark = [pytest.mark.worker]


def test_jobs_run_on_a_real_worker_and_are_idempotent(celery_worker, demo):
    from visits import tasks

    household = make_roster(demo.village_a, entered_on=dt.date(2024, 1, 1), caseworker=demo.caseworker_a)
    make_roster(demo.village_c, entered_on=dt.date(2024, 1, 1))

    first = tasks.overdue_scan.delay("2024-03-05").get(timeout=60)
    second = tasks.overdue_scan.delay("2024-03-05").get(timeout=60)
    assert first["opened"] == 2 and second["opened"] == 0
    assert Alert.objects.filter(kind=AlertKind.OVERDUE_VISIT).count() == 2
    assert Alert.objects.get(kind=AlertKind.OVERDUE_VISIT, household=household).caseworker == demo.caseworker_a

    tasks.township_summaries.delay("2024-03-04").get(timeout=60)
    tasks.township_summaries.delay("2024-03-04").get(timeout=60)
    assert TownshipSummary.objects.filter(week_start=dt.date(2024, 3, 4)).count() == len(demo.townships)


def test_tasks_are_acks_late_and_retry_on_database_errors():
    from visits import tasks

    for task in (tasks.overdue_scan, tasks.township_summaries):
        assert task.acks_late and task.reject_on_worker_lost
        assert task.max_retries == 5 and task.autoretry_for
