"""Township staff on a phone, from the home page: turn a department row that matches nobody into a lead."""
import pytest
from playwright.sync_api import expect

from imports.models import FeedRecord
from referrals.models import Lead, LeadChannel

from .test_feed_leads import feed_batch, rows_of

pytestmark = [pytest.mark.browser]


def test_township_turns_an_unmatched_row_into_a_lead(transactional_db, demo, browser_login, live_server):
    batch = feed_batch(demo.township1, rows_of(demo))
    page = browser_login("township1")
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="部门数据待转线索").click()
    expect(page.get_by_test_id("feed-row")).to_have_count(3)
    row = page.get_by_test_id("feed-row").filter(has_text="钱美华")
    row.get_by_test_id("feed-row-to-lead").click()
    expect(page.locator(".messages")).to_contain_text("已转为救助线索")
    expect(page.get_by_test_id("feed-row")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.wait_for_load_state("load")  # the filter submits itself from a script of the page
    lead = Lead.objects.get(channel=LeadChannel.FEED)
    assert lead.subject_name == "钱美华" and lead.source_ref == f"feed:{batch.pk}:2"
    assert FeedRecord.objects.get(batch=batch, row_number=2).lead_link.lead == lead
    page.select_option("#id_state", "done")
    expect(page.get_by_test_id("feed-row")).to_have_count(1)
    page.get_by_test_id("feed-row-lead").click()
    expect(page.locator("main")).to_contain_text("医保办")
    expect(page.locator("main")).to_contain_text(f"导入记录 #{batch.pk} 第 2 行")
