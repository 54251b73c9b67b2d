"""Reads shared by the worklist, the household page, the home cards and the jobs."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case, CharField, DateField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert
from alerts.reasons import choice_label_sql, reason_params_expression, reason_sql, reason_text
from alerts.selectors import assignee_expression, household_caseworker_expression, newest_open_alerts
from households.models import Cadence, Household, Member, ObservationEntry, Relation, RosterEntry
from relief import access, data_version, figure_cache, punctuation
from relief.access import Action

from .alert_reasons import (
    OBSERVATION_NEVER_SEEN, OBSERVATION_REVIEW_DUE, OBSERVATION_SEEN, ROSTER_NEVER_SEEN, ROSTER_SEEN,
)
from .cadence import due_date, overdue_threshold, period_end
from .models import Visit


# ---------------------------------------------------------------- overdue scan (set-based)

def overdue_roster_entries(today: dt.date) -> QuerySet[RosterEntry]:
    """Open roster entries whose household's visit is overdue today, annotated for the alert row.

    anchor = the later of the last completing visit and the roster entry date; overdue when the
    anchor lies before its cadence's threshold (see cadence.overdue_threshold).
    """
    overdue = Q()
    for cadence in Cadence.values:
        overdue |= Q(cadence=cadence, anchor__lt=overdue_threshold(today, cadence))
    cadence_label = choice_label_sql("cadence", Cadence)
    anchor_text = Cast("anchor", CharField())
    # The last completing visit from the kept copy (visits.latest): one row per household, no aggregate.
    return (
        RosterEntry.objects.filter(exited_on__isnull=True)
        .annotate(last_completing_on=F("household__latest_visit__seen_on"))
        .annotate(anchor=Greatest(Coalesce("last_completing_on", "entered_on"), "entered_on",
                                  output_field=DateField()))
        .filter(overdue)
        .annotate(
            alert_dedupe_key=Concat(Value("overdue:"), Cast("household_id", CharField()), Value(":"), anchor_text,
                                    output_field=CharField()),
            alert_reason=Case(
                When(last_completing_on__isnull=True,
                     then=reason_sql(ROSTER_NEVER_SEEN, since=anchor_text, cadence=cadence_label)),
                default=reason_sql(ROSTER_SEEN, seen=anchor_text, cadence=cadence_label),
                output_field=CharField(),
            ),
            alert_params=Case(
                When(last_completing_on__isnull=True,
                     then=reason_params_expression(ROSTER_NEVER_SEEN, since=anchor_text, cadence=F("cadence"))),
                default=reason_params_expression(ROSTER_SEEN, seen=anchor_text, cadence=F("cadence")),
            ),
            assignee=assignee_expression(),
        )
    )


def overdue_observation_entries(today: dt.date) -> QuerySet[ObservationEntry]:
    """Open observation entries of households that are not on the roster, whose visit is overdue today
    by the worklist's rule (due_of): a person seen since the decision is due again a cadence after that
    visit; one not seen since is due by the review date. Annotated for the alert row like the roster's."""
    seen_since = Q(last_completing_on__isnull=False, last_completing_on__gte=F("decided_on"))
    cadence_overdue = Q()
    for cadence in Cadence.values:
        cadence_overdue |= Q(cadence=cadence, last_completing_on__lt=overdue_threshold(today, cadence))
    cadence_label = choice_label_sql("cadence", Cadence)
    seen_on, decided_on, review_on = (Cast(name, CharField()) for name in ("last_completing_on", "decided_on",
                                                                           "next_review_on"))
    on_roster = RosterEntry.objects.filter(household_id=OuterRef("household_id"), exited_on__isnull=True)
    return (
        ObservationEntry.objects.filter(removed_on__isnull=True).exclude(Exists(on_roster))
        .annotate(last_completing_on=F("household__latest_visit__seen_on"))
        .filter((seen_since & cadence_overdue) | (~seen_since & Q(next_review_on__lt=today)))
        .annotate(anchor=Case(When(seen_since, then=F("last_completing_on")), default=F("decided_on"),
                              output_field=DateField()))
        .annotate(
            alert_dedupe_key=Concat(Value("overdue:"), Cast("household_id", CharField()), Value(":"),
                                    Cast("anchor", CharField()), output_field=CharField()),
            alert_reason=Case(
                When(seen_since, then=reason_sql(OBSERVATION_SEEN, seen=seen_on, cadence=cadence_label)),
                default=reason_sql(OBSERVATION_NEVER_SEEN, since=decided_on, review=review_on),
                output_field=CharField(),
            ),
            alert_params=Case(
                When(seen_since, then=reason_params_expression(OBSERVATION_SEEN, seen=seen_on, cadence=F("cadence"))),
                default=reason_params_expression(OBSERVATION_NEVER_SEEN, since=decided_on, review=review_on),
            ),
            assignee=household_caseworker_expression(),
        )
    )


