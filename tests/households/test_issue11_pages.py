"""The household page as a user reads it: assistance categories by name, unrecorded facts as 未登记."""
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from households import selectors, services
from households.models import AssistanceType, DibaoStandard, Household

from .factories import id_number, make_household

pytestmark = pytest.mark.django_db


def _facts(html: str) -> str:
    return re.search(r'data-testid="household-facts".*?</section>', html, re.S).group(0)


def test_household_page_names_each_current_assistance_category(client, demo):
    """Each category running today is a tag carrying its label (it was an empty tag)."""
    household = make_household(demo.village_a)
    services.assistance_add(actor=demo.caseworker_a, household=household, type=AssistanceType.DIBAO,
                            start_date=dt.date(2024, 1, 1), monthly_amount=500)
    services.assistance_add(actor=demo.caseworker_a, household=household, type=AssistanceType.MEDICAL,
                            start_date=dt.date(2024, 1, 1))
    client.force_login(demo.caseworker_a)
    facts = _facts(client.get(reverse("households:detail", args=[household.pk])).content.decode())
    tags = re.findall(r'<span class="tag green" data-testid="category">([^<]*)</span>', facts)
    assert tags == ["最低生活保障（低保）", "医疗救助"]


# ------------------------------------------------------------------------------------------ unrecorded facts
def _lead_household(demo):
    """A household registered from a lead, the way the lead page does it (referrals calls household_create)."""
    from referrals import services as referral_services

    lead = referral_services.lead_create(actor=demo.caseworker_a, channel="visit", village=demo.village_a,
                                         subject_name="刘阿婆", subject_address="愚园路5号",
                                         description="邻居反映老人独居，无人照料")
    lead = referral_services.lead_link_household(actor=demo.caseworker_a, lead=lead,
                                                 residence_address="愚园路5号")
    return Household.objects.get(pk=lead.household_id)


def test_household_registered_from_a_lead_has_its_unknown_facts_unrecorded(demo):
    """Nobody asked about hukou, housing or income: they are stored as unknown, not 农村 / 自有住房 / 0."""
    household = _lead_household(demo)
    assert (household.hukou_type, household.housing, household.per_capita_income) == ("", "", None)
    assert not household.income_recorded
    assert household.pk not in set(Household.objects.income_recorded().values_list("pk", flat=True))


def test_unrecorded_income_is_shown_as_unrecorded_and_never_compared_with_the_standard(client, demo):
    DibaoStandard.objects.create(district=demo.district, monthly_amount=1330, effective_from=dt.date(2021, 7, 1))
    household = _lead_household(demo)
    band = selectors.income_band(household)
    assert band.code == "unrecorded" and band.standard is None
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    facts = _facts(html)
    assert "低于低保标准" not in facts and "依据" not in facts
    for testid in ("hukou-type", "housing", "income"):
        assert re.search(rf'data-testid="{testid}">未登记<', facts), testid


def test_recorded_income_is_still_compared(demo):
    DibaoStandard.objects.create(district=demo.district, monthly_amount=1330, effective_from=dt.date(2021, 7, 1))
    household = make_household(demo.village_a, per_capita_income=Decimal("0"), hukou_type="rural")
    assert selectors.income_band(household).code == "under"
    assert household.income_label == "0.00 元"


def test_the_form_may_leave_facts_unrecorded_and_an_edit_may_clear_the_income(client, demo):
    client.force_login(demo.caseworker_a)
    page = client.get(reverse("households:create")).content.decode()
    assert re.search(r'<select name="hukou_type"[^>]*>\s*<option value="" selected>未登记</option>', page)
    response = client.post(reverse("households:create"), {
        "village": demo.village_a.pk, "residence_address": "定西路8号", "hukou_type": "", "housing": "",
        "per_capita_income": "", "medical_expense": "0", "education_expense": "0", "other_expense": "0",
        "head-name": "陈伯", "head-id_number": id_number(born=dt.date(1950, 2, 3)), "head-self_care": "full"})
    assert response.status_code == 302, re.findall(r"errorlist.*?</ul>", response.content.decode(), re.S)
    household = Household.objects.get(residence_address="定西路8号")
    assert (household.hukou_type, household.housing, household.per_capita_income) == ("", "", None)
    services.household_update(actor=demo.caseworker_a, household=household, version=household.version,
                              per_capita_income="900")
    assert household.per_capita_income == Decimal("900")
    services.household_update(actor=demo.caseworker_a, household=household, version=household.version,
                              per_capita_income=None)
    household.refresh_from_db()
    assert household.per_capita_income is None


def test_policy_matching_skips_unrecorded_income_in_python_and_in_sql(demo):
    """An income condition (≤ the standard) holds for a recorded 0, never for an unrecorded income."""
    from plans import matching
    from plans.models import Comparison, ConditionKind, Policy, PolicyCondition
    from plans.selectors import household_for_matching

    DibaoStandard.objects.create(district=demo.district, monthly_amount=1330, effective_from=dt.date(2021, 7, 1))
    policy = Policy.objects.create(code="p", name="p", summary="s", eligibility="e", benefits="b",
                                   how_to_apply="h", department="d", owner=demo.district)
    policy.areas.set([demo.district])
    PolicyCondition.objects.create(policy=policy, kind=ConditionKind.INCOME, comparison=Comparison.LTE,
                                   factor=Decimal("1"))
    unknown = _lead_household(demo)
    zero = make_household(demo.village_a, head_name="赵", per_capita_income=Decimal("0"))
    standards = matching.standards_in_force()
    village_ids = matching.area_village_ids({demo.district.pk})
    sql = set(matching.policy_candidates(policy, list(policy.conditions.all()), standards, village_ids)
              .values_list("pk", flat=True))
    for household, expected in ((unknown, False), (zero, True)):
        facts = matching.household_facts(household_for_matching(household), standards)
        result = matching.evaluate_policy(policy, facts)
        assert (result.matches, household.pk in sql) == (expected, expected)
