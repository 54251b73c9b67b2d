"""On a phone: township staff assess a case and hand it to two departments; the 社保所's own account decides its
item from its home page; the township records the other department's decision and tells the family once."""
import pytest
from playwright.sync_api import expect

from referrals.models import CaseAssessment, ReferralStatus
from relief.demo import DEMO_PASSWORD
from relief.models import Role
from relief.services import staff_create

from .helpers import submitted

pytestmark = [pytest.mark.browser]


def test_assess_two_departments_decide_and_inform(transactional_db, demo, browser_login, live_server):
    staff_create(actor=None, username="shebao1", password=DEMO_PASSWORD, role=Role.DEPARTMENT,
                 jurisdiction=demo.townships[0], full_name="周敏（社保所）", department="social_security")
    referral = submitted(demo)

    page = browser_login("township1")
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")
    page.get_by_test_id("step-assess").click()
    page.fill("#id_opinion", "就业援助（社保所）；危房修缮（住建）")
    page.select_option("#id_department_1", "social_security")
    page.fill("#id_measure_1", "就业援助：公益性岗位")
    page.select_option("#id_assistance_type_1", "employment")
    page.select_option("#id_department_2", "housing")
    page.fill("#id_measure_2", "屋顶漏雨危房修缮")
    page.get_by_test_id("assess-submit").click()
    expect(page.get_by_test_id("case-item")).to_have_count(2)
    expect(page.get_by_test_id("case-stage")).to_have_text("部门办理中")
    # 社保 has its own account: the township is not offered to record for it; 住建 has none.
    expect(page.get_by_test_id("item-record")).to_have_count(1)

    page.context.clear_cookies()
    page = browser_login("shebao1")
    page.get_by_role("link", name="部门待办事项").click()
    expect(page.get_by_test_id("item-row")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_test_id("item-row").get_by_role("link").click()
    expect(page.get_by_test_id("item-measure")).to_contain_text("就业援助：公益性岗位")
    page.get_by_label("同意", exact=True).check()
    page.fill("#id_amount", "800")
    page.get_by_test_id("decide-submit").click()
    expect(page.locator(".messages")).to_contain_text("已登记“社保”的办理结果")
    expect(page.get_by_test_id("item-row")).to_have_count(0)

    page.context.clear_cookies()
    page = browser_login("township1")
    page.goto(f"{live_server.url}/referrals/{referral.pk}/assessment/")
    page.get_by_test_id("item-record").click()
    page.get_by_label("不同意", exact=True).check()
    page.fill("#id_reason", "房屋经鉴定不属于危房，可申请社区微更新维修")
    page.get_by_test_id("decide-submit").click()
    page.goto(f"{live_server.url}/referrals/{referral.pk}/assessment/")
    expect(page.get_by_test_id("case-stage")).to_have_text("均已办结·待告知家庭")
    page.fill("#id_note", "入户当面告知：就业援助已批准，危房修缮未获批准并说明原因，家庭无异议")
    page.get_by_test_id("inform-submit").click()
    expect(page.get_by_test_id("case-stage")).to_have_text("已一次性告知家庭")
    expect(page.get_by_test_id("case-informed")).to_contain_text("入户当面告知")

    referral.refresh_from_db()
    case = CaseAssessment.objects.get(referral=referral)
    assert referral.status == ReferralStatus.ELIGIBLE and referral.family_informed
    assert sorted(case.items.values_list("status", flat=True)) == ["approved", "refused"]