def observation_reviews_due(today: dt.date) -> QuerySet[ObservationEntry]:
    """Open observation entries whose review date has come (复核到期, as the home card counts them: on the day
    itself too), annotated for the alert row: the
    review itself (keep watching, or remove) is the township's and caseworker's duty whether or not the
    family was visited meanwhile."""
    return (
        ObservationEntry.objects.filter(removed_on__isnull=True, next_review_on__lte=today)
        .annotate(
            alert_dedupe_key=Concat(Value("observation_review:"), Cast("pk", CharField()), Value(":"),
                                    Cast("next_review_on", CharField()), output_field=CharField()),
            alert_reason=reason_sql(OBSERVATION_REVIEW_DUE, review=Cast("next_review_on", CharField())),
            alert_params=reason_params_expression(OBSERVATION_REVIEW_DUE, review=Cast("next_review_on", CharField())),
            assignee=household_caseworker_expression(),
        )
    )


# ---------------------------------------------------------------- worklist and household page

# The worklist's front page shows this many households per section; "查看全部" pages through the rest.
WORKLIST_PREVIEW = 10
WORKLIST_PAGE_SIZE = 30


@dataclass
class WatchItem:
    """One watched household on the worklist, with its due date and why it is listed.

    The worklist computes these for every watched household of the user's villages from one
    light query; `household` and `head_name` are attached only to the items a page shows
    (see attach_households), so a village of thousands costs one light query, not thousands of rows
    of model objects.
    """

    household_id: int
    cadence: str
    due_on: dt.date
    anchor: dt.date | None
    last_visit_on: dt.date | None
    last_seen: bool | None
    follow_up_on: dt.date | None
    # The latest visit saw the person but left the case open (三个不放过): the worklist's 仍需跟进.
    open_after_seen: bool = False
    # Which of the three don'ts that visit left undone, and the visit (attach_open_reasons, for a page's items).
    open_reasons: list = field(default_factory=list)
    open_visit_id: int | None = None
    household: Household | None = None
    head_name: str = ""
    overdue_days: int = 0
    alerts: list = field(default_factory=list)

    @property
    def cadence_label(self) -> str:
        return str(Cadence(self.cadence).label) if self.cadence in Cadence.values else ""


WATCH_ROW_LENGTH = 9


