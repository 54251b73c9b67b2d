"""On a phone: a caseworker turns a lead into a referral and submits it, the township accepts and assigns it,
records the department's eligible decision, and the household page shows the new assistance."""
import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals import services
from referrals.models import Referral
from tests.households.factories import make_household

pytestmark = [pytest.mark.browser]


def test_lead_to_assistance_journey(transactional_db, demo, browser_login, live_server):
    household = make_household(demo.village_a, head_name="周桂兰", residence_address="华山路100弄3号")
    lead = services.lead_create(actor=demo.township1, channel="hotline", household=household,
                                reporter_name="邻居", reporter_contact="13800001234",
                                description="老人独居，丈夫去世后无收入来源", urgency="urgent")

    page = browser_login("caseworker1")
    page.goto(f"{live_server.url}/referrals/leads/{lead.pk}/")
    page.get_by_test_id("lead-start").click()
    expect(page.get_by_test_id("lead-status")).to_have_text("核实中")
    page.select_option("#id_requested", "dibao")
    page.check("#id_willing")  # the caseworker asked: the wish to apply is never presumed
    page.get_by_test_id("lead-refer").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("村级草稿")
    page.get_by_test_id("step-study").click()
    page.fill("#id_participants", "村书记、村主任、协理员张丽")
    page.fill("#id_conclusion", "情况属实，同意报乡镇")
    page.get_by_test_id("step-submit").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("村级已集体研究")
    page.get_by_test_id("step-submit").click()
    page.get_by_test_id("step-submit").click()  # the confirmation page's button
    expect(page.get_by_test_id("referral-status")).to_have_text("已报乡镇")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    referral = Referral.objects.get(household=household)

    page.context.clear_cookies()
    page = browser_login("township1")
    page.goto(f"{live_server.url}/referrals/")
    expect(page.get_by_test_id("referral-row")).to_have_count(1)
    page.get_by_role("link", name=f"转办{referral.pk}").click()
    page.get_by_test_id("step-accept").click()
    page.select_option("#id_department", "civil_affairs")
    page.fill("#id_deadline", (timezone.localdate() + dt.timedelta(days=15)).isoformat())
    page.get_by_test_id("step-submit").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("已交办部门")
    page.get_by_test_id("step-decide_eligible").click()
    page.select_option("#id_assistance_type", "temporary")  # the township's own to approve, up to its limit
    page.fill("#id_amount", "730")
    page.get_by_test_id("step-submit").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("符合条件·已救助")
    expect(page.get_by_test_id("timeline")).to_contain_text("认定符合条件")

    page.goto(f"{live_server.url}/households/{household.pk}/")
    expect(page.locator("main")).to_contain_text("临时救助")
    expect(page.get_by_test_id("household-referrals")).to_contain_text("符合条件·已救助")
