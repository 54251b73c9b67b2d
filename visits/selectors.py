"""Reads shared by the worklist, the household page, the home cards and the jobs."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case, CharField, Count, DateField, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Value, When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Cadence, Household, Member, ObservationEntry, Relation, RosterEntry
from relief import access
from relief.access import Action

from .cadence import CADENCE_MONTHS, due_date, overdue_threshold, period_end
from .models import Alert, AlertKind, AlertStatus, UNHANDLED_STATUSES, Visit


def _last_visit(field_name: str, completing: bool = False, ref: str = "pk"):
    visits = Visit.objects.filter(household=OuterRef(ref))
    if completing:
        visits = visits.filter(completes_period=True)
    return Subquery(visits.order_by("-visited_on", "-pk").values(field_name)[:1])


def assignee_expression(prefix: str = "") -> Case:
    """The caseworker answering for a roster entry's household, as SQL (for the set-based jobs).

    The roster's caseworker if they serve the household's village, else the household's own
    caseworker if they do, else nobody (the village's caseworkers and the township see it).
    `prefix` is the path from the queried model to the RosterEntry ("" when querying entries).
    """
    village = F(f"{prefix}household__village_id")
    return Case(
        When(Q(**{f"{prefix}caseworker__jurisdiction_id": village}), then=F(f"{prefix}caseworker_id")),
        When(Q(**{f"{prefix}household__caseworker__jurisdiction_id": village}),
             then=F(f"{prefix}household__caseworker_id")),
        default=None,
    )


# ---------------------------------------------------------------- overdue scan (set-based)

def overdue_roster_entries(today: dt.date) -> QuerySet[RosterEntry]:
    """Open roster entries whose household's visit is overdue today, annotated for the alert row.

    anchor = the later of the last completing visit and the roster entry date; overdue when the
    anchor lies before its cadence's threshold (see cadence.overdue_threshold).
    """
    overdue = Q()
    for cadence in CADENCE_MONTHS:
        overdue |= Q(cadence=cadence, anchor__lt=overdue_threshold(today, cadence))
    cadence_label = Case(*[When(cadence=c, then=Value(str(Cadence(c).label))) for c in CADENCE_MONTHS],
                         default=Value(""), output_field=CharField())
    anchor_text = Cast("anchor", CharField())
    # The last completing visit as one aggregate over a join (a single hash aggregate on PostgreSQL)
    # rather than a correlated subquery, which the expressions below would repeat per row.
    return (
        RosterEntry.objects.filter(exited_on__isnull=True)
        .annotate(last_completing_on=Max("household__visits__visited_on",
                                         filter=Q(household__visits__completes_period=True)))
        .annotate(anchor=Greatest(Coalesce("last_completing_on", "entered_on"), "entered_on",
                                  output_field=DateField()))
        .filter(overdue)
        .annotate(
            alert_dedupe_key=Concat(Value("overdue:"), Cast("household_id", CharField()), Value(":"), anchor_text,
                                    output_field=CharField()),
            alert_reason=Case(
                When(last_completing_on__isnull=True,
                     then=Concat(Value(_("纳入花名册（")), anchor_text, Value(_("）后尚无见到本人的走访，已超过")),
                                 cadence_label, Value(_("走访一次的期限")), output_field=CharField())),
                default=Concat(Value(_("上次见到本人的走访在 ")), anchor_text, Value(_("，已超过")), cadence_label,
                               Value(_("走访一次的期限")), output_field=CharField()),
                output_field=CharField(),
            ),
            assignee=assignee_expression(),
        )
    )


# ---------------------------------------------------------------- worklist and household page

@dataclass
class WatchItem:
    """One watched household on the worklist, with its due date and why it is listed."""

    household: Household
    cadence: str
    due_on: dt.date
    anchor: dt.date | None
    last_visit_on: dt.date | None
    last_seen: bool | None
    follow_up_on: dt.date | None
    head_name: str
    alerts: list = field(default_factory=list)

    @property
    def cadence_label(self) -> str:
        return str(Cadence(self.cadence).label) if self.cadence in Cadence.values else ""

    def days_overdue(self, today: dt.date) -> int:
        return (today - self.due_on).days


def watched_households(village_ids) -> QuerySet[Household]:
    """Households on the roster or the observation list in these villages, annotated in one query."""
    open_roster = RosterEntry.objects.filter(household=OuterRef("pk"), exited_on__isnull=True)
    open_observation = ObservationEntry.objects.filter(household=OuterRef("pk"), removed_on__isnull=True)
    head = Member.objects.filter(household=OuterRef("pk")).order_by(
        Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1)), "pk")
    return (
        Household.objects.filter(village__in=village_ids)
        .filter(Exists(open_roster) | Exists(open_observation))
        .select_related("village")
        .annotate(
            roster_cadence=Subquery(open_roster.values("cadence")[:1]),
            roster_entered_on=Subquery(open_roster.values("entered_on")[:1]),
            observation_cadence=Subquery(open_observation.values("cadence")[:1]),
            observation_decided_on=Subquery(open_observation.values("decided_on")[:1]),
            observation_review_on=Subquery(open_observation.values("next_review_on")[:1]),
            last_completing_on=_last_visit("visited_on", completing=True),
            last_visit_on=_last_visit("visited_on"),
            last_seen=_last_visit("person_seen"),
            last_follow_up_on=_last_visit("next_follow_up_on"),
            head_name=Subquery(head.values("name")[:1]),
        )
        .order_by("pk")
    )


def due_of(household) -> tuple[dt.date | None, str, dt.date | None]:
    """(due date, cadence, anchor) of an annotated watched household: the earliest of its watches."""
    candidates = []
    last = household.last_completing_on
    if household.roster_cadence:
        anchor = max(last, household.roster_entered_on) if last else household.roster_entered_on
        candidates.append((due_date(anchor, household.roster_cadence), household.roster_cadence, anchor))
    if household.observation_cadence:
        if last and last >= household.observation_decided_on:
            candidates.append((due_date(last, household.observation_cadence), household.observation_cadence, last))
        else:
            candidates.append((household.observation_review_on, household.observation_cadence,
                               household.observation_decided_on))
    if not candidates:
        return None, "", None
    return min(candidates, key=lambda c: c[0])


@dataclass
class Worklist:
    today: dt.date
    overdue: list[WatchItem]
    due_this_period: list[WatchItem]
    not_seen: list[WatchItem]
    new_alerts: list[Alert]
    watched_count: int


def worklist_for(user, today: dt.date | None = None, village_ids=None) -> Worklist:
    """The caseworker's worklist: overdue (oldest first), due this month, not seen last time, new alerts.

    A fixed number of queries whatever the number of households: one for the watched households
    with their last visits, one for the unhandled alerts.
    """
    today = today or timezone.localdate()
    if village_ids is None:
        village_ids = access.village_ids_for(user, Action.LOG_VISITS)
    items = []
    for household in watched_households(village_ids):
        due_on, cadence, anchor = due_of(household)
        if due_on is None:
            continue
        items.append(WatchItem(household=household, cadence=cadence, due_on=due_on, anchor=anchor,
                               last_visit_on=household.last_visit_on, last_seen=household.last_seen,
                               follow_up_on=household.last_follow_up_on, head_name=household.head_name or ""))
    end = period_end(today)
    overdue = sorted((i for i in items if i.due_on < today), key=lambda i: (i.due_on, i.household.pk))
    due = sorted((i for i in items if today <= i.due_on <= end), key=lambda i: (i.due_on, i.household.pk))
    not_seen = sorted((i for i in items if i.last_seen is False),
                      key=lambda i: (i.follow_up_on or today, i.household.pk))
    alerts = list(
        Alert.objects.within(village_ids).filter(status=AlertStatus.OPEN)
        .select_related("household", "household__village").order_by("-opened_at", "-pk")[:50]
    )
    return Worklist(today=today, overdue=overdue, due_this_period=due, not_seen=not_seen, new_alerts=alerts,
                    watched_count=len(items))


def household_watch(household: Household) -> WatchItem | None:
    """Due date and last visit of one household (None when it is neither on the roster nor observed)."""
    row = watched_households([household.village_id]).filter(pk=household.pk).first()
    if row is None:
        return None
    due_on, cadence, anchor = due_of(row)
    return WatchItem(household=household, cadence=cadence, due_on=due_on, anchor=anchor,
                     last_visit_on=row.last_visit_on, last_seen=row.last_seen, follow_up_on=row.last_follow_up_on,
                     head_name=row.head_name or "")


def case_open_reasons(visits: list[Visit], alerts: list[Alert]) -> list[str]:
    """Why the household's case is still open (三个不放过), from its latest visit and unhandled alerts."""
    reasons = []
    if visits:
        latest = visits[0]
        reasons.extend(latest.open_reasons())
        if latest.person_seen and not latest.situation_clear:
            missing = latest.unanswered_checks()
            if missing:
                reasons.append(_("尚未了解：%(items)s") % {"items": "、".join(missing)})
    else:
        reasons.append(_("尚无走访记录"))
    for alert in alerts:
        if alert.is_unhandled:
            reasons.append(_("未处理的预警：%(k)s — %(r)s") % {"k": alert.get_kind_display(), "r": alert.reason})
    return reasons


def open_alert_count(user) -> int:
    """New (not yet acknowledged) alerts in the user's jurisdiction: the navigation badge, one query."""
    return Alert.objects.within(access.village_ids_for(user, Action.VIEW)).filter(status=AlertStatus.OPEN).count()


def alerts_for(user, status: str = "unhandled", kind: str = "") -> QuerySet[Alert]:
    qs = access.scope(Alert.objects.all(), user, Action.VIEW, field="household__village")
    if status == "unhandled":
        qs = qs.unhandled()
    elif status in AlertStatus.values:
        qs = qs.filter(status=status)
    if kind in AlertKind.values:
        qs = qs.filter(kind=kind)
    return qs.select_related("household", "household__village", "caseworker", "acknowledged_by", "closed_by")


def alert_counts(user) -> dict[str, int]:
    qs = access.scope(Alert.objects.all(), user, Action.VIEW, field="household__village")
    row = qs.aggregate(
        open=Count("pk", filter=Q(status=AlertStatus.OPEN)),
        acknowledged=Count("pk", filter=Q(status=AlertStatus.ACKNOWLEDGED)),
        overdue=Count("pk", filter=Q(status__in=UNHANDLED_STATUSES, kind=AlertKind.OVERDUE_VISIT)),
    )
    return row