def watch_rows(village_ids=None, household_ids=None) -> dict[int, list]:
    """Per watched household: [roster cadence, roster entry date, observation cadence, observation
    decision date, observation review date, last completing visit, last visit, the latest visit's
    follow-up date, whether the latest visit left the case open], in one query (the open
    roster entries UNION ALL the open observation entries), whatever the number of households.

    Each entry is read with its household's kept visit dates (visits.latest), one joined row, rather
    than probing the visits table twice per household. Reading the entries directly (rather than
    households OR-joined to both lists) keeps PostgreSQL's row estimate right, so the plan stays cheap
    and below the JIT threshold.
    """
    branches = []
    for model, closed, dates in (
            (RosterEntry, "exited_on__isnull", ("entered_on", None)),
            (ObservationEntry, "removed_on__isnull", ("decided_on", "next_review_on"))):
        qs = model.objects.filter(**{closed: True})
        if village_ids is not None:
            qs = qs.filter(household__village__in=village_ids)
        if household_ids is not None:
            qs = qs.filter(household_id__in=household_ids)
        # The same columns in both branches, so that one UNION ALL statement reads both lists.
        qs = qs.annotate(watch=Value(model is RosterEntry), since=F(dates[0]),
                         review=F(dates[1]) if dates[1] else Value(None, output_field=DateField()),
                         last_completing_visit_on=F("household__latest_visit__seen_on"),
                         last_visit_on=F("household__latest_visit__visited_on"),
                         follow_up_on=F("household__latest_visit__follow_up_on"),
                         case_open=F("household__latest_visit__case_open"))
        branches.append(qs.order_by().values_list(
            "household_id", "watch", "cadence", "since", "review", "last_completing_visit_on", "last_visit_on",
            "follow_up_on", "case_open"))
    rows: dict[int, list] = {}
    for pk, on_roster, cadence, since, review, completing, last, follow_up, case_open in branches[0].union(
            branches[1], all=True):
        row = rows.setdefault(pk, [None] * WATCH_ROW_LENGTH)
        if on_roster:
            row[0:2] = cadence, since
        else:
            row[2:5] = cadence, since, review
        row[5:9] = completing, last, follow_up, case_open
    return rows


def due_of(roster_cadence, roster_entered_on, observation_cadence, observation_decided_on, observation_review_on,
           last_completing_on) -> tuple[dt.date | None, str, dt.date | None]:
    """(due date, cadence, anchor) of a watched household: the earliest of its watches.

    Month arithmetic (clamped to the month's end) is done here rather than in SQL, where
    PostgreSQL and SQLite disagree about 31 January + 1 month; it costs microseconds per household.
    """
    roster = observation = None
    last = last_completing_on
    if roster_cadence:
        anchor = last if last and last > roster_entered_on else roster_entered_on
        roster = (due_date(anchor, roster_cadence), roster_cadence, anchor)
    if observation_cadence:
        if last and last >= observation_decided_on:
            observation = (due_date(last, observation_cadence), observation_cadence, last)
        else:
            observation = (observation_review_on, observation_cadence, observation_decided_on)
    if roster is None or observation is None:
        return roster or observation or (None, "", None)
    # Plain comparisons: this runs for each of a village's thousands of watched households per page.
    return observation if observation[0] < roster[0] else roster


def _watch_item(pk, row) -> WatchItem | None:
    r_cadence, r_entered, o_cadence, o_decided, o_review, completing, last, follow_up, case_open = row
    due_on, cadence, anchor = due_of(r_cadence, r_entered, o_cadence, o_decided, o_review, completing)
    if due_on is None:
        return None
    # The latest visit did not see the person when it is later than the last completing visit
    # (completes_period is exactly person_seen, a check constraint). On a day with both, the
    # person was seen that day.
    seen = None if last is None else (completing is not None and completing >= last)
    open_after_seen = bool(seen and case_open)
    return WatchItem(household_id=pk, cadence=cadence, due_on=due_on, anchor=anchor, last_visit_on=last,
                     last_seen=seen, follow_up_on=follow_up if seen is False or open_after_seen else None,
                     open_after_seen=open_after_seen)


def watch_rows_of_villages(village_ids) -> dict[int, list]:
    """watch_rows of a set of villages, kept between requests (relief/figure_cache.py) under the stamp of the
    records the dashboards count: every change of roster, observation list or visit replaces it
    (households.services.household_refresh_flags, ledgers.receivers.visit_counted). A caseworker's worklist
    and home page read a village's thousands of watched households on every look; what they read changes
    with the visits logged, not with each look."""
    village_ids = sorted(village_ids)
    # v2: rows of WATCH_ROW_LENGTH; a cache filled before the rows gained case_open is not read back.
    return figure_cache.cached(data_version.RECORDS, f"watch-rows-v2-{figure_cache.scope_key(village_ids)}",
                               lambda: watch_rows(village_ids))


