"""Policy conditions against households at the boundaries, in Python (explained) and in SQL (the job)."""
import datetime as dt
from decimal import Decimal

import pytest

from plans import matching
from plans.models import Comparison, ConditionKind as K, Policy, PolicyCondition
from plans.selectors import household_for_matching

from . import factories

pytestmark = pytest.mark.django_db


def make_policy(demo, code, conditions, assistance_type=""):
    policy = Policy.objects.create(code=code, name=code, assistance_type=assistance_type, summary="s",
                                   eligibility="e", benefits="b", how_to_apply="h", department="d",
                                   owner=demo.district)
    policy.areas.set([demo.district])
    PolicyCondition.objects.bulk_create([PolicyCondition(policy=policy, **c) for c in conditions])
    return policy


def both(policy, household, day=None):
    """(python says it matches, SQL says it matches) — they must agree."""
    standards = matching.standards_in_force(day)
    facts = matching.household_facts(household_for_matching(household), standards)
    py = matching.evaluate_policy(policy, facts).matches
    village_ids = matching.area_village_ids({demo_area.pk for demo_area in policy.areas.all()})
    sql = matching.policy_candidates(policy, list(policy.conditions.all()), standards, village_ids).filter(
        pk=household.pk).exists()
    return py, sql


@pytest.fixture
def std(demo):
    return factories.standard(demo.district, "1330")


@pytest.mark.parametrize("income, dibao, low_income", [
    ("1329.99", True, False),
    ("1330.00", True, False),      # exactly at the standard: 低保 (≤), not 低收入 (>)
    ("1330.01", False, True),
    ("1994.99", False, True),      # just under 1.5 × 1330 = 1995
    ("1995.00", False, False),     # exactly 1.5 ×: not below it
])
def test_income_against_the_standard_at_the_boundaries(demo, std, income, dibao, low_income):
    """Income exactly at the standard is 低保 (≤ 1×); exactly at 1.5× is no longer 低收入 (< 1.5×)."""
    p_dibao = make_policy(demo, "dibao", [dict(kind=K.INCOME, comparison=Comparison.LTE, factor=Decimal("1"))])
    p_low = make_policy(demo, "low", [dict(kind=K.INCOME, comparison=Comparison.GT, factor=Decimal("1")),
                                      dict(kind=K.INCOME, comparison=Comparison.LT, factor=Decimal("1.5"))])
    h = factories.household(demo.village_a, income=income)
    assert both(p_dibao, h) == (dibao, dibao)
    assert both(p_low, h) == (low_income, low_income)


def test_strict_comparison_at_the_standard(demo, std):
    p = make_policy(demo, "lt", [dict(kind=K.INCOME, comparison=Comparison.LT, factor=Decimal("1"))])
    assert both(p, factories.household(demo.village_a, income="1330")) == (False, False)
    assert both(p, factories.household(demo.village_a, income="1329.99")) == (True, True)


def test_urban_and_rural_standards_by_hukou(demo):
    factories.standard(demo.district, "636", area="urban")
    factories.standard(demo.district, "515", area="rural")
    p = make_policy(demo, "dibao", [dict(kind=K.INCOME, comparison=Comparison.LTE, factor=Decimal("1"))])
    assert both(p, factories.household(demo.village_a, income="600", hukou_type="urban")) == (True, True)
    assert both(p, factories.household(demo.village_a, income="600", hukou_type="rural")) == (False, False)


def test_no_standard_means_no_income_match(demo):
    p = make_policy(demo, "dibao", [dict(kind=K.INCOME, comparison=Comparison.LTE, factor=Decimal("1"))])
    h = factories.household(demo.village_a, income="0")
    assert both(p, h) == (False, False)
    facts = matching.household_facts(household_for_matching(h))
    assert "未设置当地低保标准" in matching.evaluate_policy(p, facts).results[0].reason


def test_a_future_standard_is_not_in_force(demo):
    factories.standard(demo.district, "1330")
    factories.standard(demo.district, "9999", since=dt.date.today() + dt.timedelta(days=30))
    p = make_policy(demo, "dibao", [dict(kind=K.INCOME, comparison=Comparison.LTE, factor=Decimal("1"))])
    assert both(p, factories.household(demo.village_a, income="1400")) == (False, False)


