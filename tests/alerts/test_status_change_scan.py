"""The status-change scan: alerts from household events, per the alert rules (data). Run twice, same result."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from alerts.jobs import status_change_scan
from alerts.models import Alert, AlertKind, AlertRule
from households.models import Cadence, DibaoStandard, EventKind, HouseholdEvent, RosterEntry
from tests.households.factories import make_household
from tests.visits.factories import make_roster

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def standard(demo):
    return DibaoStandard.objects.create(district=demo.district, monthly_amount=Decimal("1510"),
                                        effective_from=D(2024, 7, 1))


def event(household, kind, old="", new="", field="", **extra):
    return HouseholdEvent.objects.create(household=household, kind=kind, old_value=old, new_value=new, field=field,
                                         **extra)


def test_status_change_rules_open_alerts_once(demo, standard):
    household = make_roster(demo.village_a, caseworker=demo.caseworker_a)
    fell = event(household, EventKind.INCOME_CHANGED, "2400.00", "1200.00", "per_capita_income")
    band = event(make_household(demo.village_a), EventKind.INCOME_CHANGED, "3000.00", "1800.00",
                 "per_capita_income")
    event(make_household(demo.village_a), EventKind.INCOME_CHANGED, "3000.00", "2800.00", "per_capita_income")
    event(household, EventKind.DISABILITY_CHANGED, "", "肢体残疾", "disability_type")
    event(household, EventKind.HEALTH_CHANGED, "", "尿毒症", "serious_illness")
    event(household, EventKind.HEALTH_CHANGED, "", "高血压", "chronic_illness")  # no rule: chronic illness
    event(household, EventKind.EMPLOYMENT_CHANGED, "就业", "失业", "employment")
    event(household, EventKind.MEMBER_DECEASED, "在户", "死亡", "status")
    event(household, EventKind.DISASTER, "", "房屋因暴雨受损")

    first = status_change_scan()
    assert first["opened"] == 7
    reasons = list(Alert.objects.filter(kind=AlertKind.STATUS_CHANGE).values_list("reason", flat=True))
    assert any("由 2400.00 元降至 1200.00 元，低于当地低保标准" in r for r in reasons)
    assert any("1800.00 元，落入低收入家庭区间" in r for r in reasons)
    assert any("新患大重病（尿毒症）" in r for r in reasons)
    assert not any("高血压" in r for r in reasons)
    assert Alert.objects.get(event=fell).caseworker == demo.caseworker_a
    assert Alert.objects.get(event=band).rule.name == "收入落入低收入区间"

    second = status_change_scan()
    assert second["opened"] == 0
    assert Alert.objects.filter(kind=AlertKind.STATUS_CHANGE).count() == 7


def test_a_family_the_assistance_already_reaches_is_not_told_to_check_whether_it_qualifies(demo, standard):
    """收入降至低保标准以下 asks to check 低保 eligibility: not of a family on 特困 or 低保 already; the low-income
    band rule not of one on 低保, 特困 or 低收入. A family on another kind of help (医疗救助) is still told."""
    from tests.ledgers.factories import give_assistance

    on_tekun, on_low_income, on_medical = (make_household(demo.village_a) for _ in range(3))
    give_assistance(on_tekun, "tekun", start=D(2024, 6, 8))
    give_assistance(on_low_income, "low_income", start=D(2024, 6, 8))
    give_assistance(on_medical, "medical", start=D(2024, 6, 8))
    event(on_tekun, EventKind.INCOME_CHANGED, "2400.00", "600.00", "per_capita_income")
    event(on_low_income, EventKind.INCOME_CHANGED, "3000.00", "1800.00", "per_capita_income")
    event(on_medical, EventKind.INCOME_CHANGED, "2400.00", "600.00", "per_capita_income")
    status_change_scan()
    told = set(Alert.objects.filter(kind=AlertKind.STATUS_CHANGE, rule__condition__startswith="income_")
               .values_list("household_id", flat=True))
    assert told == {on_medical.pk}


def test_rules_are_data_an_inactive_rule_opens_nothing(demo):
    AlertRule.objects.filter(event_kind=EventKind.DISASTER).update(active=False)
    event(make_household(demo.village_a), EventKind.DISASTER, "", "洪水")
    assert status_change_scan()["opened"] == 0
    AlertRule.objects.create(name="热线诉求", event_kind=EventKind.OTHER, condition="new_value_in",
                             values=["12345"], reason="12345 热线反映困难：{new}")
    event(make_household(demo.village_a), EventKind.OTHER, "", "12345")
    assert status_change_scan()["opened"] == 1


def test_assistance_ended_puts_the_family_on_the_quarterly_check(demo):
    household = make_household(demo.village_a, caseworker=demo.caseworker_a)
    event(household, EventKind.ASSISTANCE_ENDED, "最低生活保障（低保）", "", "assistance")
    result = status_change_scan()
    assert result == {"events": 1, "opened": 1, "quarterly": 1}
    entry = RosterEntry.objects.get(household=household, exited_on__isnull=True)
    assert entry.cadence == Cadence.QUARTERLY
    assert "请至少每季度回访一次" in Alert.objects.get(household=household).reason
    assert status_change_scan()["quarterly"] == 0
    assert RosterEntry.objects.filter(household=household).count() == 1


def test_a_family_on_the_roster_keeps_its_monthly_visits_and_the_alert_does_not_say_otherwise(demo):
    """The alert asks for a visit at least once a quarter: true of the family entered quarterly, and of one
    already on the roster, whose monthly cadence stays (a monthly visit is at least quarterly)."""
    from households.models import FocusReason, TargetKind
    from households.services import roster_enter

    household = make_household(demo.village_a, caseworker=demo.caseworker_a)
    roster_enter(actor=demo.township1, household=household, reasons=[FocusReason.DISABLED],
                 target_kind=TargetKind.WARNING)
    event(household, EventKind.ASSISTANCE_ENDED, "最低生活保障（低保）", "", "assistance")
    assert status_change_scan()["quarterly"] == 0
    assert RosterEntry.objects.get(household=household, exited_on__isnull=True).cadence == Cadence.MONTHLY
    reason = Alert.objects.get(household=household).reason
    assert reason == "救助终止（最低生活保障（低保）），请至少每季度回访一次" and "转入" not in reason


def test_old_events_are_outside_the_lookback(demo):
    household = make_household(demo.village_a)
    event(household, EventKind.DISASTER, "", "洪水", occurred_at=timezone.now() - dt.timedelta(days=30))
    assert status_change_scan()["opened"] == 0
