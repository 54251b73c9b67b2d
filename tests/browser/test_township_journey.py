"""Township staff at a desktop, clicking from the home page: a caseworker's lead is looked into, its family
registered, taken in as a referral, handed to a department with the default deadline, decided — and the
deadline alert the morning job had opened is closed. Then a second case goes through collective review and
public notice (公示) to its submission for the district's approval (报送审批)."""
import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals import services
from referrals.models import Lead, Referral
from referrals.tasks import deadline_alerts
from tests.households.factories import make_household
from alerts.models import Alert, AlertKind

pytestmark = [pytest.mark.browser]


def _card(page, title):
    return page.locator("a.stat", has_text=title)


def test_township_takes_a_lead_to_a_decision(transactional_db, demo, browser_login, live_server):
    today = timezone.localdate()
    # What the caseworker reported from the village (the phone journey's last step).
    lead = services.lead_create(actor=demo.caseworker_a, channel="visit", village=demo.village_a,
                                subject_name="孙秀珍", subject_address="华山路1520弄7号302室",
                                description="走访发现：老人独居，丈夫去世后无收入，房租欠缴两个月。")
    # The second case: a village referral already studied and submitted to the township.
    other = make_household(demo.village_b, head_name="韩桂英", residence_address="江苏路480弄2号")
    second = services.referral_create(actor=demo.caseworker_b, household=other, summary="孤老，无生活来源",
                                      requested="tekun")
    second = services.referral_study(actor=demo.caseworker_b, referral=second, meeting_date=today,
                                     participants="居委会主任、协理员、居民代表", conclusion="同意报街道")
    services.referral_submit(actor=demo.caseworker_b, referral=second)

    page = browser_login("township1")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")

    # ---- the lead: look into it, register the family, take it in as a referral
    expect(_card(page, "待处理线索")).to_contain_text("1")
    _card(page, "待处理线索").click()
    expect(page.get_by_test_id("lead-row")).to_have_count(1)
    page.get_by_test_id("lead-row").get_by_role("link").click()
    page.get_by_test_id("lead-start").click()
    expect(page.get_by_test_id("lead-status")).to_have_text("核实中")
    # Nobody of that name is registered yet: the search says so, and the address is ready for a new family.
    page.get_by_test_id("household-search").fill("孙秀珍")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_test_id("household-results")).to_contain_text("没有找到")
    expect(page.locator("#id_residence_address")).to_have_value("华山路1520弄7号302室")
    page.fill("#id_phone", "13916002233")
    page.get_by_test_id("lead-link").click()
    expect(page.locator("main")).to_contain_text("已关联家庭")
    page.select_option("#id_requested", "dibao")
    page.check("#id_willing")
    page.get_by_test_id("lead-refer").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("已报乡镇")
    referral = Referral.objects.get(lead=lead)
    assert Lead.objects.get(pk=lead.pk).status == "referred"
    expect(page.locator("main")).to_contain_text(f"线索{lead.pk}")

    # ---- hand it to a department: the form offers a deadline
    page.get_by_test_id("step-accept").click()
    expect(page.locator("#id_deadline")).to_have_value((today + dt.timedelta(days=15)).isoformat())
    page.select_option("#id_department", "civil_affairs")
    page.get_by_test_id("step-submit").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("已交办部门")
    expect(page.get_by_test_id("deadline-left")).to_have_text("还剩 15 天")

    # Fifteen days on, nothing decided: the deadline is passed and the morning job opens the alert.
    Referral.objects.filter(pk=referral.pk).update(deadline=today - dt.timedelta(days=1))
    deadline_alerts()
    alert = Alert.objects.get(kind=AlertKind.REFERRAL_OVERDUE, source_ref=f"referral:{referral.pk}")
    page.get_by_role("link", name="首页").click()
    expect(_card(page, "超期转办")).to_contain_text("1")
    _card(page, "超期转办").click()
    page.get_by_role("link", name=f"转办{referral.pk}", exact=True).click()
    expect(page.get_by_test_id("deadline-left")).to_have_text("已超期 1 天")

    # ---- the department's decision, recorded by the township: 低保 is the district's to approve (审批权限),
    # so the township grants what it approves itself
    page.get_by_test_id("step-decide_eligible").click()
    page.select_option("#id_assistance_type", "dibao")
    page.fill("#id_amount", "1330")
    page.get_by_test_id("step-submit").click()
    expect(page.locator("main")).to_contain_text("低保由区县民政局审批")
    expect(page.get_by_test_id("referral-status")).to_have_count(0)
    page.select_option("#id_assistance_type", "temporary")
    page.fill("#id_amount", "900")
    page.get_by_test_id("step-submit").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("符合条件·已救助")
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.closed_by is None and "系统自动关闭" in alert.close_note
    page.get_by_role("link", name="预警").first.click()
    expect(page.locator("main")).not_to_contain_text(f"转办{referral.pk}交")

    # ---- the second case: collective review, public notice, decision
    page.get_by_role("link", name="首页").click()
    _card(page, "待受理转办").click()
    page.get_by_role("link", name=f"转办{second.pk}", exact=True).click()
    page.get_by_test_id("step-accept").click()
    page.select_option("#id_department", "civil_affairs")
    page.get_by_test_id("step-submit").click()
    page.get_by_test_id("step-review").click()
    page.fill("#id_participants", "街道民政办、社区事务受理中心、居委会主任")
    page.fill("#id_conclusion", "符合特困供养条件，予以公示")
    page.get_by_test_id("step-submit").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("已集中研究会审")
    page.get_by_test_id("step-notice_start").click()
    page.fill("#id_end", (today + dt.timedelta(days=7)).isoformat())
    page.fill("#id_place", "居委会公示栏")
    page.get_by_test_id("step-submit").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("公示中")
    # The notice period runs its seven days.
    Referral.objects.filter(pk=second.pk).update(notice_start=today - dt.timedelta(days=8),
                                                 notice_end=today - dt.timedelta(days=1))
    page.reload()
    page.get_by_test_id("step-notice_result").click()
    page.get_by_test_id("step-submit").click()
    # 特困 is the district's to approve: the township submits it with its materials (公示期满无异议).
    page.get_by_test_id("approval-submit-link").click()
    expect(page.locator("#id_assistance_type")).to_have_value("tekun")
    page.fill("#id_amount", "2100")
    page.get_by_test_id("approval-submit-submit").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("已报审批")
    expect(page.get_by_test_id("approval-state")).to_have_text("待审批")
    expect(page.get_by_test_id("timeline")).to_contain_text("集中研究会审")
    expect(page.get_by_test_id("timeline")).to_contain_text("开始公示")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
