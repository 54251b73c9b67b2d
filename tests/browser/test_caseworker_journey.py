"""A caseworker's day on a 360-px phone, by clicking from the home page: worklist → an overdue household
(opened by its name) → a visit where the person was not seen → a complete visit with a photo, a need and
a measure → a new family reported as a lead, which the lead list and the home card then count."""
import datetime as dt
import re

import pytest
from PIL import Image
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

CHECKS = ("food", "housing_safety", "heating_cooling", "medical", "income_change", "care", "schooling")


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return tmp_path


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def _tables_fit(page):
    """No table scrolls sideways in its box: on the phone each row is a card of labelled cells."""
    wide = page.evaluate("""[...document.querySelectorAll('main table')]
        .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
        .map(t => [t.scrollWidth, t.parentElement.clientWidth, t.querySelector('th, td')?.innerText])""")
    assert page.locator("main table").count() and wide == []


def _home_lead_count(page) -> int:
    card = page.locator("a.stat", has_text="待处理线索")
    return int(card.locator(".num").inner_text())


def test_caseworker_journey(transactional_db, demo, browser_login, live_server, private_media):
    from referrals.models import Lead
    from tests.visits.factories import make_roster
    from visits.models import Visit

    today = timezone.localdate()
    household = make_roster(demo.village_a, entered_on=today - dt.timedelta(days=90), caseworker=demo.caseworker_a,
                            head_name="陈秀珍")
    photo = private_media / "visit.png"
    Image.new("RGB", (64, 48), (40, 120, 200)).save(photo, "PNG")

    page = browser_login("caseworker1")
    page.goto(f"{live_server.url}/")
    leads_before = _home_lead_count(page)

    # Worklist → the overdue household, opened by clicking its name.
    page.locator(".nav a", has_text="走访任务").click()
    overdue = page.get_by_test_id("overdue")
    row = overdue.locator(f"li[data-household='{household.pk}']")
    expect(row).to_contain_text("逾期")
    _fits(page)
    # Every section chip is in sight on the phone, none hidden past a scrolling strip.
    assert page.evaluate("""[...document.querySelectorAll('[data-testid=worklist-tabs] a')]
        .every(a => a.getBoundingClientRect().right <= 360)""")
    row.get_by_test_id("household-link").click()
    expect(page.locator("h1")).to_contain_text("陈秀珍")
    _fits(page)

    # A visit where the person was not seen: a follow-up date is set, the period stays open.
    page.get_by_test_id("log-visit").click()
    expect(page.locator('[data-field="not_seen_reason"]')).to_be_hidden()  # seen, by default: no reason to give
    page.uncheck("#id_person_seen")
    expect(page.locator('[data-field="willingness"]')).to_be_hidden()
    expect(page.locator('[data-field="not_seen_reason"]')).to_be_visible()
    page.fill("#id_not_seen_reason", "家中无人，电话未接通")
    _fits(page)
    page.click("#visit-submit")
    expect(page.get_by_test_id("visit-outcome")).to_contain_text("走访未见到本人")
    expect(page.get_by_test_id("visit-willingness")).not_to_contain_text("本次未涉及")
    not_seen = Visit.objects.get(household=household)
    assert not not_seen.completes_period and not_seen.willingness == ""
    assert not_seen.next_follow_up_on == today + dt.timedelta(days=7)
    page.locator(".nav a", has_text="走访任务").click()
    expect(page.get_by_test_id("overdue").locator(f"li[data-household='{household.pk}']")).to_be_visible()
    expect(page.get_by_test_id("not-seen")).to_contain_text(
        (today + dt.timedelta(days=7)).isoformat())

    # A complete visit with a photo, a need and a measure, from the worklist's button.
    page.get_by_test_id("overdue").locator(f"li[data-household='{household.pk}'] a.visit-button").click()
    for name in CHECKS:
        page.check(f"#id_{name}_0")
    page.check("#id_medical_1")
    page.fill("#id_situation", "独居，降压药快吃完了。")
    page.check("input[name=needs][value=medical]")
    page.fill("#id_needs_text", "慢性病药费负担重")
    page.fill("#id_measures", "协助申请医疗救助")
    page.select_option("#id_willingness", "wants")
    page.check("#id_situation_clear")
    page.set_input_files("#id_photos", str(photo))
    _fits(page)
    page.click("#visit-submit")
    expect(page.get_by_test_id("visit-outcome")).to_contain_text("本期走访已完成")
    expect(page.locator(".photos img")).to_have_count(1)
    # Decoded (naturalWidth > 0), waited for without wait_for_function, whose string eval the CSP refuses.
    expect(page.locator(".photos img")).not_to_have_js_property("naturalWidth", 0)
    complete = Visit.objects.filter(household=household, person_seen=True).get()
    assert complete.completes_period and complete.needs == ["medical"] and complete.photos.count() == 1
    # The household page's tables (members, visits, the roster entry) read on the phone without sideways scrolling.
    page.locator("main a", has_text="一户一页").first.click()
    expect(page.locator("h1")).to_contain_text("陈秀珍")
    _tables_fit(page)
    page.locator(".nav a", has_text="走访任务").click()
    expect(page.get_by_test_id("overdue").locator(f"li[data-household='{household.pk}']")).to_have_count(0)

    # A new family, met on the way, reported as a lead.
    page.locator(".nav a", has_text="线索").click()
    page.get_by_test_id("lead-new").click()
    page.fill("#id_subject_name", "刘阿婆")
    page.fill("#id_subject_address", "华山路200弄5号")
    page.fill("#id_description", "邻居反映老人独居，近来行动不便，无人照料")
    _fits(page)
    page.locator("form button[type=submit]").last.click()
    lead = Lead.objects.get(subject_name="刘阿婆")
    assert lead.village_id == demo.village_a.pk
    page.locator(".nav a", has_text="线索").click()
    expect(page.locator("body")).to_contain_text("刘阿婆")
    _tables_fit(page)
    page.locator("a.brand").click()
    assert _home_lead_count(page) == leads_before + 1
    page.locator("a.stat", has_text="待处理线索").click()
    expect(page.locator("body")).to_contain_text("刘阿婆")