def test_ages_at_the_limit(demo, std):
    """A member who turns 60 today is 60; one who turns 60 tomorrow is 59. ≤ 15 includes the 15-year-old."""
    today = dt.date.today()
    elderly = make_policy(demo, "old", [dict(kind=K.MEMBER_AGE, min_value=60)])
    minor = make_policy(demo, "minor", [dict(kind=K.MEMBER_AGE, max_value=15)])
    sixty_today = factories.household(demo.village_a, members=[{"birth_date": matching.years_before(today, 60)}])
    sixty_tomorrow = factories.household(demo.village_a, members=[
        {"birth_date": matching.years_before(today, 60) + dt.timedelta(days=1)}])
    sixteen_today = factories.household(demo.village_a, members=[{"birth_date": matching.years_before(today, 16)}])
    sixteen_tomorrow = factories.household(demo.village_a, members=[
        {"birth_date": matching.years_before(today, 16) + dt.timedelta(days=1)}])
    assert both(elderly, sixty_today) == (True, True)
    assert both(elderly, sixty_tomorrow) == (False, False)
    assert both(minor, sixteen_today) == (False, False)
    assert both(minor, sixteen_tomorrow) == (True, True)


def test_deceased_members_do_not_count(demo, std):
    p = make_policy(demo, "old", [dict(kind=K.MEMBER_AGE, min_value=60)])
    h = factories.household(demo.village_a, members=[{"birth_date": dt.date(1940, 1, 1), "status": "deceased"},
                                                     {"birth_date": dt.date(1990, 1, 1)}])
    assert both(p, h) == (False, False)


def test_disability_illness_and_categories(demo, std):
    severe = make_policy(demo, "care", [dict(kind=K.DISABILITY, values=["1", "2"])])
    med = make_policy(demo, "med", [dict(kind=K.CATEGORY_HELD, values=["dibao"]),
                                    dict(kind=K.SERIOUS_ILLNESS)], assistance_type="medical")
    h1 = factories.household(demo.village_a, members=[{"birth_date": dt.date(1970, 1, 1), "disability_grade": "2",
                                                       "disability_type": "physical"}])
    h3 = factories.household(demo.village_a, members=[{"birth_date": dt.date(1970, 1, 1), "disability_grade": "3"}])
    ill_dibao = factories.household(demo.village_a, members=[{"birth_date": dt.date(1970, 1, 1),
                                                              "serious_illness": "尿毒症"}], assistance=["dibao"])
    ill_only = factories.household(demo.village_a, members=[{"birth_date": dt.date(1970, 1, 1),
                                                             "serious_illness": "尿毒症"}])
    already = factories.household(demo.village_a, members=[{"birth_date": dt.date(1970, 1, 1),
                                                            "serious_illness": "尿毒症"}],
                                  assistance=["dibao", "medical"])
    assert both(severe, h1) == (True, True)
    assert both(severe, h3) == (False, False)
    assert both(med, ill_dibao) == (True, True)
    assert both(med, ill_only) == (False, False)
    # Already receiving medical assistance: the SQL candidates leave it out; Python says "receives".
    facts = matching.household_facts(household_for_matching(already))
    result = matching.evaluate_policy(med, facts)
    assert result.matches and result.receives
    assert both(med, already) == (True, False)


def test_an_ended_assistance_is_not_held(demo, std):
    p = make_policy(demo, "not-dibao", [dict(kind=K.CATEGORY_NOT_HELD, values=["dibao"])])
    h = factories.household(demo.village_a)
    from households import services as household_services

    household_services.assistance_add(actor=None, household=h, type="dibao", start_date=dt.date(2020, 1, 1),
                                      end_date=dt.date(2021, 1, 1))
    assert both(p, h) == (True, True)


def test_groups_are_alternatives(demo, std):
    """特困: 60+ living alone, OR severely disabled living alone; both with income ≤ the standard."""
    p = make_policy(demo, "tekun", [
        dict(kind=K.MEMBER_AGE, group=1, min_value=60), dict(kind=K.MEMBER_COUNT, group=1, max_value=1),
        dict(kind=K.INCOME, group=1, comparison=Comparison.LTE, factor=Decimal("1")),
        dict(kind=K.DISABILITY, group=2, values=["1"]), dict(kind=K.MEMBER_COUNT, group=2, max_value=1),
        dict(kind=K.INCOME, group=2, comparison=Comparison.LTE, factor=Decimal("1"))], assistance_type="tekun")
    old_alone = factories.household(demo.village_a, income="800", members=[{"birth_date": dt.date(1950, 5, 5)}])
    old_couple = factories.household(demo.village_a, income="800", members=[{"birth_date": dt.date(1950, 5, 5)},
                                                                            {"birth_date": dt.date(1952, 5, 5)}])
    disabled_alone = factories.household(demo.village_a, income="800", members=[
        {"birth_date": dt.date(1985, 5, 5), "disability_grade": "1"}])
    assert both(p, old_alone) == (True, True)
    assert both(p, old_couple) == (False, False)
    assert both(p, disabled_alone) == (True, True)
    facts = matching.household_facts(household_for_matching(disabled_alone))
    result = matching.evaluate_policy(p, facts)
    assert result.group == 2 and "残疾" in result.reason


