"""Celery tasks: thin wrappers over visits/jobs.py. All idempotent, so acks_late is safe: a task
re-delivered after its worker died (or the database restarted mid-run) runs again and finds the
alerts it already opened through their unique dedupe keys."""
import datetime as dt

from celery import shared_task
from django.db import DatabaseError, InterfaceError

RETRY = {"autoretry_for": (DatabaseError, InterfaceError), "retry_backoff": 30, "retry_backoff_max": 600,
         "max_retries": 5, "acks_late": True, "reject_on_worker_lost": True,
         # A nightly scan of the district takes a minute or two; past these it is stuck, not slow.
         "soft_time_limit": 15 * 60, "time_limit": 17 * 60}


@shared_task(name="visits.overdue_scan", **RETRY)
def overdue_scan(today: str | None = None) -> dict:
    """Every morning: an alert per overdue roster household (走访逾期预警)."""
    from .jobs import overdue_scan as run

    return run(dt.date.fromisoformat(today) if today else None)


@shared_task(name="visits.township_summaries", **RETRY)
def township_summaries(week_start: str | None = None) -> dict:
    """Monday morning: last week's summary per township (乡镇每周走访汇总)."""
    from .jobs import township_summaries as run

    return run(dt.date.fromisoformat(week_start) if week_start else None)
