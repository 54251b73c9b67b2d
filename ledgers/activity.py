"""Figures that read the visits and referrals apps: the dashboard's sections (drawn from its numbers,
ledgers.counts) and the scorecards.

Each part is None when its source models are missing, and the page says which figures are not available.
Every figure is a grouped aggregate over the user's villages: a fixed number of queries.
"""
from __future__ import annotations

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from relief.models import JurisdictionLevel
from relief import punctuation

from .charts import Bar, funnel, grouped_columns, hbar_chart
from .counts import visit_timeliness
from .models import CheckResult, SampleItem
from .selectors import model_or_none, url_or_blank


def lead_timeliness(villages, start, end) -> dict | None:
    """Per village: referrals whose deadline fell in the period, and those decided by their deadline."""
    if model_or_none("referrals.Referral") is None:
        return None
    from referrals.models import Referral

    ids = [v.pk for v in villages]
    rows = (Referral.objects.filter(village__in=ids, deadline__range=(start, min(end, timezone.localdate())))
            .annotate(decided_on=TruncDate("decided_at"))
            .values_list("village_id", "deadline", "decided_on"))
    result = {pk: {"due": 0, "in_time": 0} for pk in ids}
    for village_id, deadline, decided_on in rows:
        result[village_id]["due"] += 1
        if decided_on and decided_on <= deadline:
            result[village_id]["in_time"] += 1
    return result


def late_steps(villages) -> dict | None:
    """Per village: the steps running past their limit now (环节超时: leads not studied, referral steps held by
    the village, the township or the district), as the 清单管理 table counts them."""
    if model_or_none("referrals.Referral") is None:
        return None
    from referrals.selectors import late_step_counts

    return {pk: sum(n.values()) for pk, n in late_step_counts([v.pk for v in villages]).items()}


def approval_counts(villages, start, end) -> dict | None:
    """Per village: cases submitted for approval after 公示 in the period, and of them approved, refused and still
    pending past their approval deadline (referrals.models_approval)."""
    if model_or_none("referrals.ApprovalRequest") is None:
        return None
    from referrals.models import ApprovalRequest

    today = timezone.localdate()
    rows = (ApprovalRequest.objects.filter(referral__village__in=[v.pk for v in villages],
                                           submitted_at__date__range=(start, end))
            .values("referral__village_id").order_by()
            .annotate(submitted=Count("pk"), approved=Count("pk", filter=Q(state="approved")),
                      refused=Count("pk", filter=Q(state="refused")),
                      late=Count("pk", filter=Q(state="pending", due_on__lt=today))))
    return {row["referral__village_id"]: {k: row[k] for k in ("submitted", "approved", "refused", "late")}
            for row in rows}


def care_coverage(village_ids, day) -> dict | None:
    """Per village, on `day`: the 特困 people who need a care agreement (households/care.py, the one rule) and how
    many of them have one running (valid or about to expire)."""
    if model_or_none("households.CareAgreement") is None:
        return None
    from households.care import CareState, care_people

    rows = (care_people(village_ids, day).order_by().values("household__village_id")
            .annotate(need=Count("pk"), covered=Count("pk", filter=Q(care_state__in=[CareState.VALID,
                                                                                       CareState.EXPIRING]))))
    return {row["household__village_id"]: {"need": row["need"], "covered": row["covered"]} for row in rows}


def campaign_coverage(village_ids, start, end) -> dict | None:
    """Per village: families targeted by the focused screenings (集中排查) running in the period, and of them how
    many were visited within their campaign (plans/selectors_campaigns.py, the one rule). One query."""
    if model_or_none("plans.Campaign") is None:
        return None
    from plans.models import CampaignTarget
    from plans.selectors_campaigns import targets_in_state

    targets = CampaignTarget.objects.filter(campaign__starts_on__lte=end, campaign__ends_on__gte=start,
                                            village_id__in=village_ids)
    return {row["village_id"]: {"targets": row["n"], "visited": row["v"]}
            for row in targets_in_state(targets, "").order_by().values("village_id")
            .annotate(n=Count("pk"), v=Count("pk", filter=Q(visited=True)))}


def _visits_part(jurisdiction, villages, counts, whole_scope: bool) -> dict | None:
    timeliness = counts["timeliness"]
    if timeliness is None or counts["overdue"] is None:
        return None
    from alerts.models import AlertKind

    overdue = counts["overdue"]
    # The alert inbox (unhandled by default) filters by kind and village: the whole scope and each village
    # link to it; a township that is only part of the user's scope has no such list, so its total is unlinked.
    overdue_kind = {"kind": AlertKind.OVERDUE_VISIT}
    if whole_scope:
        alerts_url = url_or_blank("alerts:list", overdue_kind)
    elif jurisdiction is not None and jurisdiction.level == JurisdictionLevel.VILLAGE:
        alerts_url = url_or_blank("alerts:list", {**overdue_kind, "village": jurisdiction.pk})
    else:
        alerts_url = ""
    rows, ontime_bars, overdue_bars = [], [], []
    for village in villages:
        t = timeliness[village.pk]
        rate = round(t["on_time"] * 100 / t["due"], 1) if t["due"] else None
        village_url = url_or_blank("alerts:list", {**overdue_kind, "village": village.pk})
        rows.append({"village": village, "due": t["due"], "on_time": t["on_time"], "rate": rate,
                     "rate_display": "—" if rate is None else f"{rate}%", "overdue": overdue.get(village.pk, 0),
                     "overdue_url": village_url})
        ontime_bars.append(Bar(village.name, rate or 0, display="—" if rate is None else f"{rate}%"))
        overdue_bars.append(Bar(village.name, overdue.get(village.pk, 0), village_url))
    return {"rows": rows, "overdue_total": sum(overdue.values()), "overdue_url": alerts_url,
            "ontime_chart": hbar_chart(ontime_bars, title=_("按时走访率"), max_value=100),
            "overdue_chart": hbar_chart(overdue_bars, title=_("逾期未走访（未处理预警）"), color="#c0392b")}


