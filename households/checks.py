"""Reads of the quarterly check (季度排查) and the whole-household check (整户纳入低保): the one rule of each.

Quarterly check (seed 003 §二(二)2). A family on the list (an open QuarterlyCheckEntry entered on or before
today) owes one check per calendar quarter, from the quarter it was put on. Today it is
- done:    a check is recorded for the current quarter;
- overdue: none for the current quarter, and it was on the list in the previous quarter without a check for
           it (the previous quarter ended undone — 逾期);
- due:     none for the current quarter, and not overdue (本季度待排查).
`quarterly_entries(...)` annotates every open entry with its state in SQL, so a list, its per-village counts,
the worklist's section and a card all count the same rows.

Whole-household check (seed 002 §二(三)). A household is flagged (待核查) when today
- some but not all of its present members receive 低保 individually (a running 低保 record naming a present
  member), and no running 低保 record covers the household as a whole; and
- it is still in hardship: its per-capita income is recorded and below the low-income line (the local 低保
  standard × RELIEF_LOW_INCOME_FACTOR, households/standards.py), or it is on the roster for 支出型困难 or
  低保边缘 (the kept copy `roster_reasons`, households/flags.py); and
- no whole-household check was recorded for it in the last WHOLE_CHECK_VALID_DAYS days.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField, Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief import dates
from relief.models import Jurisdiction

from . import presence
from .check_models import QuarterlyCheck, QuarterlyCheckEntry, WholeHouseholdCheck, WrittenRefusal
from .models import AssistanceRecord, AssistanceType, FocusReason, HukouType, Household, Member, MemberStatus
from .selectors import dibao_standard_for, head_name_of, low_income_factor
from .standards import StandardTable

# The assistance whose end is an exit from assistance (退出救助): the basic-living ones, not a one-off grant.
EXIT_TYPES = (AssistanceType.DIBAO, AssistanceType.TEKUN, AssistanceType.LOW_INCOME)
# A whole-household check stands this long; after it the family is flagged again if still partly covered.
WHOLE_CHECK_VALID_DAYS = 365
HARDSHIP_REASONS = (FocusReason.EXPENDITURE_HARDSHIP, FocusReason.DIBAO_EDGE)


# ---------------------------------------------------------------- quarters
def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_end(day: dt.date) -> dt.date:
    start = quarter_start(day)
    following = dt.date(start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def previous_quarter_start(day: dt.date) -> dt.date:
    return quarter_start(quarter_start(day) - dt.timedelta(days=1))


def quarter_label(day: dt.date) -> str:
    return dates.quarter_label(day.year, (day.month - 1) // 3 + 1)


class CheckState:
    DONE = "done"
    DUE = "due"
    OVERDUE = "overdue"
    LABELS = {DONE: _("本季度已排查"), DUE: _("本季度待排查"), OVERDUE: _("上季度未排查（逾期）")}
    TAGS = {DONE: "green", DUE: "amber", OVERDUE: "red"}


# The list's views (?show=): what each shows.
SHOW_CHOICES = {
    "pending": _("待排查（含逾期）"),
    "overdue": _("逾期"),
    "due": _("本季度待排查"),
    "done": _("本季度已排查"),
}


def quarterly_entries(village_ids, today: dt.date | None = None) -> QuerySet[QuarterlyCheckEntry]:
    """Open entries of these villages' households, each annotated with `check_state` (CheckState) for today."""
    today = today or timezone.localdate()
    current, previous = quarter_start(today), previous_quarter_start(today)
    done_now = QuarterlyCheck.objects.filter(household_id=OuterRef("household_id"), quarter_start=current)
    done_before = QuarterlyCheck.objects.filter(household_id=OuterRef("household_id"), quarter_start=previous)
    return (
        QuarterlyCheckEntry.objects.filter(ended_on__isnull=True, entered_on__lte=today,
                                           household__village_id__in=village_ids)
        .annotate(done_now=Exists(done_now), done_before=Exists(done_before))
        .annotate(check_state=Case(
            When(done_now=True, then=Value(CheckState.DONE)),
            When(Q(entered_on__lt=current) & Q(done_before=False), then=Value(CheckState.OVERDUE)),
            default=Value(CheckState.DUE)))
    )


def quarterly_filter(qs: QuerySet, show: str) -> QuerySet:
    if show == "pending":
        return qs.exclude(check_state=CheckState.DONE)
    if show in (CheckState.DONE, CheckState.DUE, CheckState.OVERDUE):
        return qs.filter(check_state=show)
    return qs


