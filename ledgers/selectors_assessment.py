"""Reads of the district's supervision: the year's assessment scores, the self-assessments and the roster
filings, each within what the user may see.

Every computed criterion reads the rule the project already has, never a copy of it:
- 村村配备协理员: `plans.selectors.village_assistants` (the 协理员花名册's own check);
- 按时走访: `ledgers.counts.visit_timeliness` (the scorecards' 按时走访率);
- 线索和环节按时限: `ledgers.activity.lead_timeliness` (decided by the deadline) and `late_steps` (环节超时 now);
- 抽查准确率: `ledgers.activity.sample_results_by` (the quarterly sampling's checked results);
- 台账和归类汇总按时报送: the monthly closing's snapshots (`LedgerSnapshot`), due by the month's end (the
  ledger) and the 5th of the next month (the summary), as the closing board and the home reminders say.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relief import access
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel
from relief.months import add_months, month_end

from .models import LedgerSnapshot, SnapshotKind
from .models_assessment import (
    AssessmentAdjustment, AssessmentPlan, CriterionKind, RosterFiling, RosterKind, SelfAssessment,
    SelfAssessmentStatus,
)

SUMMARY_DUE_DAY = 5
ONE_DECIMAL = Decimal("0.1")


def _d(value) -> Decimal:
    return Decimal(str(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def year_period(year: int, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The year's assessment period: 1 January to 31 December, or to today within the current year."""
    today = today or timezone.localdate()
    return dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)


# ---------------------------------------------------------------- whose plans, whose units
def plan_owners(user) -> list[Jurisdiction]:
    """The jurisdictions whose assessment the user keeps: a district official their district, a township's
    staff their township."""
    return [j for j in access.jurisdictions_for(user, Action.VIEW).order_by("code")
            if access.keeps_assessment_of(user, j)]


def units_of(owner: Jurisdiction, user) -> list[Jurisdiction]:
    """The units a plan assesses that the user may see: a district's townships, a township's villages. A
    township's staff see only their own township in the district's plan."""
    level = JurisdictionLevel.TOWNSHIP if owner.level == JurisdictionLevel.DISTRICT else JurisdictionLevel.VILLAGE
    seen = access.jurisdictions_for(user, Action.VIEW, level).filter(parent=owner)
    return list(seen.select_related("parent").order_by("code"))


def plans_visible(user):
    """Plans the user may open: those of a jurisdiction they see (a township's staff also see their district's
    plan, for their own township's row only)."""
    owner_ids = set(access.jurisdiction_ids_for(user, Action.VIEW))
    if user.jurisdiction_id and user.jurisdiction and user.jurisdiction.parent_id:
        if user.jurisdiction.level == JurisdictionLevel.TOWNSHIP:
            owner_ids.add(user.jurisdiction.parent_id)
    return AssessmentPlan.objects.filter(owner_id__in=owner_ids).select_related("owner")


def plan_for(user, pk: int) -> AssessmentPlan | None:
    plan = plans_visible(user).filter(pk=pk).first()
    if plan is None or not units_of(plan.owner, user):
        return None
    return plan


def district_plan_of(township: Jurisdiction, year: int) -> AssessmentPlan | None:
    return AssessmentPlan.objects.filter(owner_id=township.parent_id, year=year).select_related("owner").first()


def district_plan_for_user(user, year: int):
    """The district's plan of the year as the user meets it: a district official's own district's, a township's
    staff their district's."""
    jurisdiction = user.jurisdiction
    if jurisdiction is None:
        return None, None
    if jurisdiction.level == JurisdictionLevel.TOWNSHIP:
        return district_plan_of(jurisdiction, year), jurisdiction.parent
    if jurisdiction.level == JurisdictionLevel.DISTRICT:
        plan = plans_visible(user).filter(owner=jurisdiction, year=year).first()
        return plan, jurisdiction
    return None, None


# ---------------------------------------------------------------- the computed rates
def _rate(done: int, total: int) -> Decimal | None:
    return _d(done * 100 / total) if total else None


