"""Celery tasks of the ledgers app: thin and idempotent, they take ids and call a service."""
import datetime as dt

from celery import shared_task
from django.utils import timezone


@shared_task(name="ledgers.run_ledger_export", acks_late=True)
def run_ledger_export(export_id: str) -> None:
    from .services import ledger_export_run

    ledger_export_run(export_id=export_id)


@shared_task(name="ledgers.close_month")
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


@shared_task(name="ledgers.purge_expired_exports")
def purge_expired_exports() -> int:
    from .services import ledger_exports_purge

    return ledger_exports_purge()
