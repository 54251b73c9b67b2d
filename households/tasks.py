"""Jobs of the registry (run by Celery beat, see CELERY_BEAT_SCHEDULE in relief/settings.py)."""
from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError, InterfaceError

RETRY = {"autoretry_for": (DatabaseError, InterfaceError), "retry_backoff": 30, "retry_backoff_max": 600,
         "max_retries": 5, "acks_late": True, "reject_on_worker_lost": True,
         # A nightly scan of the district takes a minute or two; past these it is stuck, not slow.
         "soft_time_limit": 15 * 60, "time_limit": 17 * 60}


@shared_task(name="households.refresh_assistance_flags", **RETRY)
def refresh_assistance_flags(days: int = 7) -> int:
    """Assistance starts and ends by date with no write: just after midnight, bring the household list's
    current categories up to date for households whose records began or stopped running lately.
    Idempotent (it recomputes from the records), so a re-delivered run changes nothing."""
    from .services import household_refresh_assistance_flags

    return household_refresh_assistance_flags(days=days)
