"""A focused screening campaign (集中排查) from start to coverage report: township staff start it at a desktop, the
caseworker finds it on the worklist on a 360-px phone and logs a visit, and the coverage report shows it visited."""
import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


def test_a_campaign_from_start_to_coverage(transactional_db, demo, browser_login, live_server):
    from households import services as hh
    from households.models import FocusReason
    from plans.models import Campaign
    from tests.households.factories import make_household
    from visits.models import Visit

    today = timezone.localdate()
    families = []
    for name, village in (("周玉梅", demo.village_a), ("吴建国", demo.village_a), ("郑小红", demo.village_b)):
        h = make_household(village, head_name=name, created=dt.date(2024, 1, 1))
        hh.roster_enter(actor=None, household=h, reasons=[FocusReason.DIBAO_EDGE], target_kind="warning",
                        entered_on=dt.date(2024, 1, 2))
        families.append(h)

    page = browser_login("township1")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("nav >> text=集中排查")
    page.get_by_test_id("campaign-new").click()
    page.fill("#id_name", "寒潮集中排查")
    page.fill("#id_purpose", "寒潮来临前逐户了解取暖和用电情况。")
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_ends_on", (today - dt.timedelta(days=1)).isoformat())
    page.check("input[name=target_kind][value=dibao_edge]")
    page.get_by_role("button", name="发起排查").click()
    expect(page.get_by_test_id("error-ends_on")).to_contain_text("早于开始日期")  # refused, the form kept
    expect(page.locator("#id_name")).to_have_value("寒潮集中排查")
    page.fill("#id_ends_on", (today + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="发起排查").click()
    expect(page.locator(".messages")).to_contain_text("排查对象 3 户")
    expect(page.get_by_test_id("stat-pending")).to_contain_text("3")
    campaign = Campaign.objects.get()

    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 760})
    page = browser_login("caseworker1")
    page.click("text=走访任务")
    section = page.get_by_test_id("campaign-section")
    expect(section).to_contain_text("集中排查：寒潮集中排查")
    expect(section.get_by_test_id("campaign-pending-count")).to_have_text("2")
    expect(section.get_by_test_id("campaign-days-left")).to_have_text("还剩 7 天")
    expect(section).not_to_contain_text("郑小红")  # village B's family is caseworker2's
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    section.locator(f"li[data-household='{families[0].pk}'] a.visit-button").click()
    for name in ("food", "housing_safety", "heating_cooling", "medical", "income_change", "care", "schooling"):
        page.check(f"#id_{name}_0")
    page.fill("#id_situation", "取暖设备正常，电费按时缴纳。")
    page.check("#id_situation_clear")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("#visit-submit")
    expect(page.locator(".messages")).to_contain_text("走访记录已保存")
    assert Visit.objects.filter(household=families[0]).count() == 1
    page.click("text=走访任务")
    section = page.get_by_test_id("campaign-section")
    expect(section.get_by_test_id("campaign-pending-count")).to_have_text("1")
    expect(section).not_to_contain_text("周玉梅")

    page.context.clear_cookies()
    page = browser_login("township1")
    page.goto(f"{live_server.url}/plans/campaigns/{campaign.pk}/")
    expect(page.get_by_test_id("stat-visited")).to_contain_text("1")
    row = page.locator(f"[data-testid=coverage-row][data-village='{demo.village_a.pk}']")
    expect(row).to_contain_text("50%")
    page.get_by_test_id("stat-visited").click()
    expect(page.locator("tr[data-row]")).to_have_count(1)
    expect(page.locator("tr[data-row]")).to_contain_text("周玉梅")
    expect(page.locator("tr[data-row]")).to_contain_text("已走访")
