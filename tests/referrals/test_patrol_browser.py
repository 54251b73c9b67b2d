"""Township staff, clicking from the home page on a phone: record a street patrol, then raise a lead from it."""
import pytest
from playwright.sync_api import expect

from referrals.models import LeadChannel, Patrol

pytestmark = [pytest.mark.browser]


def test_township_records_a_patrol_and_raises_a_lead(transactional_db, demo, browser_login, live_server):
    page = browser_login("township1")
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="街面巡查").first.click()
    page.get_by_test_id("patrol-new").click()
    page.fill("#id_area", "长宁路—定西路沿线")
    page.get_by_label("李秀英", exact=False).first.check()
    page.fill("#id_others", "志愿者 王建国")
    page.fill("#id_people_met", "2")
    page.get_by_test_id("patrol-save").click()
    expect(page.get_by_test_id("patrol-met")).to_have_text("2")
    page.select_option("#id_village", str(demo.village_a.pk))
    page.fill("#id_subject_address", "定西路地铁站2号口")
    page.fill("#id_description", "老人露宿，自述无固定住所")
    page.select_option("#id_urgency", "urgent")
    page.get_by_test_id("patrol-lead-save").click()
    expect(page.get_by_test_id("patrol-lead")).to_have_count(1)
    expect(page.get_by_test_id("patrol-lead")).to_contain_text("新线索")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    patrol = Patrol.objects.get()
    lead = patrol.lead_links.get().lead
    assert lead.channel == LeadChannel.PATROL and lead.village == demo.village_a
    assert list(patrol.staff.all()) == [demo.township1]
    page.get_by_test_id("patrol-lead").get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("定西路地铁站2号口")
