"""Writes of alerts: the one owner of the Alert table. Every app that opens, closes or re-assigns an
alert does it here (visits: overdue visits; referrals: deadlines; alerts/jobs.py: status changes).

    alert_open(*, kind: str, household: Household | None, reason: str, dedupe_key: str,
               village: Jurisdiction | None = None, township_id: int | None = None,
               actor: User | None = None, caseworker: User | None = None, source_ref: str = "",
               rule: AlertRule | None = None, event: HouseholdEvent | None = None,
               period_start: date | None = None, reason_params: dict | None = None) -> tuple[Alert, bool]

    Opens an alert (kind: alerts.models.AlertKind, e.g. AlertKind.REFERRAL_OVERDUE) about a
    household, with the reason in words (a job passes `**alerts.reasons.reason_fields(name, ...)`: the
    words and what pages word them from in the reader's language); about no household yet (a lead, a hotline work order whose
    family is not registered), it names the village instead, and `source_ref` ("lead:7") the record.
    `township_id` puts it in the family's hukou township, which holds the step (alerts.models.place_in):
    no caseworker is assigned then.
    Idempotent: a second call with the same dedupe_key
    returns the existing alert and False, whatever its status — so choose a key that names the
    occurrence, e.g. f"referral_overdue:{referral.pk}:{deadline:%Y-%m-%d}". actor=None means the
    system opened it. Safe inside the caller's transaction and under concurrent calls.

    alert_acknowledge(*, actor, alert) -> Alert     # 已知悉
    alert_close(*, actor, alert, note="") -> Alert  # 已关闭, with who, when and a note

Set-based, for jobs that handle thousands at once (a fixed number of statements):

    alerts_open_from_rows(*, kind, rows, columns=ROW_COLUMNS) -> int  # INSERT … SELECT … ON CONFLICT DO NOTHING
    alerts_open_many(*, alerts) -> int                   # unsaved Alert objects, ignoring known keys
    alerts_close_except(*, kind, keep_dedupe_keys, note) -> int
    alerts_follow_households(*, kind) -> int             # re-assign to whoever answers for the household now
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household, HouseholdEvent, RosterEntry
from relief import access, figure_cache, table_statistics
from relief.access import Action
from relief.models import Jurisdiction, User

from .models import Alert, AlertKind, AlertRule, AlertStatus, UNHANDLED_STATUSES
from .selectors import ALERTS_TOPIC, assignee_expression, household_caseworker


def alert_open(
    *,
    kind: str,
    household: Household | None,
    reason: str,
    dedupe_key: str,
    village: Jurisdiction | None = None,
    township_id: int | None = None,
    actor: User | None = None,
    caseworker: User | None = None,
    source_ref: str = "",
    rule: AlertRule | None = None,
    event: HouseholdEvent | None = None,
    period_start: dt.date | None = None,
    reason_params: dict | None = None,
) -> tuple[Alert, bool]:
    """Open an alert once per dedupe_key; returns (alert, created). See the module docstring."""
    if kind not in AlertKind.values:
        raise ValidationError({"kind": _("未知的预警类型：%(k)s。") % {"k": kind}})
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("请写明预警原因。")})
    if not dedupe_key:
        raise ValidationError({"dedupe_key": _("缺少去重键。")})
    if household is None and village is None:
        raise ValidationError({"household": _("预警须关联家庭，或写明所在村/社区。")})
    existing = Alert.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    if caseworker is None and household is not None and township_id is None:
        caseworker = household_caseworker(household)
    # An alert about a household lies in the household's village (Alert.save places it); else where it names.
    alert = Alert(kind=kind, household=household, village=None if household is not None else village,
                  township_id=township_id,
                  reason=reason.strip(), reason_params=reason_params, dedupe_key=dedupe_key, opened_by=actor,
                  caseworker=caseworker, source_ref=source_ref, rule=rule, event=event, period_start=period_start)
    try:
        # A savepoint: a concurrent call that won the race leaves the caller's transaction usable.
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        existing = Alert.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return existing, False
    figure_cache.changed(ALERTS_TOPIC)
    return alert, True


def _check_alert_access(actor: User, alert: Alert) -> None:
    if actor is not None and not access.can(actor, Action.LOG_VISITS, alert.place_id):
        raise ValidationError(_("该预警不在您的辖区内，不能处理。"))


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: Alert) -> Alert:
    """Mark a new alert as seen (已知悉): it stays in the inbox until closed."""
    alert = Alert.objects.select_for_update(of=("self",)).select_related("household").get(pk=alert.pk)
    _check_alert_access(actor, alert)
    if alert.status != AlertStatus.OPEN:
        raise ValidationError(_("只有新预警可以标记为已知悉（当前状态：%(s)s）。") % {"s": alert.get_status_display()})
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    figure_cache.changed(ALERTS_TOPIC)
    return alert


@transaction.atomic
def alert_close(*, actor: User | None, alert: Alert, note: str = "") -> Alert:
    """Close an alert with who, when and what was done. actor=None: closed by the system."""
    alert = Alert.objects.select_for_update(of=("self",)).select_related("household").get(pk=alert.pk)
    _check_alert_access(actor, alert)
    if alert.status == AlertStatus.CLOSED:
        raise ValidationError(_("该预警已于 %(t)s 关闭。") % {
            "t": timezone.localtime(alert.closed_at).strftime("%Y-%m-%d %H:%M")})
    if actor is not None and alert.kind != AlertKind.OVERDUE_VISIT and not note.strip():
        raise ValidationError({"note": _("关闭预警时请写明处理情况。")})
    alert.status = AlertStatus.CLOSED
    alert.closed_at = timezone.now()
    alert.closed_by = actor
    alert.close_note = note.strip()[:300]
    alert.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    figure_cache.changed(ALERTS_TOPIC)
    return alert


# ---------------------------------------------------------------- set-based, for the jobs

ROW_COLUMNS = ("dedupe_key", "household_id", "reason", "caseworker_id", "period_start")
# Columns a job may add after ROW_COLUMNS (an alert about no household names its village and its record; the
# reason's message and values, alerts.reasons.reason_params_expression).
EXTRA_ROW_COLUMNS = ("village_id", "source_ref", "township_id", "reason_params")


def alerts_open_from_rows(*, kind: str, rows: QuerySet, columns: tuple[str, ...] = ROW_COLUMNS) -> int:
    """Open one alert of `kind` per row of `rows` that has no alert yet, in one INSERT … SELECT.

    `rows` is a values_list queryset of `columns`: (dedupe_key, household_id, reason, caseworker_id,
    period_start) in that order, then any of EXTRA_ROW_COLUMNS (a row with no household must give
    village_id, which the table's constraint checks). Rows whose dedupe key is already taken are skipped
    (ON CONFLICT DO NOTHING), so a job
    running twice opens nothing twice. Returns the number of alerts opened.
    """
    if kind not in AlertKind.values:
        raise ValidationError({"kind": _("未知的预警类型：%(k)s。") % {"k": kind}})
    if tuple(columns[:len(ROW_COLUMNS)]) != ROW_COLUMNS or set(columns[len(ROW_COLUMNS):]) - set(EXTRA_ROW_COLUMNS):
        raise ValueError(f"alerts_open_from_rows: columns {columns} are not {ROW_COLUMNS} + {EXTRA_ROW_COLUMNS}")
    select_sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    # The alert lies in its household's village now (Alert.village); a row about no household names its own.
    names = [f"c{i}" for i in range(len(columns))]
    household = names[ROW_COLUMNS.index("household_id")]
    named_village = f"q.c{columns.index('village_id')}" if "village_id" in columns else "NULL"
    kept = [f"q.{n}" for c, n in zip(columns, names) if c != "village_id"]
    targets = ", ".join(quote(c) for c in (*(c for c in columns if c != "village_id"), "village_id",
                                           "kind", "status", "opened_at"))
    # The constant columns are bound parameters; they come after the rows' query in the text, and so in params.
    insert_sql = (
        f"WITH q ({', '.join(names)}) AS ({select_sql}) "
        f"INSERT INTO {quote(Alert._meta.db_table)} ({targets}) "
        f"SELECT {', '.join(kept)}, COALESCE(h.{quote('village_id')}, {named_village}), %s, %s, %s FROM q "
        f"LEFT JOIN {quote(Household._meta.db_table)} h ON h.{quote('id')} = q.{household} WHERE true "
        f"ON CONFLICT ({quote('dedupe_key')}) DO NOTHING"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # One statement: atomic by itself, so no savepoint inside the caller's transaction.
    with connection.cursor() as cursor:
        # SQLite reports no row count for an INSERT led by WITH: its connection's change counter says it.
        sqlite = connection.vendor == "sqlite"
        before = connection.connection.total_changes if sqlite else 0
        cursor.execute(insert_sql, (*params, str(kind), str(AlertStatus.OPEN), now))
        opened = connection.connection.total_changes - before if sqlite else max(cursor.rowcount, 0)
    if opened:
        figure_cache.changed(ALERTS_TOPIC)
        table_statistics.refresh_after_bulk_write(Alert, opened)
    return opened


def alerts_open_many(*, alerts: list[Alert]) -> int:
    """Insert unsaved alerts, skipping those whose dedupe key is already taken; returns how many were new."""
    if not alerts:
        return 0
    # bulk_create calls no save(): each alert lies in its household's village now (Alert.village).
    unplaced = {a.household_id for a in alerts if a.village_id is None and a.household_id is not None}
    villages = dict(Household.objects.filter(pk__in=unplaced).values_list("pk", "village_id")) if unplaced else {}
    for alert in alerts:
        if alert.village_id is None:
            alert.village_id = villages.get(alert.household_id)
    # Joins the caller's transaction (no savepoint): the count and the insert see the same rows.
    with transaction.atomic(savepoint=False):
        known = Alert.objects.filter(dedupe_key__in=[a.dedupe_key for a in alerts]).count()
        Alert.objects.bulk_create(alerts, ignore_conflicts=True, batch_size=1000)
    if len(alerts) > known:
        figure_cache.changed(ALERTS_TOPIC)
    return len(alerts) - known


def alerts_close_except(*, kind: str, keep_dedupe_keys, note: str) -> int:
    """Close, as the system, the unhandled alerts of `kind` whose dedupe key is not among `keep_dedupe_keys`
    (a values queryset: the occurrences still current). Returns the number closed."""
    stale = Alert.objects.filter(kind=kind, status__in=UNHANDLED_STATUSES).exclude(dedupe_key__in=keep_dedupe_keys)
    closed = stale.update(status=AlertStatus.CLOSED, closed_at=timezone.now(), closed_by=None, close_note=note[:300])
    if closed:
        figure_cache.changed(ALERTS_TOPIC)
    return closed


def alerts_place_with_households(alerts: QuerySet[Alert]) -> int:
    """Place these alerts in their household's village now (Alert.village), in one UPDATE; returns how many."""
    placed = alerts.update(
        village_id=Subquery(Household.objects.filter(pk=OuterRef("household_id")).values("village_id")[:1]))
    if placed:
        figure_cache.changed(ALERTS_TOPIC)
    return placed


def alerts_follow_households(*, kind: str) -> int:
    """Place the alerts of `kind` in their household's village now, and re-assign the unhandled ones to whoever
    answers for their household now (assignee_expression): a household that moved village takes its alerts to
    the caseworker who serves it. Returns the number
    re-assigned."""
    # Where they lie first: a household moved by anything that sent no households_moved (a raw save, SQL).
    alerts_place_with_households(Alert.objects.filter(kind=kind, household__isnull=False)
                                 .exclude(village_id=F("household__village_id")))
    expected = Subquery(
        RosterEntry.objects.filter(household_id=OuterRef("household_id"), exited_on__isnull=True)
        .annotate(a=assignee_expression()).values("a")[:1])
    # Only alerts whose caseworker no longer serves the household's village (it moved) or that
    # have none are re-examined: the common case costs one indexed join, not a subquery per alert.
    return (Alert.objects.filter(kind=kind, status__in=UNHANDLED_STATUSES)
            .filter(Q(caseworker__isnull=True) | ~Q(caseworker__jurisdiction_id=F("household__village_id")))
            .annotate(expected=expected)
            .filter((Q(caseworker__isnull=False, expected__isnull=False) & ~Q(caseworker_id=F("expected")))
                    | Q(caseworker__isnull=True, expected__isnull=False)
                    | Q(caseworker__isnull=False, expected__isnull=True))
            .update(caseworker_id=expected))


# ---------------------------------------------------------------- quarterly check

@transaction.atomic
def quarterly_check_enter(*, household: Household, reason: str, actor: User | None = None) -> bool:
    """Put a household onto the quarterly check (每季度回访) after its assistance ended (seed 003 §二(二)2),
    as an alert rule with `quarterly_check` asks.

    A household already on the roster keeps its entry (its cadence is the roster's to decide); one
    that is not is entered, through the households service, with a quarterly cadence. Returns True
    when an entry was made.
    """
    from households.models import Cadence, FocusReason, TargetKind
    from households.services import roster_enter

    if RosterEntry.objects.filter(household=household, exited_on__isnull=True).exists():
        return False
    roster_enter(actor=actor, household=household, reasons=[FocusReason.REFUSED_OR_EXITED],
                 target_kind=TargetKind.WARNING, cadence=Cadence.QUARTERLY, note=reason[:300],
                 source="system")
    return True
