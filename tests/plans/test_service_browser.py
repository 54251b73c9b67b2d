"""Browser: township staff set a household to 转介服务 with a case worker and add a case goal, from the
household page, on a phone."""
import datetime as dt

import pytest

from plans.models import ServiceGoal, ServiceRecord, ServiceType

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_township_sets_referral_service_and_adds_a_goal(demo, live_server, browser_login):
    family = factories.household(demo.village_a, address="华一小区12号楼101室")
    page = browser_login("township1")
    page.goto(f"{live_server.url}/households/{family.pk}/")
    section = page.get_by_test_id("service-section")
    section.get_by_text("尚未确定服务类型").wait_for()
    section.get_by_test_id("service-start").click()
    page.select_option("#id_svc-kind", "referral")
    page.fill("#id_svc-started_on", (dt.date.today() - dt.timedelta(days=7)).isoformat())
    page.fill("#id_svc-reason", "低保后仍需心理疏导，转介社工机构个案管理")
    page.select_option("#id_svc-case_worker", str(demo.caseworker_a.pk))
    page.get_by_role("button", name="保存服务类型").click()
    page.get_by_text("已确定服务类型").wait_for()
    current = page.get_by_test_id("service-current")
    assert "转介服务" in current.inner_text() and demo.caseworker_a.display_name in current.inner_text()
    page.get_by_test_id("goal-add").locator("summary").click()
    page.fill("#id_goal-text", "每两周一次心理疏导")
    page.fill("#id_goal-target_on", (dt.date.today() + dt.timedelta(days=14)).isoformat())
    page.get_by_role("button", name="保存目标").click()
    page.get_by_text("已登记服务目标").wait_for()
    assert "每两周一次心理疏导" in page.get_by_test_id("service-goals").inner_text()
    record = ServiceRecord.objects.current().get(household=family)
    assert record.kind == ServiceType.REFERRAL and record.decided_by == demo.township1
    assert ServiceGoal.objects.filter(record=record, text="每两周一次心理疏导").exists()
