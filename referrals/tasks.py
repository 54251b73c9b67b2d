"""Deadline alerts for referrals (run daily by Celery beat, see CELERY_BEAT_SCHEDULE).

Opens, through alerts.services.alert_open, one alert per referral past its deadline (转办超期) and one per
help-first case whose paperwork is late (先行救助补办手续超期). The dedupe key names the occurrence (referral
and deadline), so a run repeated the same day — or a task re-delivered after a worker died — opens nothing
twice; a new deadline set after a return is a new occurrence and gets its own alert.
"""
from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import DatabaseError, InterfaceError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Referral

RETRY = {"autoretry_for": (DatabaseError, InterfaceError), "retry_backoff": 30, "retry_backoff_max": 600,
         "max_retries": 5, "acks_late": True, "reject_on_worker_lost": True,
         # A nightly scan of the district takes a minute or two; past these it is stuck, not slow.
         "soft_time_limit": 15 * 60, "time_limit": 17 * 60}


def overdue_key(referral_id: int, deadline: dt.date) -> str:
    """One occurrence of a referral past its deadline (a new deadline is a new occurrence)."""
    return f"referral_overdue:{referral_id}:{deadline:%Y-%m-%d}"


def paperwork_key(referral_id: int, due: dt.date) -> str:
    return f"help_first_late:{referral_id}:{due:%Y-%m-%d}"


def deadline_alerts(today: dt.date | None = None) -> dict:
    """Open the alerts due today; returns how many were opened and how many already existed."""
    from alerts.models import AlertKind
    from alerts.services import alert_open

    today = today or timezone.localdate()
    opened = existing = 0
    overdue = (Referral.objects.overdue(today)
               .select_related("household").only("pk", "deadline", "department", "status", "household"))
    for referral in overdue.iterator(chunk_size=500):
        with transaction.atomic():
            _alert, created = alert_open(
                kind=AlertKind.REFERRAL_OVERDUE, household=referral.household,
                reason=_("转办%(pk)s交%(dept)s办理，期限%(deadline)s已过，尚未办结（%(status)s）。") % {
                    "pk": referral.pk, "dept": referral.get_department_display() or _("乡镇"),
                    "deadline": referral.deadline, "status": referral.get_status_display()},
                dedupe_key=overdue_key(referral.pk, referral.deadline),
                source_ref=f"referral:{referral.pk}")
        opened, existing = opened + created, existing + (not created)
    late = (Referral.objects.paperwork_late(today)
            .select_related("household").only("pk", "paperwork_due", "help_first_amount", "household"))
    for referral in late.iterator(chunk_size=500):
        with transaction.atomic():
            _alert, created = alert_open(
                kind=AlertKind.HELP_FIRST_PAPERWORK_LATE, household=referral.household,
                reason=_("转办%(pk)s已先行救助%(amount)s元，补办手续期限%(due)s已过。") % {
                    "pk": referral.pk, "amount": referral.help_first_amount, "due": referral.paperwork_due},
                dedupe_key=paperwork_key(referral.pk, referral.paperwork_due),
                source_ref=f"referral:{referral.pk}")
        opened, existing = opened + created, existing + (not created)
    return {"opened": opened, "existing": existing}


@shared_task(name="referrals.deadline_alerts", **RETRY)
def deadline_alerts_task(today: str | None = None) -> dict:
    """Every morning: alerts for overdue referrals and late help-first paperwork."""
    return deadline_alerts(dt.date.fromisoformat(today) if today else None)
