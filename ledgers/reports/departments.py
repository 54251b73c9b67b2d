"""部门办理事项 in the monthly ledger: a multi-department case (综合评估, referrals.models_departments) counts
once for each department it was handed to — what each department was given in the period, what it decided
(approved / refused, and by its deadline) and what it still has open at the period's end."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.utils import timezone

from relief.xlsx import Column, Sheet


def department_item_rows(request) -> list[list]:
    """One row per department with items in the request's villages: 交办, 同意, 不同意, 按期办结, 未办结, 超期."""
    from referrals.models import Department, DepartmentItem

    r = request
    day = min(r.end, timezone.localdate())
    end_of = timezone.make_aware(dt.datetime.combine(r.end + dt.timedelta(days=1), dt.time()))
    in_period = Q(decided_at__date__range=(r.start, r.end))
    open_at_end = Q(created_at__lt=end_of) & (Q(decided_at__isnull=True) | Q(decided_at__gte=end_of))
    rows = (DepartmentItem.objects.filter(village_id__in=r.village_ids).order_by().values("department")
            .annotate(given=Count("pk", filter=Q(created_at__date__range=(r.start, r.end))),
                      approved=Count("pk", filter=in_period & Q(status="approved")),
                      refused=Count("pk", filter=in_period & Q(status="refused")),
                      in_time=Count("pk", filter=in_period & Q(decided_at__date__lte=F("deadline"))),
                      open=Count("pk", filter=open_at_end),
                      late=Count("pk", filter=open_at_end & Q(deadline__lt=day))))
    by_code = {row["department"]: row for row in rows}
    keys = ("given", "approved", "refused", "in_time", "open", "late")
    result = [[str(label), *[by_code[code][k] for k in keys]] for code, label in Department.choices if code in by_code]
    if result:
        result.append(["合计", *[sum(row[i + 1] for row in result) for i in range(len(keys))]])
    return result


def department_items_sheet(request) -> Sheet:
    return Sheet(title="部门办理事项", columns=[
        Column("承办部门", 16), Column("本期交办", 10, "int"), Column("同意", 8, "int"), Column("不同意", 8, "int"),
        Column("按期办结", 10, "int"), Column("期末未办结", 10, "int"), Column("其中超期", 10, "int")],
        rows=iter(department_item_rows(request)), heading="部门办理事项（综合评估后多部门协同办理，按部门统计）",
        notes=["一件综合评估的救助事项交给几个部门，就在每个部门各计一项。"])


def department_timeliness(village_ids, start, end) -> list[dict]:
    """考核 per department: items whose deadline fell in the period (up to today) and those decided by it
    (按期办结率), with what is overdue now; departments with no item in the villages are left out."""
    from referrals.models import Department, DepartmentItem

    today = timezone.localdate()
    due = Q(deadline__range=(start, min(end, today)))
    rows = (DepartmentItem.objects.filter(village_id__in=list(village_ids)).order_by().values("department")
            .annotate(due=Count("pk", filter=due),
                      in_time=Count("pk", filter=due & Q(decided_at__isnull=False,
                                                         decided_at__date__lte=F("deadline"))),
                      overdue=Count("pk", filter=Q(status="pending", deadline__lt=today))))
    by_code = {row["department"]: row for row in rows}
    result = []
    for code, label in Department.choices:
        if code not in by_code:
            continue
        row = by_code[code]
        rate = round(row["in_time"] * 100 / row["due"], 1) if row["due"] else None
        result.append({"label": label, "due": row["due"], "in_time": row["in_time"], "overdue": row["overdue"],
                       "rate_display": "—" if rate is None else f"{rate}%"})
    return result
