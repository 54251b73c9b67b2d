"""Reads of the ledgers app: the closing board, sampling results, dashboard figures and scorecards.

Every figure is counted within what the user may see, in a fixed number of queries whatever the
number of villages or households (grouped aggregates, never a query per village).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import AssistanceType, Member, MemberStatus, Relation, TargetKind
from relief import access
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel

from .charts import Bar, grouped_columns, hbar_chart
from .models import CheckResult, LedgerSnapshot, SamplingDraw, SnapshotKind
from relief.months import add_months, month_start, months_between


def model_or_none(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def url_or_blank(name: str, params: dict | None = None, **kwargs) -> str:
    try:
        url = reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""
    params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    return f"{url}?{urlencode(params)}" if params else url


# ---------------------------------------------------------------- monthly closing board
@dataclass
class ClosingRow:
    township: Jurisdiction
    cells: list = field(default_factory=list)   # per month: {"month", "monthly", "summary"}


def closing_pending(user, kind: str, today=None) -> list:
    """The townships of the user that have not yet sent this month's ledger (kind monthly) or last month's
    classified summary (kind summary): the one rule behind the home reminder and the list it opens."""
    today = today or timezone.localdate()
    this_month = month_start(today)
    month = this_month if kind == SnapshotKind.MONTHLY else add_months(this_month, -1)
    townships = access.jurisdictions_for(user, Action.EXPORT_LEDGERS, JurisdictionLevel.TOWNSHIP).order_by("code")
    sent = set(LedgerSnapshot.objects.filter(township__in=townships, month=month, kind=kind)
               .values_list("township_id", flat=True))
    return [{"township": t, "month": month, "kind": kind} for t in townships if t.pk not in sent]


def closing_board(user, *, months: int = 12) -> dict:
    townships = list(access.jurisdictions_for(user, Action.EXPORT_LEDGERS, JurisdictionLevel.TOWNSHIP)
                     .order_by("code"))
    this_month = month_start(timezone.localdate())
    month_list = [add_months(this_month, -i) for i in range(months)]
    snapshots = LedgerSnapshot.objects.filter(township__in=townships, month__in=month_list).select_related(
        "created_by")
    by_key = {(s.township_id, s.month, s.kind): s for s in snapshots}
    rows = []
    for township in townships:
        row = ClosingRow(township)
        for month in month_list:
            row.cells.append({
                "month": month,
                "monthly": by_key.get((township.pk, month, SnapshotKind.MONTHLY)),
                "summary": by_key.get((township.pk, month, SnapshotKind.SUMMARY)),
                "summary_due": add_months(month, 1).replace(day=5),
                "is_current": month == this_month,
            })
        rows.append(row)
    return {"months": month_list, "rows": rows, "this_month": this_month,
            "previous_month": add_months(this_month, -1)}


# ---------------------------------------------------------------- sampling
def head_names(household_ids: list[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    members = Member.objects.filter(household_id__in=household_ids).order_by("household_id", "pk").values_list(
        "household_id", "name", "relation", "status")
    fallback: dict[int, str] = {}
    for household_id, name, relation, status in members:
        fallback.setdefault(household_id, name)
        if relation == Relation.HEAD and status == MemberStatus.PRESENT:
            names.setdefault(household_id, name)
    return {pk: names.get(pk) or fallback.get(pk, "") for pk in household_ids}


def sampling_results(draw: SamplingDraw) -> list[dict]:
    """Per township: sampled, checked, correct, omission, error, accuracy."""
    rows = (draw.items.values("township_id", "township__name").order_by("township__code")
            .annotate(total=Count("pk"), **{r: Count("pk", filter=Q(result=r)) for r in CheckResult.values}))
    result = []
    for row in rows:
        checked = row["total"] - row[CheckResult.PENDING]
        result.append({**row, "checked": checked,
                       "accuracy": round(row[CheckResult.CORRECT] * 100 / checked, 1) if checked else None})
    return result


# ---------------------------------------------------------------- dashboard
def _villages(user, jurisdiction: Jurisdiction | None) -> list[Jurisdiction]:
    qs = access.villages_for(user, Action.VIEW).select_related("parent")
    if jurisdiction is not None:
        access.check(user, Action.VIEW, jurisdiction)
        qs = qs.under(jurisdiction)
    return list(qs.order_by("code"))


def household_list_url(user, jurisdiction: Jurisdiction | None, **params) -> str:
    """The households list filtered as the number was counted (its GET parameters: township, village,
    category, target_kind, on_roster, on_observation). A figure for a village or a township carries that
    filter; one for the user's whole jurisdiction none. Any other scope (a district that is not the user's)
    gets no link rather than a link to a different number."""
    if jurisdiction is not None:
        if jurisdiction.level == JurisdictionLevel.VILLAGE:
            params["village"] = jurisdiction.pk
        elif jurisdiction.level == JurisdictionLevel.TOWNSHIP:
            params["township"] = jurisdiction.pk
        elif jurisdiction.pk != user.jurisdiction_id:
            return ""
    return url_or_blank("households:list", params)


def period_params(jurisdiction: Jurisdiction | None, start: dt.date, end: dt.date) -> dict:
    """The dashboard's own GET parameters for a scope and period (for lists that count within both)."""
    return {"jurisdiction": jurisdiction.pk if jurisdiction is not None else "", "month_from": f"{start:%Y-%m}",
            "month_to": f"{end:%Y-%m}"}


