"""Reads of service kinds shared by the list page, the ledgers and the home page."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .service_kinds import review_due_expression
from .service_models import GoalStatus, ServiceGoal, ServiceRecord, ServiceType

FLAGS = [("goal_overdue", _("有超期服务目标")), ("contact_due", _("跟踪联系到期")),
         ("review_due", _("情况变化待复核"))]


@dataclass
class ServiceFilters:
    kind: str = ""
    village: int | None = None
    flag: str = ""

    @classmethod
    def from_request(cls, params, villages: dict) -> "ServiceFilters":
        kind = params.get("kind", "")
        flag = params.get("flag", "")
        try:
            village = int(params.get("village") or 0) or None
        except ValueError:
            village = None
        return cls(kind=kind if kind in ServiceType.values else "",
                   village=village if village in villages else None,
                   flag=flag if flag in dict(FLAGS) else "")

    def query(self, **changes) -> str:
        from urllib.parse import urlencode

        values = {"kind": self.kind, "village": self.village or "", "flag": self.flag, **changes}
        return urlencode({k: v for k, v in values.items() if v})


def current_services(village_ids, day: dt.date | None = None):
    """Current service records of the villages, with their flags as annotations."""
    day = day or timezone.localdate()
    return (ServiceRecord.objects.current().filter(household__village_id__in=village_ids)
            .annotate(review_due=review_due_expression(),
                      goal_overdue=Exists(ServiceGoal.objects.filter(record=OuterRef("pk"), status=GoalStatus.OPEN,
                                                                     target_on__lt=day))))


def service_rows(village_ids, filters: ServiceFilters, day: dt.date | None = None):
    day = day or timezone.localdate()
    qs = current_services(village_ids, day)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.village:
        qs = qs.filter(household__village_id=filters.village)
    if filters.flag == "goal_overdue":
        qs = qs.filter(goal_overdue=True)
    elif filters.flag == "contact_due":
        qs = qs.filter(kind=ServiceType.TRACKING, next_contact_on__lte=day)
    elif filters.flag == "review_due":
        qs = qs.filter(review_due=True)
    return (qs.select_related("household__village", "case_worker")
            .order_by("household__village__code", "kind", "household_id"))


def counts_by_village(village_ids) -> dict[tuple[int, str], int]:
    """{(village id, kind): households} of current records: the list's rows for ?village=&kind=."""
    rows = (ServiceRecord.objects.current().filter(household__village_id__in=village_ids)
            .values("household__village_id", "kind").annotate(n=Count("pk")).order_by())
    return {(r["household__village_id"], r["kind"]): r["n"] for r in rows}


def kinds_on(household_ids, day: dt.date) -> dict[int, str]:
    """{household id: kind} of the service kind running on `day` (the ledgers' 服务类型 column)."""
    rows = (ServiceRecord.objects.filter(household_id__in=household_ids, started_on__lte=day)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day)).order_by("started_on", "pk")
            .values_list("household_id", "kind"))
    return dict(rows)


def kind_counts_on(village_ids, day: dt.date) -> dict[tuple[int, str], int]:
    """{(village id, kind): households} whose kind runs on `day` (the classified summary's columns)."""
    rows = (ServiceRecord.objects.filter(household__village_id__in=village_ids, started_on__lte=day)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
            .values("household__village_id", "kind").annotate(n=Count("pk")).order_by())
    return {(r["household__village_id"], r["kind"]): r["n"] for r in rows}
