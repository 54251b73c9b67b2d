"""Policy conditions: describe, validate, evaluate for one household (with reasons) and as SQL for all.

The same semantics exist twice on purpose: `evaluate_household` explains a match on a household page
from prefetched data (a fixed number of queries), `policy_queryset` finds every matching household in
the database in a few set-based queries (the policy-match job). tests/plans/test_matching.py checks
they agree at the boundaries.

Semantics:
- conditions with the same group must all hold; a policy matches when any group holds;
- member conditions ask whether some present member (在户) satisfies them;
- income compares the household's monthly per-capita income with the local 低保 standard in force
  today (district, and urban/rural by hukou type when the district has separate standards) times
  the factor; with no standard the condition does not hold;
- ages are whole years on today's date (a member born 60 years ago today is 60).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import (
    AssistanceRecord, AssistanceType, DisabilityGrade, Employment, Household, HousingSituation,
    INCOME_RECORDED, HukouType, Member, MemberStatus, SchoolStage, SelfCare,
)
from households.standards import StandardTable
from relief import punctuation
from relief.models import Jurisdiction, JurisdictionLevel

from .models import Comparison, ConditionKind as K

# Which choices each kind's `values` draw from.
VALUE_CHOICES = {
    K.CATEGORY_HELD: AssistanceType,
    K.CATEGORY_NOT_HELD: AssistanceType,
    K.DISABILITY: DisabilityGrade,
    K.SELF_CARE: SelfCare,
    K.EMPLOYMENT: Employment,
    K.SCHOOL_STAGE: SchoolStage,
    K.HUKOU_TYPE: HukouType,
    K.HOUSING: HousingSituation,
}
RANGE_KINDS = {K.MEMBER_AGE, K.MEMBER_COUNT}
MEMBER_KINDS = {K.MEMBER_AGE, K.DISABILITY, K.SERIOUS_ILLNESS, K.CHRONIC_ILLNESS, K.SELF_CARE, K.EMPLOYMENT,
                K.SCHOOL_STAGE}
# Household-level kinds whose values say "one of": two of them in one group must share a value.
EXCLUSIVE_VALUE_KINDS = {K.HUKOU_TYPE, K.HOUSING}

OPS = {
    Comparison.LTE: lambda a, b: a <= b,
    Comparison.LT: lambda a, b: a < b,
    Comparison.GTE: lambda a, b: a >= b,
    Comparison.GT: lambda a, b: a > b,
}
OP_SIGNS = {Comparison.LTE: "≤", Comparison.LT: "<", Comparison.GTE: "≥", Comparison.GT: ">"}


def _labels(kind, values) -> str:
    choices = VALUE_CHOICES.get(kind)
    if choices is None:
        return ""
    names = dict(choices.choices)
    return punctuation.mark("、").join(str(names.get(v, v)) for v in values or [])


def _fmt(d: Decimal | None) -> str:
    if d is None:
        return ""
    return f"{d.normalize():f}" if d == d.to_integral() else f"{d:f}".rstrip("0").rstrip(".")


def describe_condition(c) -> str:
    """The condition in plain Chinese, as the 明白纸 and the policy page print it."""
    kind = c.kind
    # Several categories mean any one of them is held, and none of them for "not held" (condition_q).
    if kind == K.CATEGORY_HELD:
        if len(c.values or []) > 1:
            return _("正在享受以下任一项：%(v)s") % {"v": _labels(kind, c.values)}
        return _("正在享受：%(v)s") % {"v": _labels(kind, c.values)}
    if kind == K.CATEGORY_NOT_HELD:
        if len(c.values or []) > 1:
            return _("以下均未享受：%(v)s") % {"v": _labels(kind, c.values)}
        return _("未享受：%(v)s") % {"v": _labels(kind, c.values)}
    if kind == K.INCOME:
        return _("家庭月人均收入%(op)s当地低保标准的 %(f)s 倍") % {
            "op": OP_SIGNS.get(c.comparison, "?"), "f": _fmt(c.factor)}
    if kind in RANGE_KINDS:
        what = _("有成员年龄") if kind == K.MEMBER_AGE else _("在户人数")
        unit = _("周岁") if kind == K.MEMBER_AGE else _("人")
        if c.min_value is not None and c.max_value is not None:
            return _("%(w)s %(a)s–%(b)s %(u)s") % {"w": what, "a": c.min_value, "b": c.max_value, "u": unit}
        if c.min_value is not None:
            return _("%(w)s不低于 %(a)s %(u)s") % {"w": what, "a": c.min_value, "u": unit}
        return _("%(w)s不高于 %(b)s %(u)s") % {"w": what, "b": c.max_value, "u": unit}
    if kind == K.DISABILITY:
        return _("有成员持残疾证（%(v)s）") % {"v": _labels(kind, c.values)}
    if kind == K.SERIOUS_ILLNESS:
        return _("有成员患大重病")
    if kind == K.CHRONIC_ILLNESS:
        return _("有成员患慢性病")
    if kind == K.SELF_CARE:
        return _("有成员生活自理能力为：%(v)s") % {"v": _labels(kind, c.values)}
    if kind == K.EMPLOYMENT:
        return _("有成员就业状况为：%(v)s") % {"v": _labels(kind, c.values)}
    if kind == K.SCHOOL_STAGE:
        return _("有成员就学阶段为：%(v)s") % {"v": _labels(kind, c.values)}
    if kind == K.HUKOU_TYPE:
        return _("户籍性质：%(v)s") % {"v": _labels(kind, c.values)}
    if kind == K.HOUSING:
        return _("住房情况：%(v)s") % {"v": _labels(kind, c.values)}
    if kind == K.RIGID_EXPENSE:
        return _("医疗、教育等年刚性支出不低于 %(a)s 元") % {"a": _fmt(c.amount)}
    return str(kind)


# --------------------------------------------------------------------------- validation
def clean_condition(c) -> None:
    """Check one condition on its own; raise ValidationError keyed by field, in Chinese."""
    kind = c.kind
    errors = {}
    if kind == K.INCOME:
        if not c.comparison:
            errors["comparison"] = _("收入条件须选择比较方式（≤、<、≥、>）。")
        if c.factor is None or c.factor <= 0:
            errors["factor"] = _("收入条件须填写大于 0 的低保标准倍数，如 1 或 1.5。")
    if kind in RANGE_KINDS:
        if c.min_value is None and c.max_value is None:
            errors["min_value"] = _("请至少填写下限或上限。")
        elif c.min_value is not None and c.max_value is not None and c.min_value > c.max_value:
            errors["max_value"] = _("上限 %(b)s 小于下限 %(a)s，没有人能满足这个条件。") % {
                "a": c.min_value, "b": c.max_value}
        if kind == K.MEMBER_AGE and c.max_value is not None and c.max_value > 130:
            errors["max_value"] = _("年龄上限不能超过 130 周岁。")
    if kind in VALUE_CHOICES:
        allowed = {v for v in VALUE_CHOICES[kind].values if v}
        values = list(c.values or [])
        if not values:
            errors["values"] = _("请选择“%(k)s”的取值。") % {"k": K(kind).label}
        elif not set(values) <= allowed:
            errors["values"] = _("“%(k)s”的取值不正确：%(v)s。") % {
                "k": K(kind).label, "v": "、".join(sorted(set(values) - allowed))}
    if kind == K.RIGID_EXPENSE and (c.amount is None or c.amount <= 0):
        errors["amount"] = _("请填写大于 0 的年刚性支出金额。")
    if errors:
        raise ValidationError(errors)


def _income_interval(conditions):
    """(lower, lower_strict, upper, upper_strict) over the income conditions of a group."""
    lower, lower_strict, upper, upper_strict = None, False, None, False
    for c in conditions:
        if c.factor is None or not c.comparison:
            continue
        if c.comparison in (Comparison.GT, Comparison.GTE):
            strict = c.comparison == Comparison.GT
            if lower is None or c.factor > lower or (c.factor == lower and strict):
                lower, lower_strict = c.factor, strict
        else:
            strict = c.comparison == Comparison.LT
            if upper is None or c.factor < upper or (c.factor == upper and strict):
                upper, upper_strict = c.factor, strict
    return lower, lower_strict, upper, upper_strict


def contradictions(conditions) -> list[str]:
    """Messages for conditions of one group that no household could satisfy together."""
    messages = []
    by_group: dict[int, list] = {}
    for c in conditions:
        by_group.setdefault(c.group or 1, []).append(c)
    for group, items in sorted(by_group.items()):
        prefix = _("第 %(g)s 组：") % {"g": group}
        # "Receives one of held" and "receives none of not_held" contradict when held ⊆ not_held.
        for c in items:
            if c.kind == K.CATEGORY_NOT_HELD:
                for h in items:
                    if h.kind == K.CATEGORY_HELD and h.values and set(h.values) <= set(c.values or []):
                        messages.append(prefix + _("既要求正在享受“%(v)s”，又要求未享受，条件互相矛盾。") % {
                            "v": _labels(K.CATEGORY_HELD, h.values)})
        lower, lower_strict, upper, upper_strict = _income_interval([c for c in items if c.kind == K.INCOME])
        if lower is not None and upper is not None and (
                lower > upper or (lower == upper and (lower_strict or upper_strict))):
            messages.append(prefix + _("收入须%(lo)s低保标准的 %(a)s 倍，又须%(hi)s %(b)s 倍，没有家庭能同时满足。") % {
                "lo": _("高于") if lower_strict else _("不低于"), "a": _fmt(lower),
                "hi": _("低于") if upper_strict else _("不高于"), "b": _fmt(upper)})
        counts = [c for c in items if c.kind == K.MEMBER_COUNT]
        if len(counts) > 1:
            lo = max((c.min_value for c in counts if c.min_value is not None), default=None)
            hi = min((c.max_value for c in counts if c.max_value is not None), default=None)
            if lo is not None and hi is not None and lo > hi:
                messages.append(prefix + _("在户人数须不少于 %(a)s 人，又须不多于 %(b)s 人，条件互相矛盾。") % {"a": lo, "b": hi})
        for kind in EXCLUSIVE_VALUE_KINDS:
            sets = [set(c.values or []) for c in items if c.kind == kind]
            if len(sets) > 1 and not set.intersection(*sets):
                messages.append(prefix + _("“%(k)s”的几个条件没有共同的取值，条件互相矛盾。") % {"k": K(kind).label})
        if any(c.kind == K.MEMBER_COUNT and c.max_value == 0 for c in items) and any(
                c.kind in MEMBER_KINDS for c in items):
            messages.append(prefix + _("在户人数为 0 时不可能有成员满足成员条件。"))
    return messages


# --------------------------------------------------------------------------- dates and standards
def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February falls back to 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class Standards:
    """低保 standards in force on a day: {district id: {area: amount}}, and village → district."""

    day: dt.date
    table: StandardTable
    district_of_village: dict[int, int] = field(default_factory=dict)

    def for_district(self, district_id: int | None, hukou_type: str) -> Decimal | None:
        standard = self.table.applying(district_id, hukou_type, self.day)
        return standard.monthly_amount if standard else None

    def for_household(self, village_id: int, hukou_type: str) -> Decimal | None:
        return self.for_district(self.district_of_village.get(village_id), hukou_type)


def standards_in_force(day: dt.date | None = None, village_ids=None, villages=None) -> Standards:
    """Two queries: the villages' districts and the latest standard of each district and area. Given
    `villages` loaded with their parents (village → township → district), only the second."""
    day = day or timezone.localdate()
    if villages is not None:
        district_of_village = {v.pk: v.parent.parent_id if v.parent else None for v in villages}
    else:
        villages = Jurisdiction.objects.filter(level=JurisdictionLevel.VILLAGE)
        if village_ids is not None:
            villages = villages.filter(pk__in=village_ids)
        district_of_village = dict(villages.values_list("pk", "parent__parent_id"))
    table = StandardTable.load(districts=set(district_of_village.values()), day=day)
    return Standards(day=day, table=table, district_of_village=district_of_village)


# --------------------------------------------------------------------------- one household, with reasons
@dataclass
class HouseholdFacts:
    """What the matcher reads of a household, gathered once (members present, assistance in force)."""

    household: Household
    members: list
    categories: set[str]
    standard: Decimal | None
    day: dt.date


def household_facts(household: Household, standards: Standards | None = None) -> HouseholdFacts:
    day = standards.day if standards else timezone.localdate()
    standards = standards or standards_in_force(day, [household.village_id])
    members = [m for m in household.members.all() if m.status == MemberStatus.PRESENT]
    categories = {r.type for r in household.assistance.all() if r.runs_on(day)}
    return HouseholdFacts(household, members, categories,
                          standards.for_household(household.village_id, household.hukou_type), day)


@dataclass
class ConditionResult:
    condition: object
    holds: bool
    reason: str          # plain words, no personal figures (leads, district officials)
    detail: str = ""     # with the household's own figures, for those who may see personal data


def _member_test(c, m, day) -> bool:
    kind = c.kind
    if kind == K.MEMBER_AGE:
        age = age_on(m.birth_date, day)
        return (c.min_value is None or age >= c.min_value) and (c.max_value is None or age <= c.max_value)
    if kind == K.DISABILITY:
        return bool(m.disability_grade) and m.disability_grade in (c.values or [])
    if kind == K.SERIOUS_ILLNESS:
        return bool(m.serious_illness)
    if kind == K.CHRONIC_ILLNESS:
        return bool(m.chronic_illness)
    if kind == K.SELF_CARE:
        return m.self_care in (c.values or [])
    if kind == K.EMPLOYMENT:
        return bool(m.employment) and m.employment in (c.values or [])
    if kind == K.SCHOOL_STAGE:
        return bool(m.school_stage) and m.school_stage in (c.values or [])
    return False


def evaluate_condition(c, facts: HouseholdFacts) -> ConditionResult:
    h = facts.household
    text = describe_condition(c)
    if c.kind in MEMBER_KINDS:
        who = [m for m in facts.members if _member_test(c, m, facts.day)]
        if who:
            return ConditionResult(c, True, text, _("%(t)s（%(n)s）") % {
                "t": text, "n": punctuation.mark("、").join(m.name for m in who)})
        return ConditionResult(c, False, text, text)
    if c.kind == K.CATEGORY_HELD:
        holds = bool(facts.categories & set(c.values or []))
        return ConditionResult(c, holds, text, text)
    if c.kind == K.CATEGORY_NOT_HELD:
        holds = not (facts.categories & set(c.values or []))
        return ConditionResult(c, holds, text, text)
    if c.kind == K.INCOME:
        if not h.income_recorded:
            # Unknown is not 0: an unrecorded income meets no income condition (Household.income_recorded).
            return ConditionResult(c, False, _("家庭收入未登记，无法比对低保标准"), _("家庭收入未登记，无法比对低保标准"))
        if facts.standard is None:
            return ConditionResult(c, False, _("未设置当地低保标准，无法比对收入"), _("未设置当地低保标准，无法比对收入"))
        limit = (facts.standard * c.factor).quantize(Decimal("0.01"))
        holds = OPS[c.comparison](h.per_capita_income, limit)
        return ConditionResult(c, holds, text, _("月人均收入 %(i)s 元%(op)s %(l)s 元（低保标准 %(s)s 元 × %(f)s）") % {
            "i": _fmt(h.per_capita_income), "op": OP_SIGNS[c.comparison] if holds else _("，不满足") + OP_SIGNS[c.comparison],
            "l": _fmt(limit), "s": _fmt(facts.standard), "f": _fmt(c.factor)})
    if c.kind == K.HUKOU_TYPE:
        return ConditionResult(c, h.hukou_type in (c.values or []), text, text)
    if c.kind == K.HOUSING:
        return ConditionResult(c, h.housing in (c.values or []), text, text)
    if c.kind == K.RIGID_EXPENSE:
        total = h.medical_expense + h.education_expense + h.other_expense
        return ConditionResult(c, total >= c.amount, text, _("%(t)s（现为 %(a)s 元）") % {"t": text, "a": _fmt(total)})
    if c.kind == K.MEMBER_COUNT:
        n = len(facts.members)
        holds = (c.min_value is None or n >= c.min_value) and (c.max_value is None or n <= c.max_value)
        return ConditionResult(c, holds, text, _("%(t)s（现有 %(n)s 人）") % {"t": text, "n": n})
    return ConditionResult(c, False, text, text)


@dataclass
class PolicyResult:
    policy: object
    matches: bool
    receives: bool
    group: int | None
    results: list[ConditionResult]

    @property
    def reason(self) -> str:
        return punctuation.mark("；").join(r.reason for r in self.results if r.condition.group == self.group)

    @property
    def detail(self) -> str:
        return punctuation.mark("；").join(r.detail for r in self.results if r.condition.group == self.group)


def applies_in(policy, village: Jurisdiction, area_ids: set[int]) -> bool:
    node = village
    while node is not None:
        if node.pk in area_ids:
            return True
        node = node.parent
    return False


def evaluate_policy(policy, facts: HouseholdFacts) -> PolicyResult:
    """Does the household meet the policy (some group entirely holds)? With every condition's result."""
    conditions = list(policy.conditions.all())
    results = [evaluate_condition(c, facts) for c in conditions]
    groups: dict[int, list[ConditionResult]] = {}
    for r in results:
        groups.setdefault(r.condition.group, []).append(r)
    matched_group = next((g for g, rs in sorted(groups.items()) if all(r.holds for r in rs)), None)
    receives = bool(policy.assistance_type) and policy.assistance_type in facts.categories
    return PolicyResult(policy, matched_group is not None, receives, matched_group, results)


