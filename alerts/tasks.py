"""Celery tasks: thin wrappers over alerts/jobs.py. Idempotent, so acks_late is safe: a task re-delivered
after its worker died (or the database restarted mid-run) runs again and finds the alerts it already
opened through their unique dedupe keys."""
import datetime as dt

from celery import shared_task
from django.db import DatabaseError, InterfaceError

RETRY = {"autoretry_for": (DatabaseError, InterfaceError), "retry_backoff": 30, "retry_backoff_max": 600,
         "max_retries": 5, "acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="alerts.status_change_scan", **RETRY)
def status_change_scan(since: str | None = None) -> dict:
    """Every half hour: status-change alerts from household events, per the alert rules (情况变化预警)."""
    from .jobs import status_change_scan as run

    return run(dt.datetime.fromisoformat(since) if since else None)


@shared_task(name="alerts.care_agreement_scan", **RETRY)
def care_agreement_scan() -> dict:
    """Every morning: 特困 people cared for at home with no valid care agreement (照料协议缺失或到期)."""
    from .care_jobs import care_agreement_scan as run

    return run()
