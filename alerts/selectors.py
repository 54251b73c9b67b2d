"""Reads of alerts shared by the inbox, the navigation badge, the home cards, the worklist and the jobs."""
from __future__ import annotations

from django.db.models import Case, Count, F, Q, QuerySet, Subquery, When
from django.shortcuts import get_object_or_404

from households.models import Household, RosterEntry
from households.selectors import head_name_of, search_filter
from relief import access, data_version, figure_cache
from relief.access import Action
from relief.models import User

from .models import Alert, AlertKind, AlertStatus, UNHANDLED_STATUSES

# The figure-cache topic of the counts of alerts: every write in services.py announces it.
ALERTS_TOPIC = data_version.topic("alerts")


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


def household_caseworker_expression(prefix: str = "household__") -> Case:
    """The household's own caseworker if they serve its village, else nobody, as SQL: who answers for a
    household that is not on the roster (an observation-only one). `prefix` leads to the household."""
    return Case(When(Q(**{f"{prefix}caseworker__jurisdiction_id": F(f"{prefix}village_id")}),
                     then=F(f"{prefix}caseworker_id")), default=None)


def household_caseworker(household: Household) -> User | None:
    """Who answers for the household: its roster caseworker, else its own, if they serve its village
    (the same rule as assignee_expression, for one household)."""
    entry = (RosterEntry.objects.filter(household=household, exited_on__isnull=True)
             .select_related("caseworker").first())
    for candidate in (entry.caseworker if entry else None, household.caseworker):
        if candidate is not None and candidate.jurisdiction_id == household.village_id:
            return candidate
    return None


def unhandled_alert_count(user) -> int:
    """Alerts not yet closed in the user's jurisdiction (new or acknowledged), as the alert inbox lists them
    by default: the navigation badge on every page (from alert_counts, cached)."""
    counts = alert_counts(user)
    return counts["open"] + counts["acknowledged"]


def newest_open_alerts(village_ids, limit: int, township_ids=()) -> tuple[list[Alert], int]:
    """The newest `limit` new alerts of the villages (and those the townships of `township_ids` hold), with the
    count of all of them: the worklist's 新预警, the same set as the inbox it links to lists.
    Two statements: the count, and the newest rows picked by id before their households are joined
    (a window count over the joined rows read every household of the villages)."""
    open_alerts = Alert.objects.within(village_ids, township_ids).filter(status=AlertStatus.OPEN)
    total = open_alerts.count()
    if not total:
        return [], 0
    newest = open_alerts.order_by("-opened_at", "-pk").values("pk")[:limit]
    alerts = list(Alert.objects.filter(pk__in=Subquery(newest)).select_related("household", "household__village",
                                                                                "village")
                  .annotate(head_name=head_name_of()).order_by("-opened_at", "-pk"))
    return alerts, total


def scoped(queryset: QuerySet[Alert], user, action: str = Action.VIEW) -> QuerySet[Alert]:
    """The alerts of the queryset the user may act on: by the village they lie in (their household's now), or by
    the township holding it for a step of the family's hukou township (the
    rule: alerts.models.place_in)."""
    return (access.scope(queryset.filter(township__isnull=True), user, action, field="village")
            | access.scope_covered(queryset.filter(township__isnull=False), user, action, field="township"))


def alerts_for(user, status: str = "unhandled", kind: str = "", village=None, q: str = "") -> QuerySet[Alert]:
    """The alerts the user may see, filtered. `village` (a Jurisdiction or pk) narrows within that scope:
    a village outside it yields nothing, never another jurisdiction's alerts. `q`, the search box: the
    family's member by name, pinyin or ID number, its address, or the alert's reason (a hotline alert's
    reason names its work order number; an alert about a lead, its person)."""
    qs = scoped(Alert.objects.all(), user)
    q = (q or "").strip()
    if q:
        qs = qs.filter(search_filter(q, household="household") | Q(reason__contains=q))
    if village is not None:
        qs = qs.of_village(village)
    if status == "unhandled":
        qs = qs.unhandled()
    elif status in AlertStatus.values:
        qs = qs.filter(status=status)
    if kind in AlertKind.values:
        qs = qs.filter(kind=kind)
    # What the list shows (alerts/_subject.html); each join more costs the planner on every page.
    return qs.select_related("household", "household__village", "village", "township").annotate(
        head_name=head_name_of())


def alert_for(user, pk, action: str = Action.VIEW) -> Alert:
    """One alert with everything its page shows; 404 outside the user's jurisdiction for `action`."""
    qs = scoped(Alert.objects.select_related("household", "household__village", "village", "township", "caseworker",
                                             "rule", "event", "opened_by", "acknowledged_by", "closed_by")
                .annotate(head_name=head_name_of()), user, action)
    return get_object_or_404(qs, pk=pk)


def alert_counts(user, village=None) -> dict[str, int]:
    """New, acknowledged and unhandled overdue-visit alerts in the user's jurisdiction, in one query. Those
    of the whole jurisdiction are on every page (badge, home card): cached per scope until an alert changes
    (relief/figure_cache.py; the alert services announce every change)."""
    village_ids = access.village_ids_for(user, Action.VIEW)
    township_ids = access.township_ids_for(user, Action.VIEW)

    def count() -> dict[str, int]:
        qs = Alert.objects.within(village_ids, township_ids)
        if village is not None:
            qs = qs.of_village(village)
        return qs.aggregate(
            open=Count("pk", filter=Q(status=AlertStatus.OPEN)),
            acknowledged=Count("pk", filter=Q(status=AlertStatus.ACKNOWLEDGED)),
            overdue=Count("pk", filter=Q(status__in=UNHANDLED_STATUSES, kind=AlertKind.OVERDUE_VISIT)),
        )

    if village is not None:
        return count()
    # Both sets name the scope: a caseworker of every village of a township is not its staff (place_in).
    scope = f"{figure_cache.scope_key(village_ids)}-{figure_cache.scope_key(township_ids)}"
    return figure_cache.cached(ALERTS_TOPIC, f"counts-{scope}", count)


def household_alerts(household: Household, limit: int) -> list[Alert]:
    """The household's latest alerts, newest first (the household page)."""
    from households.presence import listed

    return listed(household, Alert,
                  lambda: Alert.objects.filter(household=household).order_by("-opened_at", "-pk")[:limit])