def _ledger_rates(townships: list[Jurisdiction], year: int, today: dt.date) -> dict[int, dict]:
    """Per township: monthly ledgers and summaries of the year due before today, and those frozen in time."""
    due: list[tuple[dt.date, str, dt.date]] = []
    for m in range(1, 13):
        month = dt.date(year, m, 1)
        if month_end(month) < today:
            due.append((month, SnapshotKind.MONTHLY, month_end(month)))
        summary_due = add_months(month, 1).replace(day=SUMMARY_DUE_DAY)
        if summary_due < today:
            due.append((month, SnapshotKind.SUMMARY, summary_due))
    made = {(s.township_id, s.month, s.kind): timezone.localdate(s.created_at) for s in LedgerSnapshot.objects.filter(
        township__in=townships, month__year=year).only("township_id", "month", "kind", "created_at")}
    result = {}
    for township in townships:
        in_time = sum(1 for month, kind, by in due if made.get((township.pk, month, kind), dt.date.max) <= by)
        result[township.pk] = {"due": len(due), "in_time": in_time}
    return result


def unit_figures(owner: Jurisdiction, units: list[Jurisdiction], year: int,
                 today: dt.date | None = None, kinds=None) -> dict[int, dict]:
    """Per unit: the numbers behind each computed criterion ({kind: {"done", "total", "rate", "text"}})."""
    from plans.selectors import village_assistants

    from .activity import campaign_coverage, lead_timeliness, late_steps, sample_results_by
    from .counts import visit_timeliness

    today = today or timezone.localdate()
    start, end = year_period(year, today)
    by_township = owner.level == JurisdictionLevel.DISTRICT
    if by_township:
        villages = list(Jurisdiction.objects.villages().filter(parent__in=units).select_related("parent")
                        .order_by("code"))
    else:
        villages = list(units)
    village_ids = [v.pk for v in villages]
    unit_of = {v.pk: (v.parent_id if by_township else v.pk) for v in villages}
    assistants = village_assistants(village_ids)
    visits = visit_timeliness(village_ids, start, end, today) or {}
    leads = lead_timeliness(villages, start, end) or {}
    late = late_steps(villages) or {}
    samples = sample_results_by(villages, start, end)
    # Campaign coverage is read only for a plan that scores it (most plans do not).
    campaigns = (campaign_coverage(village_ids, start, end) or {}) if kinds is None or CriterionKind.CAMPAIGNS in kinds \
        else {}
    sums = {u.pk: {"villages": 0, "with_assistant": 0, "visits_due": 0, "visits_on_time": 0, "leads_due": 0,
                   "leads_in_time": 0, "late_steps": 0, "checked": 0, "correct": 0, "targets": 0,
                   "targets_visited": 0} for u in units}
    for village in villages:
        s = sums[unit_of[village.pk]]
        s["villages"] += 1
        s["with_assistant"] += 1 if assistants.get(village.pk) else 0
        v = visits.get(village.pk, {})
        s["visits_due"] += v.get("due", 0)
        s["visits_on_time"] += v.get("on_time", 0)
        lead = leads.get(village.pk, {})
        s["leads_due"] += lead.get("due", 0)
        s["leads_in_time"] += lead.get("in_time", 0)
        s["late_steps"] += late.get(village.pk, 0)
        sample = samples.get(village.pk, {})
        s["checked"] += sample.get("total", 0) - sample.get("pending", 0)
        s["correct"] += sample.get("correct", 0)
        campaign = campaigns.get(village.pk, {})
        s["targets"] += campaign.get("targets", 0)
        s["targets_visited"] += campaign.get("visited", 0)
    ledgers = _ledger_rates(units, year, today) if by_township else {}
    result = {}
    for unit in units:
        s = sums[unit.pk]
        lead_total = s["leads_due"] + s["late_steps"]
        figures = {
            CriterionKind.ASSISTANTS: (s["with_assistant"], s["villages"],
                                       _("%(d)s/%(t)s个村（社区）配备协理员")),
            CriterionKind.VISITS: (s["visits_on_time"], s["visits_due"], _("按时走访%(d)s/%(t)s户次")),
            CriterionKind.LEADS: (s["leads_in_time"], lead_total,
                                  _("按期办结%(d)s件，到期转办与当前超时环节共%(t)s件")),
            CriterionKind.SAMPLING: (s["correct"], s["checked"], _("抽查准确%(d)s/%(t)s户")),
            # 集中排查 of the year: the families targeted, and those seen within their campaign's period.
            CriterionKind.CAMPAIGNS: (s["targets_visited"], s["targets"], _("集中排查已走访%(d)s/%(t)s户")),
        }
        if by_township:
            led = ledgers[unit.pk]
            figures[CriterionKind.LEDGERS] = (led["in_time"], led["due"], _("按时报送%(d)s/%(t)s份"))
        result[unit.pk] = {kind: {"done": d, "total": t, "rate": _rate(d, t), "text": text % {"d": d, "t": t}}
                           for kind, (d, t, text) in figures.items()}
    return result


