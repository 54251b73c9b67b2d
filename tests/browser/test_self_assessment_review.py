"""The district official reviews the townships' December self-assessments (12月初自查评估) on a phone, from the
home page: one returned with comments, which the township corrects and submits again, then accepted."""
import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ledgers import services
from ledgers.models import SelfAssessment, SelfAssessmentStatus

pytestmark = [pytest.mark.browser]


def test_the_district_returns_and_then_accepts_a_self_assessment(transactional_db, demo, browser_login,
                                                                 live_server):
    today = timezone.localdate()
    plan = services.assessment_plan_save(actor=demo.district_official, owner=demo.district, year=today.year,
                                         self_assessment_due=today + dt.timedelta(days=8))
    township1 = demo.townships[0]
    services.self_assessment_save(actor=demo.township1, plan=plan, township=township1, summary="全年按方案落实。",
                                  items={c.pk: (c.weight, "对照方案落实") for c in plan.criteria.all()}, submit=True)

    page = browser_login("district")
    page.goto(f"{live_server.url}/")
    card = page.locator("a.stat", has_text="自查评估待审核")
    expect(card).to_contain_text("1")
    card.click()
    expect(page.get_by_test_id("self-row")).to_have_count(1)
    expect(page.get_by_test_id("self-row")).to_contain_text(township1.name)
    page.get_by_test_id("self-open").click()
    expect(page.get_by_test_id("self-state")).to_have_text("已提交待审核")
    expect(page.get_by_test_id("self-items")).to_contain_text("对照方案落实")

    # Returning without a comment is refused in Chinese, and nothing changes.
    page.get_by_label("退回修改").check()
    page.get_by_test_id("review-save").click()
    expect(page.get_by_test_id("review-error")).to_contain_text("退回修改时请填写审核意见")
    page.get_by_label("退回修改").check()
    page.get_by_label("审核意见").fill("按时走访自评满分与系统计算不符，请补充说明。")
    page.get_by_test_id("review-save").click()
    expect(page.get_by_test_id("self-state")).to_have_text("已退回修改")
    expect(page.get_by_test_id("review-comment")).to_contain_text("请补充说明")
    assert SelfAssessment.objects.get(township=township1).status == SelfAssessmentStatus.RETURNED

    # The township corrects it and submits again; the district accepts it.
    page.context.clear_cookies()
    page = browser_login("township1")
    page.goto(f"{live_server.url}/ledgers/self-assessments/")
    expect(page.get_by_test_id("self-state")).to_have_text("已退回修改")
    page.get_by_test_id("self-open").click()
    page.get_by_test_id("self-narrative").nth(1).fill("逾期走访3户已于11月补访，详见走访台账。")
    page.get_by_test_id("self-submit").click()
    expect(page.get_by_test_id("self-state")).to_have_text("已提交待审核")

    page.context.clear_cookies()
    page = browser_login("district")
    page.goto(f"{live_server.url}/ledgers/self-assessments/?state=submitted")
    page.get_by_test_id("self-open").click()
    page.get_by_label("审核通过").check()
    page.get_by_test_id("review-save").click()
    expect(page.get_by_test_id("self-state")).to_have_text("审核通过")
    assert SelfAssessment.objects.get(township=township1).status == SelfAssessmentStatus.ACCEPTED
