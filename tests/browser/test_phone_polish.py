"""Small things a caseworker met on a 360-px touch phone, each checked by clicking from the home page: links a
finger taps inside text and tables are a finger's height, 退出 stands apart from the language switch, the search
box says in full what it finds, 部门清单's own tables stack, and no date is split across two lines."""
import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

FINGER = 40  # px: the height of a tap target on a touch screen


def _heights(page, selector):
    return page.eval_on_selector_all(selector, "els => els.map(e => e.getBoundingClientRect().height)")


def _dates_on_one_line(page):
    """Every date in the page's text (2026-12-07, 2026-12-07 09:30) sits on one line, none as "2026-12-" / "07"."""
    split = page.evaluate(r"""(() => { const out = [];
        const walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
          for (const m of n.data.matchAll(/\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?/g)) {
            const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
            const lines = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
            if (lines.size > 1) out.push([m[0], n.parentElement.innerText.slice(0, 60)]);
          } }
        return out; })()""")
    assert split == []
    # In table cells and tags each date is kept whole by its element (relief.css .date), not by where it fell.
    bare = page.evaluate(r"""[...document.querySelectorAll('main td, main .tag')]
        .filter(e => /\d{4}-\d{2}-\d{2}/.test([...e.childNodes].filter(c => c.nodeType === 3).map(c => c.data).join('')))
        .map(e => e.innerText.slice(0, 60))""")
    assert bare == []


def _tables_stack(page):
    """No table scrolls sideways in its box: each is a .stack table, every body cell labelled."""
    wide = page.evaluate("""[...document.querySelectorAll('main table')]
        .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
        .map(t => [t.scrollWidth, t.parentElement.clientWidth, t.dataset.testid || t.querySelector('th, td')?.innerText])""")
    assert page.locator("main table").count() >= 2 and wide == []
    unlabelled = page.evaluate("""[...document.querySelectorAll('main table tbody td:not([data-label]):not([colspan])')]
        .map(td => td.closest('table').dataset.testid || td.innerText)""")
    assert page.locator("main table:not(.stack)").count() == 0 and unlabelled == []


def _search_hint_readable(page):
    """The search box's placeholder fits in it, and what it finds is said in full below it."""
    room, text = page.get_by_test_id("search-box").evaluate("""e => { const s = getComputedStyle(e);
        const c = document.createElement('canvas').getContext('2d'); c.font = s.font;
        return [e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight), c.measureText(e.placeholder).width]; }""")
    assert text <= room, (text, room)
    hint = page.get_by_test_id("search-hint")
    expect(hint).to_be_visible()
    assert hint.evaluate("e => e.scrollWidth <= e.clientWidth && e.getBoundingClientRect().right <= 360")
    assert page.get_by_test_id("search-box").get_attribute("aria-describedby") == hint.get_attribute("id")
    return hint


def test_touch_targets_search_hint_and_dates_for_a_caseworker(transactional_db, demo, browser_login, live_server):
    from alerts.care_jobs import care_agreement_scan
    from households.models import AssistanceType, SelfCare
    from tests.households.factories import make_household
    from django.utils import timezone

    from tests.visits.factories import make_roster, visit_data
    from visits.jobs import overdue_scan
    from visits.services import visit_log

    # A 特困 household cared for at home without an agreement (a count on the care list), two members, assistance
    # running (终止); and an overdue household (an alert whose reason holds a date).
    cared = make_household(demo.village_a, actor=demo.caseworker_a, head_name="林宝磊",
                           head={"self_care": SelfCare.NONE}, members=1, assistance=[AssistanceType.TEKUN],
                           caseworker=demo.caseworker_a)
    make_roster(demo.village_a, entered_on=dt.date(2024, 1, 1), caseworker=demo.caseworker_a, head_name="陈秀珍")
    visit_log(actor=demo.caseworker_a, household=cared, data=visit_data(timezone.localdate()))
    overdue_scan()
    care_agreement_scan()

    page = browser_login("caseworker1")
    # 退出 and "English" beside it: a clear gap between the two.
    sign_out = page.locator(".userbox form[action$='logout/'] button").bounding_box()
    english = page.get_by_test_id("language-en").bounding_box()
    assert english["x"] - (sign_out["x"] + sign_out["width"]) >= 16, (sign_out, english)

    page.locator("a:visible", has_text="家庭台账").first.click()
    sizes = _heights(page, "[data-testid=household-count] a")
    assert len(sizes) == 3 and min(sizes) >= FINGER, sizes
    _search_hint_readable(page)
    expect(page.get_by_test_id("search-hint")).to_have_text("可按姓名、拼音、身份证号或地址查询")

    page.locator("[data-testid=household-row] a", has_text="林宝磊").click()
    row_links = _heights(page, "[data-testid=members] td.row-actions a")
    assert len(row_links) == 4 and min(row_links) >= FINGER, row_links  # 修改 · 变动 of both members
    end = page.locator("[data-testid=assistance] td a", has_text="终止")
    expect(end).to_have_count(1)
    assert end.bounding_box()["height"] >= FINGER
    visit_dates = _heights(page, "[data-testid=household-visits] td.row-link a")
    assert len(visit_dates) == 1 and min(visit_dates) >= FINGER, visit_dates  # the visit's date opens it
    _dates_on_one_line(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.locator("a.brand").click()
    page.locator("a:visible", has_text="照料协议").first.click()
    counts = _heights(page, "[data-testid=care-counts] a[data-count]")
    assert len(counts) == 3 and min(counts) >= FINGER, counts
    _dates_on_one_line(page)

    page.locator("a:visible", has_text="预警").first.click()
    expect(page.get_by_test_id("alert-table")).to_contain_text("陈秀珍")
    _dates_on_one_line(page)

    # The hint in English too.
    page.locator("a:visible", has_text="家庭台账").first.click()
    page.get_by_test_id("language-en").click()
    expect(page.get_by_test_id("search-hint")).to_have_text("Search by: Name, pinyin, ID number or address")
    _search_hint_readable(page)


def test_department_lists_stack_on_a_phone(transactional_db, demo, browser_login, live_server):
    from tests.referrals import helpers as h

    h.assigned(demo, department="housing")
    page = browser_login("township1")
    page.locator("a:visible", has_text="转办").first.click()
    hint = _search_hint_readable(page)
    expect(hint).to_contain_text("工单编号")
    page.locator("main a", has_text="部门清单").first.click()
    expect(page.locator("h1")).to_contain_text("部门清单")
    _tables_stack(page)
    expect(page.get_by_test_id("late-villages")).to_be_visible()
    # Each number of 环节超时 is a finger's height, and its cell says which step it counts.
    late = _heights(page, "[data-testid=late-villages] a[data-count]")
    assert late and min(late) >= FINGER, late
    expect(page.get_by_test_id("late-villages").locator("td[data-label='村级']").first).to_be_visible()
    _dates_on_one_line(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
