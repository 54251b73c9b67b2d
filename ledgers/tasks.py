"""Celery tasks of the ledgers app: thin and idempotent, they take ids and call a service."""
import datetime as dt

from celery import shared_task
from django.utils import timezone

from relief import jobs

from .models import ExportStatus, LedgerExport


# A 100,000-row ledger is written in a few minutes; the soft limit marks the job failed (处理超时) and
# deletes any partial file, the hard one ends a stuck process.
@shared_task(name="ledgers.run_ledger_export", acks_late=True, soft_time_limit=20 * 60, time_limit=22 * 60)
def run_ledger_export(export_id: str) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    from .services import ledger_export_run

    try:
        ledger_export_run(export_id=export_id)
    except SoftTimeLimitExceeded:
        return  # the job is marked failed with its reason; retrying would only time out again


# Every township's monthly ledger and summary: minutes, not hours.
@shared_task(name="ledgers.close_month", soft_time_limit=60 * 60, time_limit=65 * 60)
def close_month(month: str | None = None, force: bool = False) -> int:
    """Freeze each township's monthly ledger. Beat runs it on days 28–31; it acts on the last day only.

    `month` (YYYY-MM-DD) closes that month at once (used to catch up a missed month).
    """
    from .models import SnapshotKind
    from .services import month_close_all

    today = timezone.localdate()
    if month:
        target = dt.date.fromisoformat(month)
    else:
        if (today + dt.timedelta(days=1)).day != 1 and not force:
            return 0
        target = today.replace(day=1)
    return len(month_close_all(month=target, kind=SnapshotKind.MONTHLY))


@shared_task(name="ledgers.purge_expired_exports", soft_time_limit=10 * 60, time_limit=12 * 60)
def purge_expired_exports() -> int:
    from .services import ledger_exports_purge

    return ledger_exports_purge()


EXPORT_JOB = jobs.JobKind(
    name="ledgers.export", model=LedgerExport, waiting=ExportStatus.PENDING, running=ExportStatus.RUNNING,
    task=run_ledger_export, failed=ExportStatus.FAILED, message_field="error")
JOB_KINDS = [EXPORT_JOB]