def _referrals_part(user, counts, start, end, jurisdiction=None) -> dict | None:
    numbers = counts["referrals"]
    if numbers is None:
        return None
    from .selectors import figure_url

    stages = [Bar(_("受理线索"), numbers["leads"], figure_url(user, "leads", jurisdiction, start, end)),
              Bar(_("发起转办"), numbers["referred"], figure_url(user, "referred", jurisdiction, start, end)),
              Bar(_("报送乡镇"), numbers["submitted"], figure_url(user, "submitted", jurisdiction, start, end)),
              Bar(_("作出决定"), numbers["decided"], figure_url(user, "decided", jurisdiction, start, end)),
              Bar(_("符合条件·已救助"), numbers["eligible"], figure_url(user, "eligible", jurisdiction, start, end))]
    return {"stages": stages, "median_days": numbers["median_days"],
            "decided_in_period": numbers["decided_in_period"], "funnel_chart": funnel(stages, title=_("线索转办漏斗"))}


def _alerts_part(counts) -> dict | None:
    numbers = counts["alerts"]
    if numbers is None:
        return None
    weeks, opened, closed = numbers["weeks"], numbers["opened"], numbers["closed"]
    labels = [f"{w:%m/%d}" for w in weeks]
    return {"weeks": weeks, "opened": [opened.get(w, 0) for w in weeks], "closed": [closed.get(w, 0) for w in weeks],
            "chart": grouped_columns(labels, [(_("新增预警"), [opened.get(w, 0) for w in weeks], []),
                                              (_("关闭预警"), [closed.get(w, 0) for w in weeks], [])],
                                     title=_("每周预警新增与关闭"))}


def dashboard_parts(user, jurisdiction, villages, counts, start, end) -> dict:
    """The visits, referrals and alerts sections of the dashboard, from its numbers (ledgers.counts)."""
    missing = [label for label in ("visits.Visit", "alerts.Alert", "referrals.Lead", "referrals.Referral")
               if model_or_none(label) is None]
    whole_scope = jurisdiction is None or jurisdiction.pk == user.jurisdiction_id
    return {"visits": _visits_part(jurisdiction, villages, counts, whole_scope),
            "alerts": _alerts_part(counts),
            "referrals": _referrals_part(user, counts, start, end, jurisdiction), "missing_sources": missing}


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
    visits = visit_timeliness([v.pk for v in villages], start, end) or {}
    leads = lead_timeliness(villages, start, end) or {}
    late = late_steps(villages) or {}
    approvals = approval_counts(villages, start, end) or {}
    ids = [v.pk for v in villages]
    care = care_coverage(ids, min(end, timezone.localdate())) or {}
    campaigns = campaign_coverage(ids, start, end) or {}
    zero_a = {"submitted": 0, "approved": 0, "refused": 0, "late": 0}
    zero_s = {"total": 0, "correct": 0, "wrong": 0, "pending": 0}
    village_rows, townships = [], {}
    for village in villages:
        row = {"name": village.name, "village": village,
               "samples": dict(samples.get(village.pk, zero_s)),
               "visits": dict(visits.get(village.pk, {"due": 0, "on_time": 0})),
               "leads": dict(leads.get(village.pk, {"due": 0, "in_time": 0})),
               "late_steps": late.get(village.pk, 0), "approvals": dict(approvals.get(village.pk, zero_a)),
               "care": dict(care.get(village.pk, {"need": 0, "covered": 0})),
               "campaigns": dict(campaigns.get(village.pk, {"targets": 0, "visited": 0}))}
        village_rows.append(row)
        t = townships.setdefault(village.parent_id, {
            "name": village.parent.name if village.parent else "", "samples": dict(zero_s),
            "visits": {"due": 0, "on_time": 0}, "leads": {"due": 0, "in_time": 0}, "late_steps": 0,
            "approvals": dict(zero_a), "care": {"need": 0, "covered": 0}, "campaigns": {"targets": 0, "visited": 0}})
        t["late_steps"] += row["late_steps"]
        for part in ("samples", "visits", "leads", "approvals", "care", "campaigns"):
            for key, value in row[part].items():
                if isinstance(value, int):
                    t[part][key] = t[part].get(key, 0) + value
    village_rows = [_finish(r) for r in village_rows]
    township_rows = [_finish(r) for r in townships.values()]
    missing = [label for label in ("visits.Visit", "referrals.Lead") if model_or_none(label) is None]
    from .reports.departments import department_timeliness

    return {"levels": [(_("乡镇（街道）"), township_rows), (_("村（社区）"), village_rows)],
            "departments": department_timeliness([v.pk for v in villages], start, end),
            "start": start, "end": end,
            "note": (_("得分为按时走访率、线索按期办结率与抽查准确率的平均值（不适用的项不计）。")
                     + _("环节超时为当前超过区县设定时限仍未办理的线索和转办环节数（不计入得分）。")
                     + _("报送审批为期间内公示期满后报区县审批的件数及其中批准、不予批准和超期未批的件数（不计入得分）。")
                     + _("照料协议为需签照料协议的分散供养失能、半失能特困人员中协议在期的人数；集中排查为期间内进行的集中排查"
                         "中已走访的目标家庭数（均不计入得分）。")
                + (_("尚未上线的数据来源：%(m)s。") % {"m": punctuation.mark("、").join(missing)} if missing else ""))}
