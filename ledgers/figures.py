"""The rows behind the dashboard's figures of a period: each figure is counted from, and links to, the same
queryset, so a number and the list it opens cannot disagree.

A figure is named in the list's address (?figure=...), with the dashboard's own scope and period parameters.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import AssistanceRecord, Household, ObservationEntry, RosterEntry


@dataclass(frozen=True)
class Figure:
    label: str
    rows: Callable[[list[int], dt.date, dt.date], QuerySet]
    # The list whose access rule also gates these rows: a user who may not open the leads list may not
    # read its rows through a dashboard figure either.
    list_url: str
    source: str = ""  # app_label.Model the figure needs (None when that app is not installed)


def on_days(field: str, start: dt.date, end: dt.date) -> Q:
    """A moment on one of the local days start..end: as `field__date__range`, but a range of the column
    itself, which its index can serve (a date cast of every row cannot)."""
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    after = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return Q(**{f"{field}__gte": first, f"{field}__lt": after})


def _roster_exits(ids, start, end):
    return (RosterEntry.objects.filter(household__village__in=ids, exited_on__range=(start, end))
            .select_related("household__village").order_by("-exited_on", "household__village__code", "pk"))


def _new_assistance(ids, start, end):
    started = AssistanceRecord.objects.filter(household=OuterRef("pk"), start_date__range=(start, end))
    return (Household.objects.filter(village__in=ids).filter(Exists(started)).select_related("village")
            .order_by("village__code", "pk"))


def _observed(ids, start, end):
    return (ObservationEntry.objects.filter(household__village__in=ids, decided_on__range=(start, end))
            .select_related("household__village").order_by("-decided_on", "pk"))


def _leads(ids, start, end):
    from referrals.models import Lead

    return (Lead.objects.filter(on_days("received_at", start, end), village__in=ids).select_related("village")
            .order_by("-received_at", "pk"))


def _referred(ids, start, end):
    from referrals.models import Referral

    return (Referral.objects.filter(on_days("created_at", start, end), village__in=ids)
            .select_related("village").order_by("-created_at", "pk"))


FIGURES: dict[str, Figure] = {
    "roster_exits": Figure(_("本期退出花名册"), _roster_exits, "households:list"),
    "new_assistance": Figure(_("新增救助（户）"), _new_assistance, "households:list"),
    "observed": Figure(_("列入观察名单"), _observed, "households:list"),
    "leads": Figure(_("受理线索"), _leads, "referrals:lead_list", "referrals.Lead"),
    "referred": Figure(_("发起转办"), _referred, "referrals:list", "referrals.Referral"),
    "submitted": Figure(_("报送乡镇"), lambda ids, s, e: _referred(ids, s, e).filter(submitted_at__isnull=False),
                        "referrals:list", "referrals.Referral"),
    "decided": Figure(_("作出决定"), lambda ids, s, e: _referred(ids, s, e).filter(decided_at__isnull=False),
                      "referrals:list", "referrals.Referral"),
    "eligible": Figure(_("符合条件·已救助"),
                       lambda ids, s, e: _referred(ids, s, e).filter(status="eligible"), "referrals:list",
                       "referrals.Referral"),
}


def figure_open_to(user, key: str) -> Figure | None:
    """The figure, if it exists here and the user may read its rows (by the rule of the list it lists).
    Decided once per figure for a request's user: the dashboard asks for each month's rows."""
    known = user.__dict__.setdefault("_ledger_figures_open", {})
    if key not in known:
        known[key] = _open_to(user, key)
    return known[key]


def _open_to(user, key: str) -> Figure | None:
    from relief import access

    from .selectors import model_or_none

    figure = FIGURES.get(key)
    if figure is None or (figure.source and model_or_none(figure.source) is None):
        return None
    try:
        return figure if access.may_open(user, figure.list_url) else None
    except NoReverseMatch:  # the list's app is not installed
        return None


def row_of(figure: str, obj, heads: dict[int, str]) -> dict:
    """One list row: who, where, when, what, and the page of the record."""
    if figure == "roster_exits":
        return {"who": heads.get(obj.household_id, ""), "where": obj.household.village.name, "when": obj.exited_on,
                "what": obj.exit_reason, "url": reverse("households:detail", args=[obj.household_id])}
    if figure == "new_assistance":
        return {"who": heads.get(obj.pk, ""), "where": obj.village.name, "when": None, "what": obj.residence_address,
                "url": reverse("households:detail", args=[obj.pk])}
    if figure == "observed":
        return {"who": heads.get(obj.household_id, ""), "where": obj.household.village.name,
                "when": obj.decided_on, "what": obj.difficulty or obj.reason_not_eligible,
                "url": reverse("households:detail", args=[obj.household_id])}
    if figure == "leads":
        return {"who": obj.subject_name or heads.get(obj.household_id, ""), "where": obj.village.name if obj.village
                else "", "when": obj.received_at, "what": obj.get_status_display(),
                "url": reverse("referrals:lead_detail", args=[obj.pk])}
    return {"who": heads.get(obj.household_id, ""), "where": obj.village.name, "when": obj.created_at,
            "what": obj.get_status_display(), "url": reverse("referrals:detail", args=[obj.pk])}


def household_id_of(figure: str, obj) -> int | None:
    return obj.pk if figure == "new_assistance" else obj.household_id
