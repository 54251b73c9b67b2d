"""Domain rules that several apps ask: each computed in one place, and every app gets the same answer."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from alerts.jobs import rule_matches
from alerts.models import AlertRule, RuleCondition
from households import selectors, services
from households.models import AssistanceRecord, DibaoStandard, EventKind, HouseholdEvent, StandardArea
from households.standards import StandardTable
from plans.matching import standards_in_force
from relief.models import Jurisdiction

from .households.factories import make_household

pytestmark = pytest.mark.django_db


def test_under_reaches_every_level_below_and_nothing_beside(demo):
    township = demo.village_a.parent
    under = set(Jurisdiction.objects.under(township))
    assert township in under and demo.village_a in under and demo.village_b in under
    assert demo.village_c not in under and demo.district not in under
    groups = Jurisdiction.objects.filter(parent=demo.village_a)
    assert set(groups) <= under
    assert set(Jurisdiction.objects.under(demo.district)) == set(Jurisdiction.objects.all())
    assert set(Jurisdiction.objects.villages().under([demo.village_a.pk, demo.village_c])) == {
        demo.village_a, demo.village_c}


def _standard(district, amount, area, day):
    return services.dibao_standard_set(actor=None, district=district, monthly_amount=amount, area=area,
                                       effective_from=day)


def test_a_newer_unified_standard_replaces_separate_ones_for_every_reader(demo):
    """A district that had urban and rural standards and then unified them: from the day of the unified one,
    the registry, policy matching and the alert scan all measure against it; before it, each its own area's."""
    _standard(demo.district, 700, StandardArea.URBAN, dt.date(2021, 1, 1))
    _standard(demo.district, 500, StandardArea.RURAL, dt.date(2021, 1, 1))
    _standard(demo.district, 1330, StandardArea.UNIFIED, dt.date(2023, 7, 1))
    rural = make_household(demo.village_a, hukou_type="rural")
    unknown = make_household(demo.village_a, hukou_type="", head_name="未登记户")
    rule = AlertRule.objects.create(name="低于低保", event_kind=EventKind.INCOME_CHANGED,
                                    condition=RuleCondition.INCOME_BELOW_DIBAO, reason="收入低于低保")
    table = StandardTable.load()

    def readers(household, day):
        matched = standards_in_force(day, [household.village_id]).for_household(household.village_id,
                                                                                household.hukou_type)
        registry = selectors.dibao_standard_for(household, day)
        applying = table.applying(demo.district.pk, household.hukou_type, day)
        return (registry.monthly_amount if registry else None, matched,
                applying.monthly_amount if applying else None)

    assert readers(rural, dt.date(2022, 1, 1)) == (500, 500, 500)
    assert readers(rural, dt.date(2023, 7, 1)) == (1330, 1330, 1330)
    # An unrecorded hukou type is measured only against a unified standard.
    assert readers(unknown, dt.date(2022, 1, 1)) == (None, None, None)
    assert readers(unknown, dt.date(2024, 1, 1)) == (1330, 1330, 1330)
    # The alert scan measures an event against the standard of the event's day.
    event = HouseholdEvent(household=rural, kind=EventKind.INCOME_CHANGED, field="per_capita_income",
                           old_value="1400", new_value="800",
                           occurred_at=timezone.make_aware(dt.datetime(2022, 3, 1, 10)))
    assert not rule_matches(rule, event, table, demo.district.pk)  # 800 is above 2022's rural 500
    event.occurred_at = timezone.make_aware(dt.datetime(2024, 3, 1, 10))
    assert rule_matches(rule, event, table, demo.district.pk)  # and under 2024's unified 1330


def test_on_the_same_day_the_household_own_area_wins(demo):
    _standard(demo.district, 1000, StandardArea.UNIFIED, dt.date(2024, 1, 1))
    _standard(demo.district, 1200, StandardArea.URBAN, dt.date(2024, 1, 1))
    urban = make_household(demo.village_a, hukou_type="urban")
    rural = make_household(demo.village_a, hukou_type="rural", head_name="农村户")
    assert selectors.dibao_standard_for(urban).monthly_amount == 1200
    assert selectors.dibao_standard_for(rural).monthly_amount == 1000
    assert set(DibaoStandard.objects.in_force(dt.date(2024, 6, 1)).values_list("monthly_amount", flat=True)) == {
        Decimal(1000), Decimal(1200)}
    assert not DibaoStandard.objects.in_force(dt.date(2023, 12, 31)).exists()


def test_assistance_runs_through_its_last_day(demo):
    household = make_household(demo.village_a)
    record = services.assistance_add(actor=None, household=household, type="dibao", start_date=dt.date(2024, 1, 1),
                                     end_date=dt.date(2024, 3, 31))
    running = AssistanceRecord.objects.running
    assert list(running(dt.date(2024, 3, 31))) == [record] and record.runs_on(dt.date(2024, 3, 31))
    assert not running(dt.date(2024, 4, 1)).exists() and not record.runs_on(dt.date(2024, 4, 1))
    assert not running(dt.date(2023, 12, 31)).exists()
    assert AssistanceRecord.objects.running_during(dt.date(2023, 12, 1), dt.date(2024, 1, 1)).exists()
    assert not AssistanceRecord.objects.running_during(dt.date(2024, 4, 1), dt.date(2024, 4, 30)).exists()
    assert selectors.current_categories(household, dt.date(2024, 2, 1)) == ["dibao"]
