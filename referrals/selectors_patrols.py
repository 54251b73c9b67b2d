"""Reads of street patrols shared by the pages: what a user may see, one township's patrols filtered."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from relief import access
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel, User
from relief.months import month_end

from .models import Patrol


def patrols_for(user: User, action: str = Action.VIEW) -> QuerySet[Patrol]:
    """Patrols of the villages the user may act on, and township-wide ones of townships they serve."""
    qs = Patrol.objects.all()
    if user.is_superuser:
        return qs
    mine = Q(village_id__in=access.village_ids_for(user, action)) \
        | Q(village__isnull=True, township_id__in=access.jurisdiction_ids_for(user, action))
    if action == Action.VIEW:
        # Whoever went on a patrol reads its record, a village caseworker on a township-wide round too.
        mine |= Q(Exists(Patrol.staff.through.objects.filter(patrol_id=OuterRef("pk"), user_id=user.pk)))
    return qs.filter(mine)


def patrol_townships(user: User) -> list[Jurisdiction]:
    """Townships whose patrols the user may see some of (a caseworker: their village's township)."""
    ids = access.jurisdiction_ids_for(user, Action.VIEW)
    parents = Jurisdiction.objects.filter(pk__in=ids, level=JurisdictionLevel.VILLAGE).values("parent")
    qs = Jurisdiction.objects.filter(level=JurisdictionLevel.TOWNSHIP)
    if not user.is_superuser:
        qs = qs.filter(Q(pk__in=ids) | Q(pk__in=parents))
    return list(qs.order_by("code"))


def patrols_filtered(user: User, *, township: Jurisdiction, month: dt.date | None = None,
                     village: Jurisdiction | None = None) -> QuerySet[Patrol]:
    """One township's patrols the user may see, newest first, with the number of leads each raised."""
    qs = patrols_for(user).filter(township=township)
    if month is not None:
        qs = qs.filter(patrolled_on__gte=month, patrolled_on__lte=month_end(month))
    if village is not None:
        qs = qs.filter(village=village)
    return (qs.select_related("village", "recorded_by").prefetch_related("staff")
            .annotate(lead_count=Count("lead_links")).order_by("-patrolled_on", "-pk"))