# --------------------------------------------------------------------------- all households, in SQL
def _present_member(**filters) -> Exists:
    return Exists(Member.objects.filter(household=OuterRef("pk"), status=MemberStatus.PRESENT, **filters))


def _current_assistance(types, day) -> Exists:
    return Exists(AssistanceRecord.objects.running(day).filter(household=OuterRef("pk"), type__in=list(types)))


def condition_q(c, standards: Standards) -> Q:
    """The condition as a filter on Household (a subquery per member condition, no per-row query)."""
    day = standards.day
    kind = c.kind
    if kind == K.MEMBER_AGE:
        f = {}
        if c.min_value is not None:
            f["birth_date__lte"] = years_before(day, c.min_value)
        if c.max_value is not None:
            f["birth_date__gt"] = years_before(day, c.max_value + 1)
        return Q(_present_member(**f))
    if kind == K.DISABILITY:
        return Q(_present_member(disability_grade__in=[v for v in c.values if v]))
    if kind == K.SERIOUS_ILLNESS:
        return Q(_present_member_nonblank("serious_illness"))
    if kind == K.CHRONIC_ILLNESS:
        return Q(_present_member_nonblank("chronic_illness"))
    if kind == K.SELF_CARE:
        return Q(_present_member(self_care__in=c.values))
    if kind == K.EMPLOYMENT:
        return Q(_present_member(employment__in=[v for v in c.values if v]))
    if kind == K.SCHOOL_STAGE:
        return Q(_present_member(school_stage__in=[v for v in c.values if v]))
    if kind == K.CATEGORY_HELD:
        return Q(_current_assistance(c.values, day))
    if kind == K.CATEGORY_NOT_HELD:
        return ~Q(_current_assistance(c.values, day))
    if kind == K.HUKOU_TYPE:
        return Q(hukou_type__in=c.values)
    if kind == K.HOUSING:
        return Q(housing__in=c.values)
    if kind == K.RIGID_EXPENSE:
        return Q(pk__in=Household.objects.alias(total=F("medical_expense") + F("education_expense") + F("other_expense"))
                 .filter(total__gte=c.amount).values("pk"))
    if kind == K.MEMBER_COUNT:
        counted = (Member.objects.filter(household=OuterRef("pk"), status=MemberStatus.PRESENT)
                   .order_by().values("household").annotate(n=Count("pk")).values("n"))
        n = Coalesce(Subquery(counted, output_field=IntegerField()), 0)
        q = Q()
        if c.min_value is not None:
            q &= Q(pk__in=Household.objects.alias(n=n).filter(n__gte=c.min_value).values("pk"))
        if c.max_value is not None:
            q &= Q(pk__in=Household.objects.alias(n=n).filter(n__lte=c.max_value).values("pk"))
        return q
    if kind == K.INCOME:
        return _income_q(c, standards)
    return Q(pk__in=[])


