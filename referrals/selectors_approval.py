"""Reads after 公示: the approval queue and the standing public notice of recipients (救助对象长期公示)."""
from __future__ import annotations

import datetime as dt

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from households.models import AssistanceRecord, AssistanceType
from households.selectors import head_name_of
from relief import access
from relief.access import Action

from .models_approval import ApprovalRequest, ObjectionHotline

# The categories a village's standing notice lists (the regular assistance; one-off payments are not "current").
NOTICE_TYPES = (AssistanceType.DIBAO, AssistanceType.TEKUN)


def approvals_for(user, action: str = Action.VIEW) -> QuerySet[ApprovalRequest]:
    return (access.scope(ApprovalRequest.objects.all(), user, action, field="referral__village")
            .select_related("referral__village__parent", "referral__household", "submitted_by", "decided_by")
            .annotate(head_name=head_name_of("referral__household")))


def approval_queue(user) -> QuerySet[ApprovalRequest]:
    """The district's queue: pending, the earliest due first (the page, its home card and nav badge)."""
    return approvals_for(user, Action.DECIDE_REFERRALS).pending().order_by("due_on", "submitted_at", "pk")


def approval_queue_count(user) -> int:
    """The navigation badge: exactly the rows of the queue."""
    return access.scope(ApprovalRequest.objects.pending(), user, Action.DECIDE_REFERRALS, field="referral__village").count()


def mask_name(name: str) -> str:
    """A name on a public notice: the middle hidden (张*三, 欧**明); a two-character name keeps its surname
    only (王*), since nothing else would be hidden; one character shows as *."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def notice_board_rows(village_id: int, day: dt.date) -> list[dict]:
    """Who receives 低保/特困 in this village on `day`: masked name, category, amount, period. Nothing else
    (never an ID number or an address) leaves this function."""
    records = (AssistanceRecord.objects.running(day).filter(household__village_id=village_id, type__in=NOTICE_TYPES)
               .annotate(person=Coalesce(F("member__name"), head_name_of("household")))
               .order_by("type", "household_id", "start_date", "pk")
               .values("person", "type", "monthly_amount", "start_date", "end_date", "household_id"))
    labels = dict(AssistanceType.choices)
    return [{"name": mask_name(r["person"] or ""), "category": labels.get(r["type"], r["type"]),
             "amount": r["monthly_amount"], "start": r["start_date"], "end": r["end_date"]} for r in records]


def hotline_of(township_id: int | None) -> ObjectionHotline | None:
    return ObjectionHotline.objects.filter(township_id=township_id).first() if township_id else None
