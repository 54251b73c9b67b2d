"""Reads shared by the lead and referral pages: every queryset starts from what the user may see."""
from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from households.models import Member, Relation
from relief import access
from relief.access import Action

from .models import OPEN_STATUSES, Department, Lead, LeadStatus, Referral, ReferralStatus, referral_overdue_q


def _head_name():
    return Subquery(Member.objects.filter(household=OuterRef("household"), relation=Relation.HEAD)
                    .order_by("pk").values("name")[:1])


def leads_for(user) -> QuerySet[Lead]:
    return (access.scope(Lead.objects.all(), user, Action.VIEW)
            .select_related("village", "household", "received_by")
            .annotate(head_name=_head_name()))


def leads_filtered(user, *, village=None, status: str = "", channel: str = "") -> QuerySet[Lead]:
    qs = leads_for(user)
    if village is not None:
        qs = qs.filter(village=village)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-received_at", "-pk")


def referrals_for(user) -> QuerySet[Referral]:
    return (access.scope(Referral.objects.all(), user, Action.VIEW)
            .select_related("village", "household").annotate(head_name=_head_name()))


def referrals_filtered(user, *, village=None, department: str = "", status: str = "",
                       overdue: bool = False) -> QuerySet[Referral]:
    qs = referrals_for(user)
    if village is not None:
        qs = qs.filter(village=village)
    if department:
        qs = qs.filter(department=department)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.overdue()
    return qs.order_by("deadline", "-updated_at", "-pk") if overdue else qs.order_by("-updated_at", "-pk")


def department_counts(user) -> list[dict]:
    """Per department: open referrals and how many are past their deadline (清单管理), one query."""
    rows = (access.scope(Referral.objects.exclude(department=""), user, Action.VIEW)
            .values("department")
            .annotate(open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
                      overdue=Count("pk", filter=referral_overdue_q()),
                      eligible=Count("pk", filter=Q(status=ReferralStatus.ELIGIBLE)),
                      ineligible=Count("pk", filter=Q(status=ReferralStatus.INELIGIBLE))))
    by_code = {row["department"]: row for row in rows}
    return [{"code": code, "label": label, **{k: by_code.get(code, {}).get(k, 0)
                                             for k in ("open", "overdue", "eligible", "ineligible")}}
            for code, label in Department.choices]


def household_leads_and_referrals(household) -> tuple[list[Lead], list[Referral]]:
    """Two queries whatever the household's history (the household page section)."""
    leads = list(Lead.objects.filter(household=household).select_related("received_by").order_by("-received_at"))
    referrals = list(Referral.objects.filter(household=household).order_by("-created_at"))
    return leads, referrals


def open_lead_count(user) -> int:
    return access.scope(Lead.objects.filter(status__in=[LeadStatus.NEW, LeadStatus.LOOKING_INTO]), user,
                        Action.VIEW).count()