def test_rigid_expense_housing_and_hukou(demo, std):
    p = make_policy(demo, "temp", [dict(kind=K.RIGID_EXPENSE, amount=Decimal("20000"))])
    assert both(p, factories.household(demo.village_a, medical_expense=Decimal("15000"),
                                       education_expense=Decimal("5000"))) == (True, True)
    assert both(p, factories.household(demo.village_a, medical_expense=Decimal("19999.99"))) == (False, False)
    q = make_policy(demo, "house", [dict(kind=K.HOUSING, values=["dilapidated"]),
                                    dict(kind=K.HUKOU_TYPE, values=["rural"])])
    assert both(q, factories.household(demo.village_a, housing="dilapidated", hukou_type="rural")) == (True, True)
    assert both(q, factories.household(demo.village_a, housing="dilapidated", hukou_type="urban")) == (False, False)


def test_policy_applies_only_in_its_areas(demo, std):
    p = make_policy(demo, "local", [dict(kind=K.INCOME, comparison=Comparison.LTE, factor=Decimal("1"))])
    p.areas.set([demo.townships[0]])
    h_in = factories.household(demo.village_a, income="100")
    h_out = factories.household(demo.village_c, income="100")
    village_ids = matching.area_village_ids({demo.townships[0].pk})
    standards = matching.standards_in_force()
    found = set(matching.policy_candidates(p, list(p.conditions.all()), standards, village_ids)
                .values_list("pk", flat=True))
    assert h_in.pk in found and h_out.pk not in found


# ----------------------------------------------------------------------------- contradictory conditions
def cond(**kw):
    return PolicyCondition(**{"group": 1, **kw})


def test_contradictions_are_refused_with_clear_messages():
    msgs = matching.contradictions([cond(kind=K.INCOME, comparison=Comparison.GT, factor=Decimal("1.5")),
                                    cond(kind=K.INCOME, comparison=Comparison.LTE, factor=Decimal("1"))])
    assert msgs and "没有家庭能同时满足" in msgs[0]
    # Touching bounds: > 1 and ≤ 1 is empty; ≥ 1 and ≤ 1 is exactly the standard, allowed.
    assert matching.contradictions([cond(kind=K.INCOME, comparison=Comparison.GT, factor=Decimal("1")),
                                    cond(kind=K.INCOME, comparison=Comparison.LTE, factor=Decimal("1"))])
    assert not matching.contradictions([cond(kind=K.INCOME, comparison=Comparison.GTE, factor=Decimal("1")),
                                        cond(kind=K.INCOME, comparison=Comparison.LTE, factor=Decimal("1"))])
    held = matching.contradictions([cond(kind=K.CATEGORY_HELD, values=["dibao"]),
                                    cond(kind=K.CATEGORY_NOT_HELD, values=["dibao", "tekun"])])
    assert held and "互相矛盾" in held[0]
    assert matching.contradictions([cond(kind=K.MEMBER_COUNT, min_value=3), cond(kind=K.MEMBER_COUNT, max_value=1)])
    assert matching.contradictions([cond(kind=K.HUKOU_TYPE, values=["urban"]),
                                    cond(kind=K.HUKOU_TYPE, values=["rural"])])
    # The same conditions in different groups are alternatives, not a contradiction.
    assert not matching.contradictions([cond(kind=K.HUKOU_TYPE, values=["urban"]),
                                        cond(kind=K.HUKOU_TYPE, group=2, values=["rural"])])


@pytest.mark.parametrize("kwargs, field, text", [
    (dict(kind=K.INCOME, factor=Decimal("1")), "comparison", "比较方式"),
    (dict(kind=K.INCOME, comparison=Comparison.LT), "factor", "倍数"),
    (dict(kind=K.MEMBER_AGE), "min_value", "下限或上限"),
    (dict(kind=K.MEMBER_AGE, min_value=60, max_value=16), "max_value", "上限 16 小于下限 60"),
    (dict(kind=K.DISABILITY, values=[]), "values", "请选择"),
    (dict(kind=K.DISABILITY, values=["9"]), "values", "取值不正确"),
    (dict(kind=K.RIGID_EXPENSE), "amount", "金额"),
])
def test_bad_single_conditions(kwargs, field, text):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        matching.clean_condition(cond(**kwargs))
    assert text in " ".join(exc.value.message_dict[field])