def _present_member_nonblank(field_name: str) -> Exists:
    return Exists(Member.objects.filter(household=OuterRef("pk"), status=MemberStatus.PRESENT)
                  .exclude(**{field_name: ""}))


def _income_q(c, standards: Standards) -> Q:
    """Income against each district's standard, by hukou type where it has separate ones."""
    lookup = {Comparison.LTE: "lte", Comparison.LT: "lt", Comparison.GTE: "gte", Comparison.GT: "gt"}[c.comparison]
    villages_of: dict[int, list[int]] = {}
    for village_id, district_id in standards.district_of_village.items():
        villages_of.setdefault(district_id, []).append(village_id)
    q = Q(pk__in=[])
    for district_id in standards.table.district_ids:
        villages = villages_of.get(district_id, [])
        if not villages:
            continue
        for hukou in (HukouType.URBAN, HukouType.RURAL, ""):
            amount = standards.for_district(district_id, hukou)
            if amount is None:
                continue
            limit = (amount * c.factor).quantize(Decimal("0.01"))
            q |= Q(village_id__in=villages, hukou_type=hukou, **{f"per_capita_income__{lookup}": limit})
    # Only recorded incomes are compared (the same rule as Household.income_recorded).
    return q & INCOME_RECORDED


def policy_q(policy, conditions, standards: Standards) -> Q:
    """Households meeting some group of the policy's conditions (no conditions: none)."""
    groups: dict[int, list] = {}
    for c in conditions:
        groups.setdefault(c.group, []).append(c)
    if not groups:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for _group, items in sorted(groups.items()):
        gq = Q()
        for c in items:
            gq &= condition_q(c, standards)
        q |= gq
    return q


def area_village_ids(area_ids: set[int]) -> set[int]:
    """Villages lying under (or being) any of the given jurisdictions."""
    return set(Jurisdiction.objects.villages().under(area_ids).values_list("pk", flat=True))


def policy_candidates(policy, conditions, standards: Standards, village_ids):
    """Households in these villages that meet the policy and do not already receive it."""
    qs = Household.objects.filter(village_id__in=village_ids).filter(policy_q(policy, conditions, standards))
    if policy.assistance_type:
        qs = qs.exclude(_current_assistance([policy.assistance_type], standards.day))
    return qs

