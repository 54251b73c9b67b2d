"""In Chromium: the district official sets a step's limit (环节时限) from the referral pages; the township then
finds its late acceptance on 清单管理's 环节超时 table, its time past on the list and the referral, and the
环节超时 alert the hourly job opened in its inbox."""
import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Referral, StepLimit
from referrals.tasks import step_alerts
from tests.referrals import helpers as h

pytestmark = [pytest.mark.browser]


def test_district_sets_a_limit_and_the_township_sees_its_late_step(transactional_db, demo, browser_login,
                                                                  live_server):
    late = h.submitted(demo)
    Referral.objects.filter(pk=late.pk).update(step_started_at=timezone.now() - dt.timedelta(hours=3))

    page = browser_login("district")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation").get_by_role("link", name="转办").click()
    page.get_by_test_id("limits-link").first.click()
    expect(page.get_by_test_id("limit-form")).to_be_visible()
    page.select_option("#id_step", "accept")
    page.select_option("#id_urgency", "normal")
    page.fill("#id_amount", "2")
    page.select_option("#id_unit", "hours")
    # From yesterday: the step started three hours ago falls under it whatever the hour of the test.
    page.fill("#id_effective_from", (timezone.localdate() - dt.timedelta(days=1)).isoformat())
    page.check("#id_confirm_past")  # a past date re-measures steps already running: the district confirms it
    page.fill("#id_note", "区县要求：报送后2小时内受理")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("limit-accept")).to_contain_text("2小时")
    expect(page.get_by_test_id("limits-history")).to_contain_text("区县要求：报送后2小时内受理")
    assert StepLimit.objects.filter(step="accept", urgency="normal", amount=2, unit="hours").exists()

    step_alerts()  # the hourly job

    page.locator(".userbox").get_by_role("button", name="退出").click()
    # Sign-out first clears the phone's offline store (static/js/offline.js), then posts: wait for the login page.
    page.wait_for_url("**/accounts/login/**")
    page = browser_login("township1")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation").get_by_role("link", name="转办").click()
    page.get_by_role("link", name="部门清单").click()
    table = page.get_by_test_id("late-villages")
    expect(table.get_by_test_id("late-township").first).to_have_text("1")
    table.get_by_test_id("late-township").first.click()
    expect(page.get_by_test_id("referral-row")).to_have_count(1)
    expect(page.get_by_test_id("referral-row").get_by_test_id("clock-left")).to_have_text("超时1小时")
    page.get_by_test_id("referral-row").get_by_role("link", name=f"转办{late.pk}").click()
    expect(page.get_by_test_id("clock-left")).to_have_text("超时1小时")
    page.get_by_role("navigation").get_by_role("link", name="预警").click()
    expect(page.locator("main")).to_contain_text("环节超时")
    expect(page.locator("main")).to_contain_text(f"转办{late.pk}“乡镇受理”环节超时")
