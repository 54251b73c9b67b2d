"""The periodic jobs' logic, as plain functions (visits/tasks.py wraps them for Celery). The status-change
scan, which reads household events only, is alerts/jobs.py.

Every job is idempotent: alerts carry a unique dedupe key and are inserted with ON CONFLICT DO
NOTHING (alerts.services), so a job that runs twice, or a task re-delivered after a worker or the
database died mid-run, opens nothing twice. Each job runs in one transaction:
a failure leaves nothing half-written.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert, AlertKind, UNHANDLED_STATUSES
from alerts.services import ROW_COLUMNS, alerts_close_except, alerts_follow_households, alerts_open_from_rows
from relief import data_version
from relief.models import Jurisdiction, JurisdictionLevel

from .models import TownshipSummary, Visit
from .selectors import observation_reviews_due, overdue_observation_entries, overdue_roster_entries


# ---------------------------------------------------------------- 1. overdue visits

def overdue_scan(today: dt.date | None = None) -> dict[str, int]:
    """Open an alert for every overdue roster household, in one INSERT … SELECT; close stale ones.

    No per-household Python loop: the database computes each household's last completing visit,
    compares it with the cadence's threshold and inserts the alerts it lacks (through the alerts API).
    Then, still set-based: alerts of households that are no longer overdue (visited, or off the roster)
    close, and alerts of households that moved village follow them to the caseworker who now answers
    for them.
    """
    today = today or timezone.localdate()
    columns = ("alert_dedupe_key", "household_id", "alert_reason", "assignee", "anchor", "alert_params")
    alert_columns = (*ROW_COLUMNS, "reason_params")
    overdue = overdue_roster_entries(today)
    observed = overdue_observation_entries(today)
    reviews = observation_reviews_due(today)
    with transaction.atomic():
        opened = alerts_open_from_rows(kind=AlertKind.OVERDUE_VISIT, rows=overdue.values_list(*columns),
                                       columns=alert_columns)
        opened += alerts_open_from_rows(kind=AlertKind.OVERDUE_VISIT, rows=observed.values_list(*columns),
                                        columns=alert_columns)
        closed = alerts_close_except(
            kind=AlertKind.OVERDUE_VISIT,
            keep_dedupe_keys=overdue.order_by().values("alert_dedupe_key").union(
                observed.order_by().values("alert_dedupe_key")),
            note=_("已不再逾期（已走访见到本人，或已退出花名册、观察名单）"))
        reviews_opened = alerts_open_from_rows(
            kind=AlertKind.OBSERVATION_REVIEW_DUE,
            rows=reviews.values_list("alert_dedupe_key", "household_id", "alert_reason", "assignee", "next_review_on",
                                     "alert_params"), columns=alert_columns)
        closed += alerts_close_except(kind=AlertKind.OBSERVATION_REVIEW_DUE,
                                      keep_dedupe_keys=reviews.values("alert_dedupe_key"),
                                      note=_("已复核（复核日期已更新），或已移出观察名单"))
        moved = alerts_follow_households(kind=AlertKind.OVERDUE_VISIT)
        if opened or closed or moved or reviews_opened:
            data_version.records_changed()
    return {"opened": opened, "closed": closed, "reassigned": moved, "reviews_due": reviews_opened}


# ---------------------------------------------------------------- 2. weekly township summary

def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def township_summaries(week_start: dt.date | None = None) -> dict[str, int]:
    """Count, per township, the week's visits and new alerts and the overdue and unhandled alerts now.

    Run on Monday morning for the week just ended; running it again for the same week rewrites the
    same rows (update on conflict), so it is idempotent too.
    """
    week_start = week_start or week_start_of(timezone.localdate() - dt.timedelta(days=7))
    week_end = week_start + dt.timedelta(days=6)
    tz = timezone.get_current_timezone()
    start_at = dt.datetime.combine(week_start, dt.time.min, tzinfo=tz)
    end_at = start_at + dt.timedelta(days=7)
    township = "household__village__parent_id"
    visits = {
        row["t"]: row for row in Visit.objects.filter(visited_on__range=(week_start, week_end))
        .values(t=F(township)).annotate(n=Count("pk"), households=Count("household", distinct=True))
    }
    alerts = {
        # An alert about no household yet lies in its own village (alerts.models.place_in).
        row["t"]: row for row in Alert.objects.values(t=Coalesce(F(township), F("village__parent_id"))).annotate(
            new=Count("pk", filter=Q(opened_at__gte=start_at, opened_at__lt=end_at)),
            unhandled=Count("pk", filter=Q(status__in=UNHANDLED_STATUSES)),
            overdue=Count("pk", filter=Q(status__in=UNHANDLED_STATUSES, kind=AlertKind.OVERDUE_VISIT)),
        )
    }
    now = timezone.now()
    rows = []
    for township_id in Jurisdiction.objects.filter(level=JurisdictionLevel.TOWNSHIP).values_list("pk", flat=True):
        v, a = visits.get(township_id, {}), alerts.get(township_id, {})
        rows.append(TownshipSummary(
            township_id=township_id, week_start=week_start, visits_logged=v.get("n", 0),
            households_visited=v.get("households", 0), overdue_visits=a.get("overdue", 0),
            new_alerts=a.get("new", 0), unhandled_alerts=a.get("unhandled", 0), computed_at=now))
    with transaction.atomic():
        TownshipSummary.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["township", "week_start"],
            update_fields=["visits_logged", "households_visited", "overdue_visits", "new_alerts",
                           "unhandled_alerts", "computed_at"])
    return {"townships": len(rows)}