def watch_items(village_ids=None, household_ids=None) -> list[WatchItem]:
    """WatchItems of the watched households: one query (watch_rows), none while a village set's rows are kept."""
    rows = (watch_rows_of_villages(village_ids) if village_ids is not None and household_ids is None
            else watch_rows(village_ids, household_ids))
    items = (_watch_item(pk, row) for pk, row in sorted(rows.items()))
    return [item for item in items if item is not None]


def attach_households(items: list[WatchItem]) -> list[WatchItem]:
    """Fill in `household` (with its village) and `head_name` of the items a page shows: one query."""
    missing = [i for i in items if i.household is None]
    if missing:
        head = Member.objects.filter(household=OuterRef("pk")).order_by(
            Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1)), "pk")
        households = Household.objects.select_related("village").annotate(
            head_name=Subquery(head.values("name")[:1])).in_bulk([i.household_id for i in missing])
        for item in missing:
            item.household = households.get(item.household_id)
            item.head_name = getattr(item.household, "head_name", None) or ""
    return items


def attach_open_reasons(items: list[WatchItem]) -> list[WatchItem]:
    """Say, for the items a page shows whose latest visit saw the person but left the case open, what it left
    open (Visit.open_reasons: the situation not yet clear, a need without a measure) and which visit: one query,
    none when no such item is shown. The latest visit is the kept row's day, the last one logged on it."""
    from .models import Visit

    open_items = {i.household_id: i for i in items if i.open_after_seen}
    if not open_items:
        return items
    latest = {}
    for visit in (Visit.objects.filter(household_id__in=open_items,
                                       visited_on=F("household__latest_visit__visited_on"))
                  .only("pk", "household_id", "person_seen", "situation_clear", "needs", "needs_text", "measures")
                  .order_by("household_id", "pk")):
        latest[visit.household_id] = visit
    for household_id, item in open_items.items():
        visit = latest.get(household_id)
        if visit is not None:
            item.open_reasons, item.open_visit_id = visit.open_reasons(), visit.pk
    return items


WORKLIST_SECTIONS = ("overdue", "due", "not_seen", "open_case")


@dataclass
class Worklist:
    today: dt.date
    overdue: list[WatchItem]
    due_this_period: list[WatchItem]
    not_seen: list[WatchItem]
    open_case: list[WatchItem]
    new_alerts: list[Alert]
    watched_count: int
    new_alert_count: int = 0

    def section(self, name: str) -> list[WatchItem]:
        return {"overdue": self.overdue, "due": self.due_this_period, "not_seen": self.not_seen,
                "open_case": self.open_case}[name]


NEW_ALERTS_SHOWN = 20


def worklist_for(user, today: dt.date | None = None, village_ids=None, with_alerts: bool = True) -> Worklist:
    """The caseworker's worklist: overdue (oldest first), due this month, not seen last time, seen but with the
    case still open (仍需跟进), new alerts.

    A fixed number of queries whatever the number of households: one for the watched households with
    their kept visit dates (visits.latest), one for the newest alerts with their count. Households themselves are loaded only for
    the items a page shows (attach_households).
    """
    today = today or timezone.localdate()
    # The whole scope's new alerts are those the inbox lists, with the cases the user's township holds for a
    # family living elsewhere; a chosen village's are that village's.
    township_ids = ()
    if village_ids is None:
        village_ids = access.village_ids_for(user, Action.LOG_VISITS)
        township_ids = access.township_ids_for(user, Action.VIEW)
    village_ids = sorted(village_ids)
    # The sections change only with a write (the records' stamp) or the day: built once per process for a
    # village set and day rather than from its thousands of watched households on every look.
    overdue, due, not_seen, open_case, watched = figure_cache.kept_in_process(
        data_version.RECORDS, f"worklist-{figure_cache.scope_key(village_ids)}-{today}",
        lambda: _worklist_sections(village_ids, today))
    alerts, alert_count = [], 0
    if with_alerts:
        alerts, alert_count = newest_open_alerts(village_ids, NEW_ALERTS_SHOWN, township_ids)
    return Worklist(today=today, overdue=overdue, due_this_period=due, not_seen=not_seen, open_case=open_case,
                    new_alerts=alerts,
                    watched_count=watched, new_alert_count=alert_count)


