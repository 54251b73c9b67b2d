"""The periodic jobs' logic, as plain functions (visits/tasks.py wraps them for Celery).

Every job is idempotent: alerts carry a unique dedupe key and are inserted with ON CONFLICT DO
NOTHING (or bulk_create(ignore_conflicts=True)), so a job that runs twice, or a task re-delivered
after a worker or the database died mid-run, opens nothing twice. Each job runs in one transaction:
a failure leaves nothing half-written.
"""
from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import HouseholdEvent, RosterEntry
from households.standards import StandardTable
from relief.models import Jurisdiction, JurisdictionLevel

from .models import Alert, AlertKind, AlertRule, AlertStatus, RuleCondition, TownshipSummary, UNHANDLED_STATUSES, Visit
from .selectors import assignee_expression, overdue_roster_entries

logger = logging.getLogger(__name__)

# Status-change alerts look this far back for events, so a job that did not run for a while (or
# failed) catches up; the dedupe key keeps the overlap harmless.
EVENT_LOOKBACK = dt.timedelta(days=7)


# ---------------------------------------------------------------- 1. overdue visits

def overdue_scan(today: dt.date | None = None) -> dict[str, int]:
    """Open an alert for every overdue roster household, in one INSERT … SELECT; close stale ones.

    No per-household Python loop: the database computes each household's last completing visit,
    compares it with the cadence's threshold and inserts the alerts it lacks. Then, still set-based:
    alerts of households that are no longer overdue (visited, or off the roster) close, and alerts of
    households that moved village follow them to the caseworker who now answers for them.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    overdue = overdue_roster_entries(today)
    rows = overdue.values_list("alert_dedupe_key", "household_id", "alert_reason", "assignee", "anchor")
    select_sql, params = rows.query.sql_with_params()
    table = Alert._meta.db_table
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in (
        "dedupe_key", "household_id", "reason", "caseworker_id", "period_start", "kind", "status", "opened_at"))
    # The constant columns are bound parameters; they come first in the text, so first in params.
    insert_sql = (
        f"INSERT INTO {quote(table)} ({columns}) "
        f"SELECT q.*, %s, %s, %s FROM ({select_sql}) q WHERE true "
        f"ON CONFLICT ({quote('dedupe_key')}) DO NOTHING"
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(insert_sql, (str(AlertKind.OVERDUE_VISIT), str(AlertStatus.OPEN), _db_datetime(now),
                                        *params))
            opened = max(cursor.rowcount, 0)
        stale = Alert.objects.filter(kind=AlertKind.OVERDUE_VISIT, status__in=UNHANDLED_STATUSES).exclude(
            dedupe_key__in=overdue.values("alert_dedupe_key"))
        closed = stale.update(status=AlertStatus.CLOSED, closed_at=now,
                              close_note=_("已不再逾期（已走访见到本人，或已退出花名册）"))
        expected = Subquery(
            RosterEntry.objects.filter(household_id=OuterRef("household_id"), exited_on__isnull=True)
            .annotate(a=assignee_expression()).values("a")[:1])
        # Only alerts whose caseworker no longer serves the household's village (it moved) or that
        # have none are re-examined: the common case costs one indexed join, not a subquery per alert.
        moved = (Alert.objects.filter(kind=AlertKind.OVERDUE_VISIT, status__in=UNHANDLED_STATUSES)
                 .filter(Q(caseworker__isnull=True) | ~Q(caseworker__jurisdiction_id=F("household__village_id")))
                 .annotate(expected=expected)
                 .filter((Q(caseworker__isnull=False, expected__isnull=False) & ~Q(caseworker_id=F("expected")))
                         | Q(caseworker__isnull=True, expected__isnull=False)
                         | Q(caseworker__isnull=False, expected__isnull=True))
                 .update(caseworker_id=expected))
    return {"opened": opened, "closed": closed, "reassigned": moved}


def _db_datetime(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


# ---------------------------------------------------------------- 2. status changes

def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(str(value).replace(",", "").replace("元", "").strip())
    except (InvalidOperation, ValueError):
        return None


def rule_matches(rule: AlertRule, event: HouseholdEvent, standards, district_id) -> bool:
    if rule.event_kind != event.kind:
        return False
    if rule.field and rule.field != event.field:
        return False
    condition = rule.condition
    if condition == RuleCondition.ANY:
        return True
    if condition == RuleCondition.NEWLY_SET:
        return not (event.old_value or "").strip() and bool((event.new_value or "").strip())
    if condition == RuleCondition.NEW_VALUE_IN:
        return (event.new_value or "").strip() in {str(v) for v in rule.values or []}
    if condition in (RuleCondition.INCOME_BELOW_DIBAO, RuleCondition.INCOME_LOW_INCOME_BAND):
        income = _decimal(event.new_value)
        applying = standards.applying(district_id, event.household.hukou_type, timezone.localdate(event.occurred_at))
        standard = applying.monthly_amount if applying else None
        # An income changed to 未登记 (empty new value) is not a figure: it is never compared.
        if income is None or standard is None:
            return False
        old = _decimal(event.old_value)
        if condition == RuleCondition.INCOME_BELOW_DIBAO:
            # "Fell under": it was not already under the line before this change.
            return income < standard and (old is None or old >= standard)
        upper = standard * Decimal(str(settings.RELIEF_LOW_INCOME_FACTOR))
        return standard <= income < upper and (old is None or old >= upper)
    return False


def status_change_scan(since: dt.datetime | None = None) -> dict[str, int]:
    """Open status-change alerts for recent household events, per the active AlertRule rows."""
    from .services import quarterly_check_enter

    since = since or timezone.now() - EVENT_LOOKBACK
    rules = list(AlertRule.objects.filter(active=True))
    if not rules:
        return {"events": 0, "opened": 0, "quarterly": 0}
    events = list(
        HouseholdEvent.objects.filter(occurred_at__gte=since, kind__in={r.event_kind for r in rules})
        .select_related("household", "household__village__parent", "household__caseworker")
        .order_by("occurred_at", "pk")
    )
    # Events may be days old: the table holds every standard, to measure each against the one of its day.
    standards = StandardTable.load() if any(r.condition.startswith("income_") for r in rules) else None
    assignees = dict(
        RosterEntry.objects.filter(household_id__in={e.household_id for e in events}, exited_on__isnull=True)
        .annotate(a=assignee_expression()).values_list("household_id", "a"))
    candidates, quarterly = [], []
    for event in events:
        household = event.household
        district_id = household.village.parent.parent_id if household.village.parent else None
        for rule in rules:
            if not rule_matches(rule, event, standards, district_id):
                continue
            caseworker_id = assignees.get(household.pk)
            if caseworker_id is None and household.caseworker and \
                    household.caseworker.jurisdiction_id == household.village_id:
                caseworker_id = household.caseworker_id
            candidates.append(Alert(
                kind=AlertKind.STATUS_CHANGE, household=household, rule=rule, event=event,
                reason=rule.reason.format(old=event.old_value or "—", new=event.new_value or "—"),
                dedupe_key=f"event:{event.pk}:rule:{rule.pk}", caseworker_id=caseworker_id,
                opened_at=timezone.now(), source_ref=event.source_ref[:100],
            ))
            if rule.quarterly_check:
                quarterly.append((household, rule.reason.format(old=event.old_value or "—",
                                                                new=event.new_value or "—")))
    with transaction.atomic():
        before = Alert.objects.filter(dedupe_key__in=[a.dedupe_key for a in candidates]).count() if candidates else 0
        Alert.objects.bulk_create(candidates, ignore_conflicts=True, batch_size=1000)
        entered = sum(1 for household, reason in quarterly if quarterly_check_enter(household=household, reason=reason))
    return {"events": len(events), "opened": len(candidates) - before, "quarterly": entered}


# ---------------------------------------------------------------- 3. weekly township summary

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
        row["t"]: row for row in Alert.objects.values(t=F(township)).annotate(
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
