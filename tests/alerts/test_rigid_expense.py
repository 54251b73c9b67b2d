"""A rise in rigid expenses (刚性支出) opens a status-change alert by default: a recorded rise, or a matched row of
a 医疗自付过高 department list."""
from decimal import Decimal

import pytest

from alerts.jobs import status_change_scan
from alerts.models import Alert, AlertKind, AlertRule
from households import services
from households.models import EventKind, HouseholdEvent
from imports.models import RIGID_EXPENSE_FEED_KINDS, FeedKind
from tests.households.factories import make_household
from tests.referrals.test_feed_leads import feed_batch

pytestmark = pytest.mark.django_db


def test_the_rules_are_there_by_default():
    rules = {r.name: r for r in AlertRule.objects.filter(name__in=["刚性支出增加", "医疗自付过高"])}
    assert rules["刚性支出增加"].event_kind == EventKind.EXPENSE_CHANGED and rules["刚性支出增加"].active
    assert rules["医疗自付过高"].values == [str(k) for k in RIGID_EXPENSE_FEED_KINDS]


def test_a_recorded_rise_opens_an_alert_and_a_fall_does_not(demo):
    household = make_household(demo.village_a)
    services.household_update(actor=demo.caseworker_a, household=household, version=household.version,
                              medical_expense=Decimal("24000"))
    household.refresh_from_db()
    services.household_update(actor=demo.caseworker_a, household=household, version=household.version,
                              medical_expense=Decimal("12000"), education_expense=Decimal("0"))
    assert HouseholdEvent.objects.filter(household=household, kind=EventKind.EXPENSE_CHANGED).count() == 2
    assert status_change_scan()["opened"] == 1
    alert = Alert.objects.get(kind=AlertKind.STATUS_CHANGE, household=household)
    assert alert.rule.name == "刚性支出增加" and "增至 24000.00 元" in alert.reason
    assert status_change_scan()["opened"] == 0


def test_a_medical_self_payment_feed_for_a_member_opens_an_alert(demo):
    household = make_household(demo.village_a)
    member = household.members.first()
    feed_batch(demo.township1, [{"姓名": member.name, "身份证号": member.id_number, "情况说明": "自付 3 万元"}],
               feed_kind=FeedKind.MEDICAL_SELF_PAY)
    feed_batch(demo.township1, [{"姓名": member.name, "身份证号": member.id_number}], feed_kind=FeedKind.UNEMPLOYED)
    status_change_scan()
    rules = sorted(Alert.objects.filter(household=household).values_list("rule__name", flat=True))
    # Every match alerts; the medical list's match is said once, by its own rule (a rise in rigid expenses),
    # not a second time by the catch-all 部门数据比对命中 that speaks for the unemployment list.
    assert rules == ["医疗自付过高", "部门数据比对命中"]
    assert "医疗自付费用过高" in Alert.objects.get(household=household, rule__name="医疗自付过高").reason