def quarterly_rows(village_ids, show: str = "pending", today: dt.date | None = None) -> QuerySet:
    """The rows of the township list and the worklist section: overdue first, then by village and entry date."""
    qs = quarterly_filter(quarterly_entries(village_ids, today), show)
    return (qs.select_related("household__village").annotate(head_name=head_name_of("household"))
            .annotate(rank=Case(When(check_state=CheckState.OVERDUE, then=Value(0)),
                                When(check_state=CheckState.DUE, then=Value(1)), default=Value(2),
                                output_field=IntegerField()))
            .order_by("rank", "household__village__code", "entered_on", "pk"))


def quarterly_counts(village_ids, today: dt.date | None = None) -> dict[int, dict[str, int]]:
    """Per village id: {"due", "overdue", "done", "pending", "total"}, in one grouped query."""
    rows = (quarterly_entries(village_ids, today).order_by().values("household__village_id")
            .annotate(due=Count("pk", filter=Q(check_state=CheckState.DUE)),
                      overdue=Count("pk", filter=Q(check_state=CheckState.OVERDUE)),
                      done=Count("pk", filter=Q(check_state=CheckState.DONE)),
                      total=Count("pk")))
    counts = {}
    for row in rows:
        counts[row["household__village_id"]] = {
            "due": row["due"], "overdue": row["overdue"], "done": row["done"],
            "pending": row["due"] + row["overdue"], "total": row["total"]}
    return counts


def village_table(village_ids, counts: dict[int, dict[str, int]], keys) -> tuple[list[dict], dict[str, int]]:
    """One row per village (in code order) with its counts, and the totals."""
    villages = Jurisdiction.objects.filter(pk__in=village_ids).order_by("code").only("pk", "name", "code")
    rows, totals = [], {k: 0 for k in keys}
    for village in villages:
        c = counts.get(village.pk, {})
        row = {"village": village, **{k: c.get(k, 0) for k in keys}}
        for k in keys:
            totals[k] += row[k]
        rows.append(row)
    return rows, totals


def household_quarterly(household: Household, today: dt.date | None = None) -> dict:
    """The household page's view of the quarterly check: entries, checks, written refusal, today's state.

    A household whose kinds of records the page probed (households/presence.py) that has none of them costs no
    query; otherwise up to three."""
    today = today or timezone.localdate()
    has_entries = presence.may_have(household, QuarterlyCheckEntry)
    has_refusal = presence.may_have(household, WrittenRefusal)
    entries = list(household.quarterly_entries.select_related("entered_by", "ended_by")) if has_entries else []
    checks = list(household.quarterly_checks.select_related("recorded_by")) if entries else []
    refusal = (WrittenRefusal.objects.filter(household=household).select_related("recorded_by").first()
               if has_refusal else None)
    open_entry = next((e for e in entries if e.is_open and e.entered_on <= today), None)
    state = None
    if open_entry is not None:
        current, previous = quarter_start(today), previous_quarter_start(today)
        quarters = {c.quarter_start for c in checks}
        if current in quarters:
            state = CheckState.DONE
        elif open_entry.entered_on < current and previous not in quarters:
            state = CheckState.OVERDUE
        else:
            state = CheckState.DUE
    return {"entries": entries, "checks": checks, "refusal": refusal, "open_entry": open_entry, "state": state,
            "state_label": CheckState.LABELS.get(state, ""), "state_tag": CheckState.TAGS.get(state, ""),
            "quarter_label": quarter_label(today), "quarter_end": quarter_end(today)}


# ---------------------------------------------------------------- whole household
def _running_dibao(today: dt.date, **filters) -> QuerySet:
    return AssistanceRecord.objects.running(today).filter(household_id=OuterRef("pk"), type=AssistanceType.DIBAO,
                                                          **filters)


def _hardship_q(village_ids, today: dt.date) -> Q:
    """Income under the low-income line of the household's district (by hukou type), or a hardship reason."""
    factor = low_income_factor()
    districts = dict(Jurisdiction.objects.filter(pk__in=village_ids).values_list("pk", "parent__parent_id"))
    table = StandardTable.load(districts=set(districts.values()), day=today)
    income = Q()
    for district_id in set(districts.values()):
        villages = [v for v, d in districts.items() if d == district_id]
        for hukou in (HukouType.URBAN, HukouType.RURAL, ""):
            standard = table.applying(district_id, hukou, today)
            if standard is None or not standard.monthly_amount:
                continue
            line = (standard.monthly_amount * factor).quantize(Decimal("0.01"))
            income |= Q(village_id__in=villages, hukou_type=hukou, per_capita_income__lt=line)
    flags = Q()
    for reason in HARDSHIP_REASONS:
        flags |= Q(roster_reasons__contains=f",{reason},")
    return income | flags


