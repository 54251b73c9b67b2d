"""Reads of the multi-department cases (综合评估, 部门办理事项): the queue, its home card, per-department counts.

Every read starts from relief.access.department_items_scope: a department's account sees its own department's
items in its township, township staff and the district every item of their villages."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from households.selectors import head_name_of
from relief import access

from .models import Department, DepartmentItem
from .models_departments import DECIDED_ITEM_STATUSES, ItemStatus

STATES = ("pending", "overdue", "decided", "all")


def items_for(user) -> QuerySet[DepartmentItem]:
    return (access.department_items_scope(DepartmentItem.objects.all(), user)
            .select_related("village", "assessment", "assessment__referral", "assessment__referral__household")
            .annotate(head_name=head_name_of("assessment__referral__household")))


def items_filtered(user, *, state: str = "pending", department: str = "") -> QuerySet[DepartmentItem]:
    """The queue's filters; `state` one of STATES (办理中 by default, as the home card counts)."""
    qs = items_for(user)
    if department:
        qs = qs.filter(department=department)
    if state == "overdue":
        qs = qs.overdue()
    elif state == "decided":
        qs = qs.decided().order_by("-decided_at", "-pk")
    elif state != "all":
        qs = qs.pending()
    return qs


def department_item_counts(user) -> list[dict]:
    """Per department: items still pending, past their deadline, approved and refused (one query)."""
    today = timezone.localdate()
    rows = (access.department_items_scope(DepartmentItem.objects.all(), user).order_by().values("department")
            .annotate(pending=Count("pk", filter=Q(status=ItemStatus.PENDING)),
                      overdue=Count("pk", filter=Q(status=ItemStatus.PENDING, deadline__lt=today)),
                      approved=Count("pk", filter=Q(status=ItemStatus.APPROVED)),
                      refused=Count("pk", filter=Q(status=ItemStatus.REFUSED))))
    by_code = {row["department"]: row for row in rows}
    return [{"code": code, "label": label, **{k: by_code.get(code, {}).get(k, 0)
                                             for k in ("pending", "overdue", "approved", "refused")}}
            for code, label in Department.choices if code in by_code]


def items_of_case(assessment) -> list[DepartmentItem]:
    return list(assessment.items.select_related("decided_by").order_by("deadline", "pk"))


__all__ = ["DECIDED_ITEM_STATUSES", "STATES", "department_item_counts", "items_filtered", "items_for",
           "items_of_case"]
