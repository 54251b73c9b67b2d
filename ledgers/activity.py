"""Figures that read the visits and referrals apps (dashboard parts and scorecards).

Those apps are built alongside this one; each part returns None until its source models exist, and
the page says which figures are not available yet.
"""
from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .models import CheckResult, SampleItem
from .selectors import model_or_none


def dashboard_parts(user, jurisdiction, villages, start, end) -> dict:
    missing = [label for label in ("visits.Visit", "visits.Alert", "referrals.Lead", "referrals.Referral")
               if model_or_none(label) is None]
    return {"visits": None, "alerts": None, "referrals": None, "missing_sources": missing}


def sample_results_by(villages, start, end) -> dict:
    """Sample check results per village, for draws of quarters overlapping the period."""
    rows = (SampleItem.objects.filter(village__in=[v.pk for v in villages], start_date__range=(start, end))
            .values("village_id").annotate(total=Count("pk"),
                                           correct=Count("pk", filter=Q(result=CheckResult.CORRECT)),
                                           wrong=Count("pk", filter=Q(result__in=[CheckResult.OMISSION,
                                                                                   CheckResult.ERROR])),
                                           pending=Count("pk", filter=Q(result=CheckResult.PENDING))))
    return {row["village_id"]: row for row in rows}


def _rate(done: int, total: int) -> float | None:
    return round(done * 100 / total, 1) if total else None


def _display(rate: float | None) -> str:
    return "—" if rate is None else f"{rate}%"


def _score(parts: list[float | None]) -> float | None:
    """The mean of the available rates: a village is not marked down for figures that do not apply."""
    known = [p for p in parts if p is not None]
    return round(sum(known) / len(known), 1) if known else None


def _finish(row: dict) -> dict:
    s = row["samples"]
    row["sample_rate"] = _rate(s["correct"], s["total"] - s["pending"])
    row["visits_rate"] = _rate(row["visits"]["on_time"], row["visits"]["due"])
    row["leads_rate"] = _rate(row["leads"]["in_time"], row["leads"]["due"])
    row["score"] = _score([row["visits_rate"], row["leads_rate"], row["sample_rate"]])
    row["visits_display"] = _display(row["visits_rate"])
    row["leads_display"] = _display(row["leads_rate"])
    row["score_display"] = _display(row["score"]).rstrip("%")
    return row


def scorecards(user, villages, start, end) -> dict:
    samples = sample_results_by(villages, start, end)
    visits = visit_timeliness(villages, start, end) or {}
    leads = lead_timeliness(villages, start, end) or {}
    zero_s = {"total": 0, "correct": 0, "wrong": 0, "pending": 0}
    village_rows, townships = [], {}
    for village in villages:
        row = {"name": village.name, "village": village,
               "samples": dict(samples.get(village.pk, zero_s)),
               "visits": dict(visits.get(village.pk, {"due": 0, "on_time": 0})),
               "leads": dict(leads.get(village.pk, {"due": 0, "in_time": 0}))}
        village_rows.append(row)
        t = townships.setdefault(village.parent_id, {
            "name": village.parent.name if village.parent else "", "samples": dict(zero_s),
            "visits": {"due": 0, "on_time": 0}, "leads": {"due": 0, "in_time": 0}})
        for part in ("samples", "visits", "leads"):
            for key, value in row[part].items():
                if isinstance(value, int):
                    t[part][key] = t[part].get(key, 0) + value
    village_rows = [_finish(r) for r in village_rows]
    township_rows = [_finish(r) for r in townships.values()]
    missing = [label for label in ("visits.Visit", "referrals.Lead") if model_or_none(label) is None]
    return {"levels": [(_("乡镇（街道）"), township_rows), (_("村（社区）"), village_rows)],
            "start": start, "end": end,
            "note": (_("得分为按时走访率、线索按期办结率与抽查准确率的平均值（不适用的项不计）。")
                     + (_("尚未上线的数据来源：%(m)s。") % {"m": "、".join(missing)} if missing else ""))}


def visit_timeliness(villages, start, end) -> dict | None:
    """Per village: visits due in the period and those done on time. None until visits exist."""
    return None


def lead_timeliness(villages, start, end) -> dict | None:
    """Per village: leads whose deadline fell in the period and those handled by it. None until referrals exist."""
    return None