def figure_url(user, figure: str, jurisdiction: Jurisdiction | None, start: dt.date, end: dt.date) -> str:
    """The list of the rows a period figure counts (ledgers/figures.py), in the dashboard's scope; blank for a
    user who may not read those rows."""
    from .figures import figure_open_to

    if figure_open_to(user, figure) is None:
        return ""
    return url_or_blank("ledgers:figure_rows", {"figure": figure, **period_params(jurisdiction, start, end)})


def household_figures(user, jurisdiction, counts: dict, start: dt.date, end: dt.date) -> dict:
    """Households by current assistance category and by target kind (on the roster), the roster and the
    observation list, as the household list filters them (its kept copies); and the roster exits of the period."""
    villages = counts["villages"].values()
    totals = {key: sum(v[key] for v in villages) for key in ("total", "roster", "observation")}
    by_category = {t: sum(v["categories"].get(t, 0) for v in villages) for t in AssistanceType.values}
    by_kind = {k: sum(v["kinds"].get(k, 0) for v in villages) for k in TargetKind.values}
    categories = [Bar(label, by_category[t], household_list_url(user, jurisdiction, category=t))
                  for t, label in AssistanceType.choices if by_category[t] or t in ("dibao", "tekun", "low_income")]
    kinds = [Bar(label, by_kind[k], household_list_url(user, jurisdiction, target_kind=k))
             for k, label in TargetKind.choices]
    return {
        "counts": {**totals, "exits": counts["exits"]}, "categories": categories, "kinds": kinds,
        "exits_url": figure_url(user, "roster_exits", jurisdiction, start, end),
        "total_url": household_list_url(user, jurisdiction),
        "roster_url": household_list_url(user, jurisdiction, on_roster="1"),
        "observation_url": household_list_url(user, jurisdiction, on_observation="1"),
        "category_chart": hbar_chart(categories, title=_("按救助类别统计的家庭数")),
        "kind_chart": hbar_chart(kinds, title=_("按对象类型统计的家庭数")),
    }


def area_figures(user, villages: list[Jurisdiction], counts: dict) -> dict | None:
    """Households, roster and observation list per township when the villages lie in several townships,
    else per village; each number links to the household list filtered to that township or village."""
    if not villages:
        return None
    by_township = len({v.parent_id for v in villages}) > 1
    areas: dict[int, dict] = {}
    for village in villages:
        area = village.parent if by_township and village.parent else village
        row = areas.setdefault(area.pk, {"area": area, "total": 0, "roster": 0, "observation": 0})
        for key in ("total", "roster", "observation"):
            row[key] += counts["villages"][village.pk][key]
    for row in areas.values():
        row["total_url"] = household_list_url(user, row["area"])
        row["roster_url"] = household_list_url(user, row["area"], on_roster="1")
        row["observation_url"] = household_list_url(user, row["area"], on_observation="1")
    return {"level": _("乡镇（街道）") if by_township else _("村（社区）"), "rows": list(areas.values())}


def monthly_new(user, counts: dict, start: dt.date, end: dt.date, jurisdiction=None) -> dict:
    """New recipients (assistance started) vs observation-list entries, per month."""
    months = months_between(start, end)
    new, observed = counts["new"], counts["observed"]
    labels = [f"{m.year % 100:02d}/{m.month:02d}" for m in months]
    series = [
        (_("新增救助"), [new.get(m, 0) for m in months], []),
        (_("列入观察名单"), [observed.get(m, 0) for m in months], []),
    ]

    def month_url(figure: str, month: dt.date) -> str:
        return figure_url(user, figure, jurisdiction, month, add_months(month, 1) - dt.timedelta(days=1))

    return {"months": months, "new": [new.get(m, 0) for m in months],
            "observed": [observed.get(m, 0) for m in months],
            "rows": [{"month": m, "new": new.get(m, 0), "observed": observed.get(m, 0),
                      "new_url": month_url("new_assistance", m), "observed_url": month_url("observed", m)}
                     for m in months],
            "chart": grouped_columns(labels, series, title=_("每月新增救助与列入观察名单"))}