def whole_household_candidates(village_ids, today: dt.date | None = None) -> QuerySet[Household]:
    """Households partly covered by 低保 and still in hardship (see the module docstring), checked or not,
    annotated with `covered` (members on 低保 individually), `present` and `last_check_on`."""
    today = today or timezone.localdate()
    individual = (_running_dibao(today, member__isnull=False, member__status=MemberStatus.PRESENT)
                  .order_by().values("household_id").annotate(n=Count("member_id", distinct=True)).values("n"))
    present = (Member.objects.filter(household_id=OuterRef("pk"), status=MemberStatus.PRESENT)
               .order_by().values("household_id").annotate(n=Count("pk")).values("n"))
    last_check = (WholeHouseholdCheck.objects.filter(household_id=OuterRef("pk"))
                  .order_by("-checked_on", "-pk").values("checked_on")[:1])
    return (
        Household.objects.filter(village_id__in=village_ids, categories__contains=f",{AssistanceType.DIBAO},")
        .exclude(Exists(_running_dibao(today, member__isnull=True)))
        .annotate(covered=Coalesce(Subquery(individual), 0), present=Coalesce(Subquery(present), 0),
                  last_check_on=Subquery(last_check))
        .filter(covered__gte=1, present__gt=F("covered"))
        .filter(_hardship_q(village_ids, today))
    )


def whole_household_state(qs: QuerySet, today: dt.date) -> QuerySet:
    since = today - dt.timedelta(days=WHOLE_CHECK_VALID_DAYS)
    return qs.annotate(checked=Case(When(last_check_on__gte=since, then=Value(True)), default=Value(False),
                                    output_field=BooleanField()))


WHOLE_SHOW_CHOICES = {"pending": _("待核查"), "checked": _("一年内已核查")}


def whole_household_rows(village_ids, show: str = "pending", today: dt.date | None = None) -> QuerySet[Household]:
    today = today or timezone.localdate()
    qs = whole_household_state(whole_household_candidates(village_ids, today), today)
    qs = qs.filter(checked=(show == "checked"))
    return qs.select_related("village").annotate(head_name=head_name_of("pk")).order_by("village__code", "pk")


def whole_household_counts(village_ids, today: dt.date | None = None) -> dict[int, dict[str, int]]:
    today = today or timezone.localdate()
    qs = whole_household_state(whole_household_candidates(village_ids, today), today)
    counts: dict[int, dict[str, int]] = {}
    for village_id, checked in qs.values_list("village_id", "checked"):
        c = counts.setdefault(village_id, {"pending": 0, "checked": 0})
        c["checked" if checked else "pending"] += 1
    return counts


@dataclass
class WholeHouseholdFlag:
    """One household's whole-household candidacy, worked out in Python (the same rule as the SQL above)."""

    covered: int
    present: int
    last_check_on: dt.date | None
    checked: bool


def whole_household_flag(household: Household, today: dt.date | None = None,
                         last_check_on: dt.date | None = None) -> WholeHouseholdFlag | None:
    """The rule of whole_household_candidates for one household whose members and assistance are in memory
    (prefetched by the household page): None when it is not a candidate."""
    today = today or timezone.localdate()
    present = [m for m in household.members.all() if m.status == MemberStatus.PRESENT]
    present_ids = {m.pk for m in present}
    dibao = [a for a in household.assistance.all() if a.type == AssistanceType.DIBAO and a.runs_on(today)]
    if not dibao or any(a.member_id is None for a in dibao):
        return None
    covered = {a.member_id for a in dibao if a.member_id in present_ids}
    if not covered or len(present) <= len(covered):
        return None
    hardship = any(r in household.roster_reason_codes for r in HARDSHIP_REASONS)
    if not hardship and household.income_recorded:
        standard = dibao_standard_for(household, today)
        if standard is not None and standard.monthly_amount:
            line = (standard.monthly_amount * low_income_factor()).quantize(Decimal("0.01"))
            hardship = household.per_capita_income < line
    if not hardship:
        return None
    since = today - dt.timedelta(days=WHOLE_CHECK_VALID_DAYS)
    return WholeHouseholdFlag(covered=len(covered), present=len(present), last_check_on=last_check_on,
                              checked=last_check_on is not None and last_check_on >= since)


def household_whole_check(household: Household, today: dt.date | None = None) -> dict:
    """The household page's view: whether it is a candidate today, and its recorded checks. Reads the checks
    only for a household that has some, when its page probed its kinds of records (households/presence.py)."""
    today = today or timezone.localdate()
    has_checks = presence.may_have(household, WholeHouseholdCheck)
    checks = list(household.whole_household_checks.select_related("recorded_by")) if has_checks else []
    candidate = whole_household_flag(household, today, checks[0].checked_on if checks else None)
    return {"candidate": candidate, "checks": checks}
