"""Township staff on a 360-px phone, clicking from the home page: import the hotline's export of work orders,
check the preview, confirm, open the imported lead from 热线工单 and record the first response, then feedback."""
import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import HotlineWorkOrder
from tests.imports.helpers import xlsx_bytes
from tests.referrals.test_hotline import HEADERS, _row

pytestmark = [pytest.mark.browser]


def test_township_imports_a_work_order_and_answers_it(transactional_db, demo, browser_login, live_server, tmp_path):
    received = timezone.localtime(timezone.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    path = tmp_path / "12345工单导出.xlsx"
    path.write_bytes(xlsx_bytes(HEADERS, [_row("SH20261201001", received, 来电人="何玉梅", 地址="华山路200弄5号")]))

    page = browser_login("township1")
    page.goto(f"{live_server.url}/")
    page.locator("a.stat", has_text="热线工单待首次响应").click()
    expect(page.get_by_test_id("work-order-row")).to_have_count(0)
    page.get_by_test_id("hotline-import-link").click()
    page.set_input_files("#id_file", str(path))
    page.get_by_test_id("hotline-upload-submit").click()
    expect(page.get_by_test_id("count-new")).to_have_text("1")
    expect(page.get_by_test_id("preview")).to_contain_text("何玉梅")
    assert not HotlineWorkOrder.objects.exists()  # the preview writes nothing
    page.get_by_test_id("hotline-confirm").click()

    expect(page.get_by_test_id("work-order-row")).to_have_count(1)
    expect(page.get_by_test_id("work-order-row")).to_contain_text("还剩")
    page.get_by_test_id("work-order-row").get_by_role("link").first.click()
    expect(page.get_by_test_id("work-order-number")).to_contain_text("SH20261201001")
    expect(page.get_by_test_id("work-order-stage")).to_have_text("待首次响应")
    page.fill("#id_respond-text", "已电话联系何玉梅，约定明天社区协理员上门核实。")
    page.get_by_test_id("work-order-respond").click()
    expect(page.get_by_test_id("work-order-response")).to_contain_text("约定明天社区协理员上门核实")
    expect(page.get_by_test_id("work-order-stage")).to_have_text("待反馈")
    page.fill("#id_feedback-text", "经核实已纳入低保审核，已回复热线。")
    page.get_by_test_id("work-order-feedback-save").click()
    expect(page.get_by_test_id("work-order-stage")).to_have_text("已反馈")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    order = HotlineWorkOrder.objects.get()
    assert order.responded_by == demo.township1 and order.feedback_by == demo.township1
    assert order.lead.channel == "hotline" and order.lead.village == demo.village_a
