"""On a 360-px phone: a caseworker records a family's quarterly check (季度排查) from the worklist."""
import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


def test_caseworker_records_a_quarterly_check_from_the_worklist(transactional_db, demo, browser_login, live_server):
    from django.utils import timezone

    from households import checks, services
    from households.models import QuarterlyCheck
    from tests.households.factories import make_household

    household = make_household(demo.village_a, head_name="周玉梅", created=dt.date(2019, 1, 1))
    services.quarterly_check_place(actor=None, household=household, reason="exited",
                                   entered_on=checks.previous_quarter_start(timezone.localdate()))

    page = browser_login("caseworker1")
    page.click("text=走访任务")
    section = page.get_by_test_id("quarterly-checks")
    expect(section).to_contain_text("周玉梅")
    expect(section).to_contain_text("上季度未排查（逾期）")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    section.locator(f"li[data-household='{household.pk}'] a.visit-button").click()

    expect(page.locator("h1")).to_have_text("登记季度排查")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("#id_finding", "上门面谈：基本生活有保障，住房、医疗、就学暂无困难。")
    page.get_by_role("button", name="保存排查").click()

    expect(page.locator(".messages")).to_contain_text("本季度排查已登记")
    expect(page.locator("h1")).to_have_text("走访任务")
    expect(page.get_by_test_id("quarterly-checks")).not_to_contain_text("周玉梅")
    check = QuarterlyCheck.objects.get(household=household)
    assert check.recorded_by == demo.caseworker_a and check.checked_on == timezone.localdate()