def dashboard(user, *, jurisdiction: Jurisdiction | None, start: dt.date, end: dt.date) -> dict:
    """The dashboard of the user's villages (or those under `jurisdiction`) for the period. Its numbers may
    have been counted up to a minute ago for the same villages (ledgers.counts); `counted_at` says when."""
    from . import activity
    from .counts import dashboard_counts

    villages = _villages(user, jurisdiction)
    counts = dashboard_counts([v.pk for v in villages], start, end)
    data = {"villages": villages, "start": start, "end": end, "jurisdiction": jurisdiction,
            "counted_at": counts["counted_at"],
            "households": household_figures(user, jurisdiction, counts, start, end),
            "areas": area_figures(user, villages, counts),
            "monthly": monthly_new(user, counts, start, end, jurisdiction)}
    data.update(activity.dashboard_parts(user, jurisdiction, villages, counts, start, end))
    return data


def dashboard_recount(user, *, jurisdiction: Jurisdiction | None, start: dt.date, end: dt.date) -> None:
    """Count the numbers of this dashboard now (刷新), and keep them for the next look."""
    from .counts import dashboard_counts

    dashboard_counts([v.pk for v in _villages(user, jurisdiction)], start, end, refresh=True)


def figure_rows(user, *, figure: str, jurisdiction: Jurisdiction | None, start: dt.date, end: dt.date) -> list:
    from .figures import FIGURES, household_id_of, row_of

    villages = _villages(user, jurisdiction)
    records = list(FIGURES[figure].rows([v.pk for v in villages], start, end))
    heads = head_names([pk for pk in (household_id_of(figure, r) for r in records) if pk])
    return [row_of(figure, record, heads) for record in records]


def scorecards(user, *, jurisdiction: Jurisdiction | None, start: dt.date, end: dt.date) -> dict:
    from . import activity

    villages = _villages(user, jurisdiction)
    return activity.scorecards(user, villages, start, end)



# ---------------------------------------------------------------- inspections (乡不定期监督检查)

def inspections_visible(user):
    """The inspections of the villages the user may see (township staff: theirs; the district: all its own)."""
    from .models import Inspection

    return Inspection.objects.filter(village__in=access.village_ids_for(user, Action.VIEW))


def corrections_visible(user):
    from .models import Correction

    return Correction.objects.filter(inspection__village__in=access.village_ids_for(user, Action.VIEW))


@dataclass
class CoverageRow:
    """One township (for the district) or village (for a township) in the inspection table."""

    jurisdiction: Jurisdiction
    villages: int = 0
    villages_inspected: int = 0
    inspections: int = 0
    pending: int = 0
    overdue: int = 0
    last_inspected_on: dt.date | None = None
    urls: dict = field(default_factory=dict)


def inspection_coverage(user, year: int, today: dt.date | None = None) -> tuple[list[CoverageRow], CoverageRow]:
    """Per township (district staff) or village (others): villages inspected this year, inspections this
    year, corrections pending and overdue (Correction.objects.overdue). Three queries. Each count but the
    villages links to the list that shows exactly its rows."""
    from django.db.models import Max

    today = today or timezone.localdate()
    villages = list(Jurisdiction.objects.filter(pk__in=access.village_ids_for(user, Action.VIEW))
                    .select_related("parent").order_by("code"))
    by_township = access.ROLE_LEVEL.get(user.role) == JurisdictionLevel.DISTRICT or user.is_superuser
    inspected = {r["village"]: r for r in inspections_visible(user).values("village").annotate(
        n=Count("pk", filter=Q(inspected_on__year=year)), last=Max("inspected_on"))}
    corrections = {r["inspection__village"]: r for r in corrections_visible(user).values(
        "inspection__village").annotate(pending=Count("pk", filter=Q(done_on__isnull=True)),
                                        overdue=Count("pk", filter=Q(done_on__isnull=True, due_on__lt=today)))}
    rows: dict[int, CoverageRow] = {}
    total = CoverageRow(jurisdiction=None)
    for village in villages:
        owner = village.parent if by_township else village
        row = rows.setdefault(owner.pk, CoverageRow(jurisdiction=owner))
        seen, fixes = inspected.get(village.pk, {}), corrections.get(village.pk, {})
        for target in (row, total):
            target.villages += 1
            target.villages_inspected += 1 if seen.get("n") else 0
            target.inspections += seen.get("n", 0)
            target.pending += fixes.get("pending", 0)
            target.overdue += fixes.get("overdue", 0)
            last = seen.get("last")
            if last and (target.last_inspected_on is None or last > target.last_inspected_on):
                target.last_inspected_on = last
    base = reverse("ledgers:inspections")
    for row in [*rows.values(), total]:
        where = {} if row.jurisdiction is None else {
            ("township" if by_township else "village"): row.jurisdiction.pk}
        row.urls = {"inspections": f"{base}?{urlencode({**where, 'year': year})}",
                    "pending": f"{base}?{urlencode({**where, 'show': 'pending'})}",
                    "overdue": f"{base}?{urlencode({**where, 'show': 'overdue'})}"}
    return list(rows.values()), total
