"""Browser journey on a phone: a caseworker sees a policy the family may qualify for, adds a plan item,
and the township sees the new lead."""
import datetime as dt

import pytest

from plans.demo import load as load_plans_demo

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_caseworker_plans_and_township_sees_the_lead(demo, live_server, browser_login):
    factories.standard(demo.district, "1330")
    load_plans_demo()
    family = factories.household(demo.village_a, income="1100", address="华一小区8号楼302室",
                                 members=[{"birth_date": dt.date(1985, 6, 1), "name": "赵红"}])
    page = browser_login("caseworker1")
    page.goto(f"{live_server.url}/households/{family.pk}/")
    section = page.get_by_test_id("plans-section")
    section.get_by_test_id("missing-policy").filter(has_text="最低生活保障（低保）").wait_for()
    section.get_by_role("link", name="登记需求、制定措施").click()
    page.select_option("#id_need-kind", "basic_living")
    page.fill("#id_need-description", "丈夫去世，收入骤减，生活困难")
    page.get_by_role("button", name="加入需求清单").click()
    page.get_by_text("已加入需求清单").wait_for()
    form = page.get_by_test_id("item-form")
    form.locator("#id_item-need").select_option(index=1)
    form.locator("#id_item-match").select_option(label="最低生活保障（低保）")
    form.locator("#id_item-action").fill("上门宣讲低保政策，协助准备材料提出申请")
    form.locator("#id_item-due_date").fill((dt.date.today() + dt.timedelta(days=10)).isoformat())
    form.get_by_role("button", name="加入一户一策").click()
    page.get_by_text("已加入一户一策").wait_for()
    assert "上门宣讲低保政策" in page.get_by_test_id("plan-items").inner_text()
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login/**")
    browser_login("township1")
    page.goto(f"{live_server.url}/referrals/leads/")
    assert "华一小区8号楼302室" in page.content() or "低保" in page.content()
    page.get_by_text("华一小区8号楼302室").first.wait_for()
