"""The dashboard's numbers for a set of villages and a period: counted in a fixed number of queries, and kept
for a minute.

`count_dashboard` returns plain numbers only (no links, no labels); the page (selectors.dashboard and
activity.dashboard_parts) turns them into cards, bars and links for the user who asked. Household figures are
counted from the household list's kept copies (Household.categories, roster_kind, observation_review_on) in
one pass over the households, so each equals the filtered list it links to by construction.

`dashboard_counts` keeps what it counted under a key made of the villages counted (the user's scope from
relief.access, narrowed to the chosen jurisdiction), the period and the day, together with the stamp of
relief.data_version it was counted under: a township never reads the district's numbers (other villages,
another key), and a change that a service commits replaces the stamp, so nobody reads numbers counted before
it. What no service stamps (an alert handled in the inbox, an edit in the admin) shows once the kept numbers
expire (RELIEF_DASHBOARD_CACHE_SECONDS, 60 by default; 0 counts on every request). The page says when its
numbers were counted and offers to count again (刷新). Of several requests that miss at once, one counts and
the others wait for its numbers rather than count the same thing side by side.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from statistics import median

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Max, Q, Value, When
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from households.models import CADENCE_MONTHS, AssistanceRecord, Household, ObservationEntry, RosterEntry
from relief import data_version
from relief.months import add_months, months_between

from .figures import FIGURES, on_days
from .selectors import model_or_none

log = logging.getLogger(__name__)

DEFAULT_CACHE_SECONDS = 60
FORMAT = 1  # part of the key: numbers kept in an older shape are not read by newer code
LOCK_SECONDS = 30
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.03


# ---------------------------------------------------------------- households (kept copies, one pass)
def household_counts(ids: list[int]) -> dict[int, dict]:
    """Per village: households, on the roster, on the observation list, by target kind and by current
    assistance category, as the household list filters them."""
    result = {pk: {"total": 0, "roster": 0, "observation": 0, "kinds": {}, "categories": {}} for pk in ids}
    rows = (Household.objects.filter(village__in=ids).order_by()
            .values_list("village_id", "roster_kind", "categories")
            .annotate(n=Count("pk"), observed=Count("pk", filter=Q(observation_review_on__isnull=False))))
    for village_id, roster_kind, categories, n, observed in rows:
        village = result[village_id]
        village["total"] += n
        village["observation"] += observed
        if roster_kind:
            village["roster"] += n
            village["kinds"][roster_kind] = village["kinds"].get(roster_kind, 0) + n
        for code in filter(None, categories.split(",")):
            village["categories"][code] = village["categories"].get(code, 0) + n
    return result


def period_counts(ids: list[int], start: dt.date, end: dt.date) -> dict:
    """Roster exits of the period (the rows of its list), and per month the households whose assistance
    started and the observation-list entries decided."""
    new = (AssistanceRecord.objects.filter(household__village__in=ids, start_date__range=(start, end))
           .annotate(m=TruncMonth("start_date")).values("m").order_by("m")
           .annotate(n=Count("household", distinct=True)).values_list("m", "n"))
    observed = (ObservationEntry.objects.filter(household__village__in=ids, decided_on__range=(start, end))
                .annotate(m=TruncMonth("decided_on")).values("m").order_by("m").annotate(n=Count("pk"))
                .values_list("m", "n"))
    return {"exits": FIGURES["roster_exits"].rows(ids, start, end).count(),
            "new": {_day(m): n for m, n in new}, "observed": {_day(m): n for m, n in observed}}


def _day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# ---------------------------------------------------------------- visits
def due_blocks(start: dt.date, end: dt.date, today: dt.date) -> list[tuple[int, dt.date, dt.date]]:
    """The visit periods that fall due within [start, end]: (cadence in months, first day, last day).

    A roster entry with a cadence of n months owes one completing visit per calendar block of n months
    (Jan-Mar, Apr-Jun... for quarterly), counted over the block's months within the period, once the block
    is over by `end` and by today.
    """
    months = months_between(start, end)
    blocks = []
    for n in sorted(set(CADENCE_MONTHS.values()) | {1}):
        grouped: dict[int, list[dt.date]] = {}
        for m in months:
            grouped.setdefault((m.year * 12 + m.month - 1) // n, []).append(m)
        for block_months in grouped.values():
            first, last = block_months[0], block_months[-1]
            block_end = add_months(first, n) - dt.timedelta(days=1)
            if block_end >= today or block_end > end:
                continue
            blocks.append((n, first, add_months(last, 1) - dt.timedelta(days=1)))
    return blocks


def _cadence_is(n: int) -> Q:
    """Entries whose cadence means a visit every n months (Cadence.months_of: a missing one is monthly)."""
    q = Q(cadence__in=[c for c, months in CADENCE_MONTHS.items() if months == n])
    return q | ~Q(cadence__in=list(CADENCE_MONTHS)) if n == 1 else q


def visit_timeliness(ids: list[int], start: dt.date, end: dt.date, today: dt.date | None = None) -> dict | None:
    """Per village: visit periods due within [start, end] (due_blocks) for the roster entries open for the
    whole of each, and those with a visit in the period's part of the block where the person was seen.

    One statement, two passes joined by household: the period's completing visits grouped per household into
    one flag per block (seen in it or not), and the roster entries with one flag per block (due in it or
    not), hash-joined and counted per village. Linear in the entries and the visits: an `IN (visited
    households)` per block is hashed only while the set fits in work_mem, and past that (a district of a
    million households) PostgreSQL probes the whole set for every entry.
    """
    if model_or_none("visits.Visit") is None:
        return None
    from visits.models import Visit

    result = {pk: {"due": 0, "on_time": 0} for pk in ids}
    blocks = due_blocks(start, end, today or timezone.localdate())
    if not ids or not blocks:
        return result
    due_flags, seen_flags = {}, {}
    for i, (n, first, last) in enumerate(blocks):
        due = _cadence_is(n) & Q(entered_on__lte=first) & (Q(exited_on__isnull=True) | Q(exited_on__gte=last))
        due_flags[f"due_{i}"] = Case(When(due, then=Value(1)), default=Value(0), output_field=IntegerField())
        seen_flags[f"seen_{i}"] = Max(Case(When(visited_on__range=(max(first, start), min(last, end)), then=Value(1)),
                                           default=Value(0), output_field=IntegerField()))
    entries = (RosterEntry.objects.filter(household__village__in=ids, entered_on__lte=end)
               .filter(Q(exited_on__isnull=True) | Q(exited_on__gte=start)).order_by()
               .annotate(village=F("household__village_id"), **due_flags).values("household_id", "village", *due_flags))
    seen = (Visit.objects.filter(completes_period=True, visited_on__range=(start, end)).order_by()
            .values("household_id").annotate(**seen_flags))
    entries_sql, entries_params = entries.query.sql_with_params()
    seen_sql, seen_params = seen.query.sql_with_params()
    counted = ", ".join(f"SUM(e.due_{i}), SUM(CASE WHEN e.due_{i} = 1 AND s.seen_{i} = 1 THEN 1 ELSE 0 END)"
                        for i in range(len(blocks)))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT e.village, {counted} FROM ({entries_sql}) e "
                       f"LEFT JOIN ({seen_sql}) s ON s.household_id = e.household_id GROUP BY e.village",
                       (*entries_params, *seen_params))
        for village_id, *sums in cursor.fetchall():
            village = result[village_id]
            village["due"] = sum(int(v or 0) for v in sums[0::2])
            village["on_time"] = sum(int(v or 0) for v in sums[1::2])
    return result


def overdue_counts(ids: list[int]) -> dict[int, int] | None:
    """Unhandled overdue-visit alerts per village (the alert inbox's default view, filtered by kind)."""
    if model_or_none("alerts.Alert") is None:
        return None
    from alerts.models import Alert, AlertKind

    return dict(Alert.objects.unhandled().within(ids).filter(kind=AlertKind.OVERDUE_VISIT)
                .values("village").order_by().annotate(n=Count("pk")).values_list("village", "n"))


# ---------------------------------------------------------------- referrals and alerts
def referral_counts(ids: list[int], start: dt.date, end: dt.date) -> dict | None:
    """The funnel of the period (each stage the rows of its list, ledgers.figures) and the median days from
    referral to decision of those decided in the period."""
    if model_or_none("referrals.Referral") is None or model_or_none("referrals.Lead") is None:
        return None
    from referrals.models import Referral, ReferralStatus

    counts = FIGURES["referred"].rows(ids, start, end).order_by().aggregate(
        referred=Count("pk"),
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
        decided=Count("pk", filter=Q(decided_at__isnull=False)),
        eligible=Count("pk", filter=Q(status=ReferralStatus.ELIGIBLE)))
    durations = [(decided - created).total_seconds() / 86400 for created, decided in Referral.objects.filter(
        on_days("decided_at", start, end), village__in=ids).values_list("created_at", "decided_at")]
    return {"leads": FIGURES["leads"].rows(ids, start, end).count(), **counts,
            "median_days": round(median(durations), 1) if durations else None, "decided_in_period": len(durations)}


def alert_weeks(ids: list[int], start: dt.date, end: dt.date, today: dt.date) -> dict | None:
    """Alerts opened and closed per week, for the last twelve weeks of the period up to the current week
    (weeks to come have no alerts yet; more do not fit a 360-px phone at a readable size)."""
    if model_or_none("alerts.Alert") is None:
        return None
    from alerts.models import Alert

    end = min(end, today)
    first = max(start, end - dt.timedelta(weeks=11))
    first = first - dt.timedelta(days=first.weekday())
    weeks = []
    cursor = first
    while cursor <= end:
        weeks.append(cursor)
        cursor += dt.timedelta(weeks=1)

    def per_week(field):
        rows = (Alert.objects.filter(on_days(field, first, end)).within(ids)
                .annotate(w=TruncWeek(field)).values("w").order_by("w").annotate(n=Count("pk")).values_list("w", "n"))
        return {_day(w): n for w, n in rows}

    return {"weeks": weeks, "opened": per_week("opened_at"), "closed": per_week("closed_at")}


# ---------------------------------------------------------------- the whole dashboard, kept for a minute
def count_dashboard(ids: list[int], start: dt.date, end: dt.date, today: dt.date | None = None) -> dict:
    """Every number of the dashboard for these villages and this period, counted now."""
    today = today or timezone.localdate()
    return {"counted_at": timezone.now(), "villages": household_counts(ids), **period_counts(ids, start, end),
            "timeliness": visit_timeliness(ids, start, end, today), "overdue": overdue_counts(ids),
            "referrals": referral_counts(ids, start, end), "alerts": alert_weeks(ids, start, end, today)}


def cache_seconds() -> int:
    return int(getattr(settings, "RELIEF_DASHBOARD_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


def cache_key(ids: list[int], start: dt.date, end: dt.date, today: dt.date) -> str:
    """Where the numbers of exactly these villages, this period and this day are kept (beside the stamp they
    are read with: a test's own, tests/conftest.py)."""
    scope = hashlib.sha256(",".join(str(pk) for pk in sorted(ids)).encode()).hexdigest()[:32]
    stamps = hashlib.sha256(data_version.key().encode()).hexdigest()[:8]
    return f"ledgers:dashboard:{FORMAT}:{stamps}:{today:%Y%m%d}:{start:%Y%m%d}-{end:%Y%m%d}:{len(ids)}:{scope}"


def dashboard_counts(ids, start: dt.date, end: dt.date, *, refresh: bool = False) -> dict:
    """The dashboard's numbers for these villages and this period: the kept ones while their stamp is current
    and they have not expired, else counted now (and kept). `refresh` counts now whatever is kept."""
    ids = sorted(set(ids))
    seconds = cache_seconds()
    # This transaction's own uncommitted changes are in no kept numbers, and what it counts must not be kept.
    if seconds <= 0 or data_version.changed_here():
        return count_dashboard(ids, start, end)
    today = timezone.localdate()
    key = cache_key(ids, start, end, today)
    try:
        kept, stamp, _ = _look(key)
        if kept is not None and not refresh:
            return kept
        holding = refresh or cache.add(_lock(key), 1, LOCK_SECONDS)
        if not holding:
            kept, stamp = _wait_for(key)
            if kept is not None:
                return kept
    except Exception:  # the cache is down: count without it
        log.warning("dashboard cache unavailable", exc_info=True)
        return count_dashboard(ids, start, end, today)
    # The stamp was read before counting: a change committed meanwhile replaces it, and these numbers, which
    # may not include it, are then never read.
    counts = count_dashboard(ids, start, end, today)
    try:
        cache.set(key, {"stamp": stamp, "counts": counts}, seconds)
        if holding and not refresh:
            cache.delete(_lock(key))
    except Exception:
        log.warning("could not keep the dashboard's numbers", exc_info=True)
    return counts


def _lock(key: str) -> str:
    """Held by the request counting the numbers of this key (see _wait_for)."""
    return f"{key}:counting"


def _look(key: str) -> tuple[dict | None, str, bool]:
    """In one round trip: the numbers kept under the key if they were counted under the current stamp, that
    stamp, and whether a request is counting them now."""
    values = cache.get_many([key, _lock(key), data_version.key()])
    stamp = data_version.stamp_in(values)
    entry = values.get(key)
    kept = entry["counts"] if isinstance(entry, dict) and entry.get("stamp") == stamp else None
    return kept, stamp, _lock(key) in values


def _wait_for(key: str) -> tuple[dict | None, str]:
    """Another request is counting these numbers: wait for them rather than count them too, until they are
    kept, or that request is done without keeping them under the current stamp, or a while has passed."""
    deadline = time.monotonic() + WAIT_SECONDS
    pause = POLL_SECONDS
    while True:
        time.sleep(pause)
        kept, stamp, counting = _look(key)
        if kept is not None or not counting or time.monotonic() >= deadline:
            return kept, stamp
        pause = min(pause * 1.5, 0.25)  # a long count is not asked about twenty times a second