# ---------------------------------------------------------------- the scores
@dataclass
class CriterionScore:
    criterion: object
    rate: Decimal | None = None
    text: str = ""
    computed: Decimal | None = None     # the points the data give (None: to be scored by hand)
    adjustment: Decimal = Decimal("0")
    points: Decimal = Decimal("0")
    note: str = ""


@dataclass
class UnitScore:
    unit: Jurisdiction
    criteria: list[CriterionScore] = field(default_factory=list)
    adjustments: list = field(default_factory=list)
    total: Decimal = Decimal("0")
    rank: int = 0


def criterion_points(criterion, rate: Decimal | None) -> tuple[Decimal | None, str]:
    """The points a rate earns: the weight in full at or above the target, in proportion below it; a
    criterion with nothing due this year is not marked down; an added (custom) criterion waits for the
    assessor's score."""
    if not criterion.computed:
        return None, _("人工评分：请通过复核调整给分")
    if rate is None:
        return _d(criterion.weight), _("本年度无应办事项，按满分计")
    share = min(Decimal("1"), rate / Decimal(criterion.target))
    return _d(Decimal(criterion.weight) * share), ""


def plan_scores(plan: AssessmentPlan, units: list[Jurisdiction], today: dt.date | None = None) -> list[UnitScore]:
    """Each unit's points per criterion, adjusted, and its rank among the units shown."""
    criteria = list(plan.criteria.all())
    figures = unit_figures(plan.owner, units, plan.year, today, kinds={c.kind for c in criteria})
    adjustments: dict[int, list] = {}
    for adj in (AssessmentAdjustment.objects.filter(plan=plan, unit__in=units)
                .select_related("criterion", "created_by").order_by("created_at", "pk")):
        adjustments.setdefault(adj.unit_id, []).append(adj)
    rows = []
    for unit in units:
        row = UnitScore(unit=unit, adjustments=adjustments.get(unit.pk, []))
        for criterion in criteria:
            figure = figures[unit.pk].get(criterion.kind) if criterion.computed else None
            if criterion.computed and figure is None:
                score = CriterionScore(criterion, computed=_d(criterion.weight),
                                       note=_("不适用于村（社区），按满分计"))
            else:
                rate = figure["rate"] if figure else None
                computed, note = criterion_points(criterion, rate)
                score = CriterionScore(criterion, rate=rate, text=figure["text"] if figure else "",
                                       computed=computed, note=note)
            score.adjustment = sum((a.points for a in row.adjustments if a.criterion_id == criterion.pk),
                                   Decimal("0"))
            base = score.computed if score.computed is not None else Decimal("0")
            score.points = _d(max(Decimal("0"), min(Decimal(criterion.weight), base + score.adjustment)))
            row.criteria.append(score)
        row.total = _d(sum((c.points for c in row.criteria), Decimal("0")))
        rows.append(row)
    for rank, row in enumerate(sorted(rows, key=lambda r: -r.total), start=1):
        row.rank = rank
    return rows


# ---------------------------------------------------------------- self-assessments
SELF_STATES = {
    "missing": gettext_lazy("未提交"),
    **{value: label for value, label in SelfAssessmentStatus.choices},
}