def _worklist_sections(village_ids, today: dt.date) -> tuple[list[WatchItem], ...]:
    """(overdue oldest first, due this period, not seen last time, seen but still open, how many are watched) of
    these villages. A family in the last two is followed up by its date, the earliest first; one whose visit set
    no date, from the day of that visit."""
    items = watch_items(village_ids)
    end = period_end(today)
    overdue = sorted((i for i in items if i.due_on < today), key=lambda i: (i.due_on, i.household_id))
    for item in overdue:
        item.overdue_days = (today - item.due_on).days
    due = sorted((i for i in items if today <= i.due_on <= end), key=lambda i: (i.due_on, i.household_id))
    not_seen = sorted((i for i in items if i.last_seen is False),
                      key=lambda i: (i.follow_up_on or today, i.household_id))
    open_case = sorted((i for i in items if i.open_after_seen),
                       key=lambda i: (i.follow_up_on or i.last_visit_on, i.household_id))
    return overdue, due, not_seen, open_case, len(items)


_UNREAD = object()


def household_watch(household: Household, with_head: bool = False, latest=_UNREAD) -> WatchItem | None:
    """Due date and last visit of one household (None when it is neither on the roster nor observed).

    A page that has the household's roster and observation entries prefetched and its LatestVisit row
    (`latest`, None when never visited) pays no query; otherwise one. with_head also reads the head's
    name (one more query), for pages that do not list the members.
    """
    prefetched = getattr(household, "_prefetched_objects_cache", {})
    if latest is not _UNREAD and "roster_entries" in prefetched and "observation_entries" in prefetched:
        roster = next((e for e in prefetched["roster_entries"] if e.exited_on is None), None)
        observed = next((e for e in prefetched["observation_entries"] if e.removed_on is None), None)
        row = [None] * WATCH_ROW_LENGTH
        if roster:
            row[0:2] = roster.cadence, roster.entered_on
        if observed:
            row[2:5] = observed.cadence, observed.decided_on, observed.next_review_on
        if latest is not None:
            row[5:9] = latest.seen_on, latest.visited_on, latest.follow_up_on, latest.case_open
        item = _watch_item(household.pk, row) if roster or observed else None
    else:
        item = next(iter(watch_items(household_ids=[household.pk])), None)
    if item is None:
        return None
    item.household = household
    if with_head:
        item.head_name = (Member.objects.filter(household=household)
                          .order_by(Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1)), "pk")
                          .values_list("name", flat=True).first() or "")
    return item


def case_open_reasons(visits: list[Visit], alerts: list[Alert], watched: bool = True) -> list[str]:
    """Why the household's case is still open (三个不放过), from its latest visit and unhandled alerts. A family
    neither on the roster nor on the observation list is not due a visit: having none is no open case."""
    reasons = []
    if visits:
        latest = visits[0]
        reasons.extend(latest.open_reasons())
        if latest.person_seen and not latest.situation_clear:
            missing = latest.unanswered_checks()
            if missing:
                reasons.append(_("尚未了解：%(items)s") % {"items": punctuation.mark("、").join(missing)})
    elif watched:
        reasons.append(_("尚无走访记录"))
    for alert in alerts:
        if alert.is_unhandled:
            reasons.append(_("未处理的预警：%(k)s — %(r)s") % {"k": alert.get_kind_display(), "r": reason_text(alert)})
    return reasons
