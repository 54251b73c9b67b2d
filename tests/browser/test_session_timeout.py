"""The idle end of a session on a phone (issue 19): the warning counts down and 继续 keeps the session; once it
has ended, the visit form's draft waits on the phone for its author, who signs in again and finds it."""
import datetime as dt
import time

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def age_session(page, seconds: int) -> None:
    from relief import signin
    from relief.sessions import SessionStore

    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=key)
    session[signin.SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_the_warning_continues_and_an_idle_end_keeps_the_visit_draft(transactional_db, demo, browser_login,
                                                                     live_server, settings, private_media):
    from tests.visits.factories import make_roster

    settings.RELIEF_SESSION_IDLE_MINUTES = 3
    settings.RELIEF_SESSION_WARN_SECONDS = 175  # the warning shows five seconds after the page opens
    household = make_roster(demo.village_a, entered_on=dt.date(2024, 1, 1))
    page = browser_login("caseworker1")
    form_url = f"{live_server.url}/visits/household/{household.pk}/new/"
    page.goto(form_url)
    page.fill("#id_situation", "老人咳嗽两周，尚未就医")
    warning = page.get_by_test_id("session-warning")
    expect(warning).to_be_visible(timeout=15_000)
    expect(warning).to_contain_text("自动退出")
    page.get_by_test_id("session-continue").click()
    expect(warning).to_be_hidden()
    # Away from the phone past the idle time: the next request ends the session.
    age_session(page, 4 * 60)
    page.reload()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/visits/household/{household.pk}/new/"
                             "&session=ended")
    expect(page.locator(".messages")).to_contain_text("已自动退出")
    drafts = "Object.keys(window.localStorage).filter(k => k.startsWith('relief-visit-draft-'))"
    assert len(page.evaluate(drafts)) == 1
    page.fill("#id_username", "caseworker1")
    page.fill("#id_password", "jiuzhu2026")
    page.click("main button[type=submit]")
    expect(page).to_have_url(form_url)
    expect(page.locator("#id_situation")).to_have_value("老人咳嗽两周，尚未就医")
    expect(page.locator("#draft-note")).to_be_visible()
