"""On a phone: a caseworker opens the worklist, logs a visit with a photo, and the overdue alert disappears."""
import datetime as dt

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return tmp_path


def test_caseworker_logs_a_visit_from_the_worklist(transactional_db, demo, browser_login, live_server,
                                                   private_media):
    from tests.visits.factories import make_roster
    from visits.jobs import overdue_scan
    from alerts.models import Alert, AlertStatus
    from visits.models import Visit

    household = make_roster(demo.village_a, entered_on=dt.date(2024, 1, 1), caseworker=demo.caseworker_a,
                            head_name="陈秀珍")
    overdue_scan()
    assert Alert.objects.get(household=household).status == AlertStatus.OPEN
    photo = private_media / "visit.jpg"
    Image.new("RGB", (64, 48), (180, 90, 30)).save(photo, "JPEG")

    page = browser_login("caseworker1")
    expect(page.locator(".nav a", has_text="预警").locator(".badge")).to_have_text("1")
    # A finger finds every header item: the links and the sign-out and language buttons are tall enough to tap.
    heights = page.eval_on_selector_all(
        ".topbar .nav a, .topbar .userbox a, .topbar button", "els => els.map(e => e.getBoundingClientRect().height)")
    assert len(heights) > 10 and min(heights) >= 32, heights
    page.click("text=走访任务")
    overdue = page.get_by_test_id("overdue")
    expect(overdue).to_contain_text("陈秀珍")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    overdue.locator(f"li[data-household='{household.pk}'] a.visit-button").click()

    expect(page.get_by_test_id("visit-household")).to_contain_text("陈秀珍")
    for name in ("food", "housing_safety", "heating_cooling", "medical", "income_change", "care", "schooling"):
        page.check(f"#id_{name}_0")
    page.fill("#id_situation", "独居，腿脚不便，药品充足。")
    page.check("input[name=needs][value=care]")
    page.fill("#id_measures", "联系社区助餐点每日送餐")
    page.check("#id_situation_clear")
    page.set_input_files("#id_photos", str(photo))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("#visit-submit")

    expect(page.get_by_test_id("visit-outcome")).to_contain_text("本期走访已完成")
    expect(page.locator(".photos img")).to_have_count(1)
    # The photo is streamed back through the permission-checked view and decodes as the same image.
    # (expect, not wait_for_function: the CSP refuses the eval that one runs in the page)
    expect(page.locator(".photos img")).to_have_js_property("naturalWidth", 64)
    assert Visit.objects.filter(household=household).count() == 1

    page.click("text=预警")
    expect(page.get_by_test_id("count-open")).to_have_text("0")
    expect(page.get_by_test_id("alert-table")).not_to_contain_text("陈秀珍")
    expect(page.locator(".nav a", has_text="预警").locator(".badge")).to_have_count(0)
    assert Alert.objects.get(household=household).status == AlertStatus.CLOSED


def test_typed_visit_survives_a_reload(transactional_db, demo, browser_login, live_server, private_media):
    """Nothing typed is lost when the page is reloaded before submitting (kept in localStorage)."""
    from tests.visits.factories import make_roster

    household = make_roster(demo.village_a, entered_on=dt.date(2024, 1, 1))
    page = browser_login("caseworker1")
    page.goto(f"{live_server.url}/visits/household/{household.pk}/new/")
    key = page.input_value("input[name=submission_key]")
    page.fill("#id_situation", "信号不好，先记下：老人咳嗽两周")
    page.check("#id_food_1")
    page.reload()
    expect(page.locator("#id_situation")).to_have_value("信号不好，先记下：老人咳嗽两周")
    expect(page.locator("#id_food_1")).to_be_checked()
    assert page.input_value("input[name=submission_key]") == key
    expect(page.locator("#draft-note")).to_be_visible()