@dataclass
class SelfRow:
    township: Jurisdiction
    assessment: SelfAssessment | None
    state: str
    overdue: bool = False

    @property
    def state_label(self) -> str:
        return str(SELF_STATES[self.state])


def self_assessment_rows(user, plan: AssessmentPlan, today: dt.date | None = None) -> list[SelfRow]:
    """Each township the user sees under the plan's district, with its self-assessment's state: missing (none,
    or still a draft), submitted, returned, accepted; overdue when the deadline passed and it is not in."""
    today = today or timezone.localdate()
    townships = units_of(plan.owner, user) if plan.owner.level == JurisdictionLevel.DISTRICT else []
    found = {a.township_id: a for a in SelfAssessment.objects.filter(plan=plan, township__in=townships)
             .select_related("submitted_by", "reviewed_by")}
    rows = []
    for township in townships:
        assessment = found.get(township.pk)
        state = assessment.status if assessment is not None else "missing"
        if state == SelfAssessmentStatus.DRAFT:
            state = "missing"
        waiting = state in ("missing", SelfAssessmentStatus.RETURNED)
        overdue = bool(waiting and plan.self_assessment_due and today > plan.self_assessment_due)
        rows.append(SelfRow(township, assessment, state, overdue))
    return rows


# ---------------------------------------------------------------- roster filings
ROSTER_STATES = {"filed": gettext_lazy("已按时报送"), "late": gettext_lazy("逾期报送"), "missing": gettext_lazy("未报送"),
                 "pending": gettext_lazy("待报送")}


@dataclass
class RosterRow:
    township: Jurisdiction
    cells: dict = field(default_factory=dict)   # kind -> {"filing", "state", "label"}

    @property
    def states(self) -> set[str]:
        return {cell["state"] for cell in self.cells.values()}


def roster_state(filing: RosterFiling | None, due: dt.date | None, today: dt.date) -> str:
    if filing is not None:
        return "late" if filing.late else "filed"
    if due is not None and today > due:
        return "missing"
    return "pending"


def roster_rows(user, plan: AssessmentPlan, today: dt.date | None = None) -> list[RosterRow]:
    """Per township the user sees: each roster's filing and its state — filed (by the date), late (after it),
    missing (the date passed, nothing filed), pending (not yet due)."""
    today = today or timezone.localdate()
    townships = units_of(plan.owner, user) if plan.owner.level == JurisdictionLevel.DISTRICT else []
    filings = {(f.township_id, f.kind): f for f in RosterFiling.objects.filter(plan=plan, township__in=townships)
               .select_related("filed_by", "plan")}
    rows = []
    for township in townships:
        row = RosterRow(township)
        for kind, label in RosterKind.choices:
            filing = filings.get((township.pk, kind))
            state = roster_state(filing, plan.roster_due, today)
            row.cells[kind] = {"filing": filing, "state": state, "label": ROSTER_STATES[state], "kind_label": label}
        rows.append(row)
    return rows


def roster_filings_visible(user):
    return RosterFiling.objects.filter(township__in=access.jurisdictions_for(
        user, Action.VIEW, JurisdictionLevel.TOWNSHIP)).select_related("plan", "township")


SELF_FILTERS = {**{k: v for k, v in SELF_STATES.items() if k != SelfAssessmentStatus.DRAFT},
                "waiting": gettext_lazy("待提交（含退回）")}


def self_filter(rows, state: str):
    if state == "waiting":
        return [r for r in rows if r.state in ("missing", SelfAssessmentStatus.RETURNED)]
    if state in SELF_STATES:
        return [r for r in rows if r.state == state]
    return rows


ROSTER_FILTERS = {**{k: v for k, v in ROSTER_STATES.items() if k != "pending"},
                  "open": gettext_lazy("尚未报送（含逾期）")}


def roster_filter(rows, state: str):
    if state == "open":
        return [r for r in rows if r.states & {"missing", "pending"}]
    if state in ROSTER_STATES:
        return [r for r in rows if state in r.states]
    return rows
