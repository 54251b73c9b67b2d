"""After 公示, as users click it: the township submits a 低保 case whose notice ended without objection, the
district official finds it on the home card and in the approval queue (审批) with its deadline, approves it,
and the household page shows 低保. Township on a desktop, the district on a 360-px phone."""
import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Referral
from tests.households.factories import make_household
from tests.referrals import helpers as h

pytestmark = [pytest.mark.browser]


def test_township_submits_district_approves_household_shows_dibao(transactional_db, demo, browser_login,
                                                                  live_server):
    today = timezone.localdate()
    household = make_household(demo.village_a, head_name="韩桂英", residence_address="华山路1520弄7号")
    r = h.in_notice(demo, household=household, requested="dibao")
    Referral.objects.filter(pk=r.pk).update(notice_start=today - dt.timedelta(days=8),
                                            notice_end=today - dt.timedelta(days=1))

    # ---- the township: the 公示 is over, submit with the materials
    page = browser_login("township1")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/referrals/{r.pk}/")
    expect(page.get_by_test_id("approval-panel")).to_contain_text("区县民政局审批")
    page.get_by_test_id("approval-submit-link").click()
    expect(page.locator("#id_assistance_type")).to_have_value("dibao")
    page.fill("#id_amount", "1330")
    page.get_by_test_id("approval-submit-submit").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("已报审批")
    expect(page.get_by_test_id("approvals")).to_contain_text("家庭经济状况核对报告")

    # ---- the district official on a phone: home card → queue → approve
    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 760})
    phone = browser_login("district")
    card = phone.locator("a.stat", has_text="待区县审批")
    expect(card).to_contain_text("1")
    card.click()
    expect(phone.get_by_test_id("approval-row")).to_have_count(1)
    expect(phone.get_by_test_id("approval-left")).to_have_text("还剩 10 天")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    phone.get_by_test_id("approval-row").get_by_role("link").click()
    expect(phone.get_by_test_id("approval-materials")).to_contain_text("公示情况及无异议说明")
    phone.fill("#id_comment", "材料齐全，同意纳入低保")
    phone.get_by_test_id("approve-submit").click()
    expect(phone.locator("main")).to_contain_text("已批准")
    expect(phone.get_by_test_id("approval-row")).to_have_count(0)

    # ---- the household page shows 低保
    phone.goto(f"{live_server.url}/households/{household.pk}/")
    expect(phone.get_by_test_id("category")).to_contain_text("低保")