def test_a_draft_does_not_outlive_its_author_on_a_shared_phone(transactional_db, demo, browser_login, live_server,
                                                                private_media):
    """Typed, not sent, signed out: the next person on the same browser never sees it (personal data)."""
    from tests.visits.factories import make_roster

    household = make_roster(demo.village_a, entered_on=dt.date(2024, 1, 1))
    page = browser_login("caseworker1")
    page.goto(f"{live_server.url}/visits/household/{household.pk}/new/")
    page.fill("#id_situation", "敏感草稿：户主精神状况")
    page.reload()
    expect(page.locator("#id_situation")).to_have_value("敏感草稿：户主精神状况")
    page.context.clear_cookies()  # the session ends (sign-out, or it expired)
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate("Object.keys(window.localStorage).filter(k => k.startsWith('relief-visit-draft-'))") == []
    browser_login("township1")
    page.goto(f"{live_server.url}/visits/household/{household.pk}/new/")
    expect(page.locator("#id_situation")).to_have_value("")
    expect(page.locator("#draft-note")).to_be_hidden()


def test_situation_clear_waits_for_the_person_seen_and_every_check(transactional_db, demo, browser_login,
                                                                   live_server, private_media):
    """情况已调查清楚 cannot be ticked until the person is seen and the seven checks are answered (the server
    refuses it otherwise); unticking 见到本人 or leaving a check takes it off again."""
    from tests.visits.factories import make_roster

    household = make_roster(demo.village_a, entered_on=dt.date(2024, 1, 1), caseworker=demo.caseworker_a)
    page = browser_login("caseworker1")
    page.goto(f"{live_server.url}/visits/household/{household.pk}/new/")
    clear = page.locator("#id_situation_clear")
    expect(clear).to_be_disabled()
    checks = ("food", "housing_safety", "heating_cooling", "medical", "income_change", "care", "schooling")
    for name in checks[:-1]:
        page.check(f"#id_{name}_0")
    expect(clear).to_be_disabled()
    page.check("#id_schooling_0")
    expect(clear).to_be_enabled()
    page.check("#id_situation_clear")
    page.uncheck("#id_person_seen")
    expect(clear).to_be_disabled()
    expect(clear).not_to_be_checked()
    page.check("#id_person_seen")
    expect(clear).to_be_enabled()


def test_a_seen_visit_left_open_is_followed_up_from_the_worklist(transactional_db, demo, browser_login, live_server):
    """三个不放过: the person is seen but one check is left unasked. The visit completes the month, and the family
    stays on the worklist under 见到本人但仍需跟进 with the date the caseworker set, counted on the home card."""
    from django.utils import timezone

    from tests.visits.factories import make_roster

    today = timezone.localdate()
    household = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=90), caseworker=demo.caseworker_a,
                            head_name="周秀英")
    page = browser_login("caseworker1")
    page.locator(".nav a", has_text="走访任务").click()
    page.get_by_test_id("overdue").locator(f"li[data-household='{household.pk}'] a.visit-button").click()
    for name in ("food", "housing_safety", "heating_cooling", "medical", "income_change", "care"):
        page.check(f"#id_{name}_0")
    page.fill("#id_situation", "老人在家，孙子就学情况未问到。")
    follow_up = today + dt.timedelta(days=5)
    page.fill("#id_next_follow_up_on", follow_up.isoformat())
    page.click("#visit-submit")
    expect(page.get_by_test_id("visit-outcome")).to_contain_text("困难情况尚未调查清楚")

    page.locator(".nav a", has_text="走访任务").click()
    row = f"li[data-household='{household.pk}']"
    expect(page.get_by_test_id("overdue").locator(row)).to_have_count(0)
    expect(page.get_by_test_id("open-case").locator(row)).to_contain_text(follow_up.isoformat())
    expect(page.get_by_test_id("open-case").locator(row)).to_contain_text("还剩 5 天")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("a.brand").click()
    card = page.locator("a.stat", has_text="见到本人但仍需跟进")
    expect(card.locator(".num")).to_have_text("1")
    card.click()
    expect(page.get_by_test_id("open-case").locator(row)).to_contain_text("周秀英")
