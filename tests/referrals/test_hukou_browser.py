"""人户分离, the main path in the browser: a family living in 江苏路街道 with its hukou in 华阳路街道; the village
submits its referral, and 华阳路街道's staff find it in their queue, accept and hand it over — while the family's
household page stays the residence township's."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals import services
from referrals.models import Referral
from tests.households.factories import make_household

pytestmark = [pytest.mark.browser]


def test_the_hukou_township_accepts_the_case(transactional_db, demo, browser_login, live_server):
    household = make_household(demo.village_c, hukou_township=demo.village_a.parent, residence_differs=True,
                               head_name="邱志", residence_address="利西路696弄24号601室")
    referral = services.referral_create(actor=demo.caseworker_c, household=household, requested="dibao",
                                        summary="户籍在华阳路街道，随子女居住；子女失业，收入低于低保标准。")
    services.referral_study(actor=demo.caseworker_c, referral=referral, meeting_date=timezone.localdate(),
                            participants="社区两委", conclusion="同意报送（户籍地办理）")
    services.referral_submit(actor=demo.caseworker_c, referral=referral)

    page = browser_login("township1")
    page.goto(f"{live_server.url}/")
    card = page.locator("a.stat", has_text="待受理转办")
    expect(card).to_contain_text("1")
    card.click()
    row = page.get_by_test_id("referral-row").filter(has_text="利西路696弄24号601室")
    expect(row.get_by_test_id("hukou-tag")).to_have_text("户籍地华阳路街道办理")
    row.get_by_role("link", name=f"转办{referral.pk}").click()
    expect(page.get_by_test_id("hukou-handling")).to_contain_text("由户籍地华阳路街道受理")
    expect(page.get_by_test_id("hukou-side-note")).to_be_visible()
    # The family's own page is not theirs: the address is text, not a link.
    expect(page.get_by_test_id("referral-household").get_by_role("link")).to_have_count(0)

    page.get_by_test_id("step-accept").click()
    page.select_option("#id_department", "civil_affairs")
    page.get_by_test_id("step-submit").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("已交办部门")
    expect(page.get_by_test_id("timeline")).to_contain_text("李秀英")
    assert Referral.objects.get(pk=referral.pk).status == "assigned"

    response = page.goto(f"{live_server.url}/households/{household.pk}/")
    assert response.status == 404

    # The residence township sees the same case and its timeline, with the family's page, and no step to take.
    page.context.clear_cookies()
    page = browser_login("township2")
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")
    expect(page.get_by_test_id("referral-status")).to_have_text("已交办部门")
    expect(page.get_by_test_id("referral-household").get_by_role("link")).to_have_count(1)
    expect(page.locator("[data-testid^=step-]")).to_have_count(0)
