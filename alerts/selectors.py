"""Reads of alerts shared by the inbox, the navigation badge, the home cards, the worklist and the jobs."""
from __future__ import annotations

from django.db.models import Case, Count, F, Q, QuerySet, When, Window
from django.shortcuts import get_object_or_404

from households.models import Household, RosterEntry
from households.selectors import head_name_of
from relief import access
from relief.access import Action
from relief.models import User

from .models import Alert, AlertKind, AlertStatus, UNHANDLED_STATUSES


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
    by default: the navigation badge, one query."""
    return Alert.objects.within(access.village_ids_for(user, Action.VIEW)).unhandled().count()


def newest_open_alerts(village_ids, limit: int) -> tuple[list[Alert], int]:
    """The newest `limit` new alerts of the villages, with the count of all of them, in one statement
    (a window count over the same rows): the worklist's 新预警."""
    alerts = list(Alert.objects.within(village_ids).filter(status=AlertStatus.OPEN)
                  .select_related("household", "household__village")
                  .annotate(total=Window(Count("pk")), head_name=head_name_of())
                  .order_by("-opened_at", "-pk")[:limit])
    return alerts, (alerts[0].total if alerts else 0)


def alerts_for(user, status: str = "unhandled", kind: str = "", village=None) -> QuerySet[Alert]:
    """The alerts the user may see, filtered. `village` (a Jurisdiction or pk) narrows within that scope:
    a village outside it yields nothing, never another jurisdiction's alerts."""
    qs = access.scope(Alert.objects.all(), user, Action.VIEW, field="household__village")
    if village is not None:
        qs = qs.filter(household__village=village)
    if status == "unhandled":
        qs = qs.unhandled()
    elif status in AlertStatus.values:
        qs = qs.filter(status=status)
    if kind in AlertKind.values:
        qs = qs.filter(kind=kind)
    return qs.select_related("household", "household__village", "caseworker", "acknowledged_by",
                             "closed_by").annotate(head_name=head_name_of())


def alert_for(user, pk, action: str = Action.VIEW) -> Alert:
    """One alert with everything its page shows; 404 outside the user's jurisdiction for `action`."""
    qs = access.scope(Alert.objects.select_related("household", "household__village", "caseworker", "rule",
                                                   "event", "opened_by", "acknowledged_by", "closed_by")
                      .annotate(head_name=head_name_of()),
                      user, action, field="household__village")
    return get_object_or_404(qs, pk=pk)


def alert_counts(user, village=None) -> dict[str, int]:
    """New, acknowledged and unhandled overdue-visit alerts in the user's jurisdiction, in one query."""
    qs = access.scope(Alert.objects.all(), user, Action.VIEW, field="household__village")
    if village is not None:
        qs = qs.filter(household__village=village)
    return qs.aggregate(
        open=Count("pk", filter=Q(status=AlertStatus.OPEN)),
        acknowledged=Count("pk", filter=Q(status=AlertStatus.ACKNOWLEDGED)),
        overdue=Count("pk", filter=Q(status__in=UNHANDLED_STATUSES, kind=AlertKind.OVERDUE_VISIT)),
    )


def household_alerts(household: Household, limit: int) -> list[Alert]:
    """The household's latest alerts, newest first (the household page)."""
    return list(Alert.objects.filter(household=household).order_by("-opened_at", "-pk")[:limit])
