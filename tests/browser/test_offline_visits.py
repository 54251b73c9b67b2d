"""离线走访 on a phone (issue 17): download the day's worklist, lose the signal, log two visits, come back.

One visit (with a photo) is stored once even though the answer to its first send is lost on the way back; the
other is refused because the household moved to another village meanwhile, and stays on the phone with the
server's reason. Signing out clears everything the phone kept.
"""
import datetime as dt

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

COUNT_STORED = """() => new Promise(resolve => {
  const open = indexedDB.open("relief-offline");
  open.onsuccess = () => {
    const db = open.result, names = Array.from(db.objectStoreNames);
    if (!names.length) { db.close(); resolve(0); return; }
    const tx = db.transaction(names);
    let n = 0;
    names.forEach(name => { const c = tx.objectStore(name).count(); c.onsuccess = () => { n += c.result; }; });
    tx.oncomplete = () => { db.close(); resolve(n); };
  };
})"""


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return tmp_path


def test_a_morning_of_visits_without_a_signal(transactional_db, demo, browser_login, live_server, private_media):
    from households.services import household_update
    from tests.visits.factories import make_roster
    from visits.models import Visit

    seen = make_roster(demo.village_a, entered_on=dt.date(2024, 1, 1), caseworker=demo.caseworker_a,
                       head_name="陈秀珍")
    moved = make_roster(demo.village_a, entered_on=dt.date(2024, 2, 1), caseworker=demo.caseworker_a,
                        head_name="刘桂英")
    photo = private_media / "visit.jpg"
    Image.new("RGB", (3000, 2000), (180, 90, 30)).save(photo, "JPEG")

    page = browser_login("caseworker1")
    page.on("dialog", lambda dialog: dialog.accept())
    base = live_server.url
    page.goto(f"{base}/visits/")
    page.get_by_test_id("offline-download").click()
    expect(page.get_by_test_id("offline-info")).to_contain_text("2 户")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")

    # Flight mode: the worklist address opens the offline page, drawn from the phone's store.
    page.context.set_offline(True)
    page.goto(f"{base}/visits/")
    expect(page.get_by_test_id("offline-status")).to_contain_text("离线")
    overdue = page.get_by_test_id("offline-overdue")
    expect(overdue).to_contain_text("陈秀珍")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    overdue.locator(f"li[data-household='{seen.pk}'] [data-testid=household-link]").click()
    expect(page.get_by_test_id("offline-household")).to_contain_text("陈秀珍")
    expect(page.get_by_test_id("offline-members")).to_contain_text("*")
    page.get_by_test_id("offline-log-visit").click()
    for name in ("food", "housing_safety", "heating_cooling", "medical", "income_change", "care", "schooling"):
        page.check(f"#id_{name}_0")
    page.fill("#id_situation", "独居，腿脚不便，药品充足。")
    page.check("#id_situation_clear")
    page.set_input_files("#id_photos", str(photo))
    page.click("#offline-visit-save")
    expect(page.get_by_test_id("outbox-count")).to_have_text("1")

    page.goto(f"{base}/visits/household/{moved.pk}/new/")
    expect(page.get_by_test_id("visit-household")).to_contain_text("刘桂英")
    page.fill("#id_situation", "户主外出务工，家中无人。")
    page.click("#offline-visit-save")
    expect(page.get_by_test_id("outbox-count")).to_have_text("2")
    expect(page.get_by_test_id("outbox-list").locator("[data-status=pending]")).to_have_count(2)

    # Meanwhile the township moves the second family to a community of another street.
    household_update(actor=demo.admin, household=moved, version=moved.version, village=demo.village_c)

    # The first send's answer is lost on the way back: the server stored it, the phone does not know.
    lost = []

    def lose_first_answer(route):
        response = route.fetch()
        if not lost:
            lost.append(response.status)
            route.abort("internetdisconnected")
        else:
            route.fulfill(response=response)

    page.route("**/visits/offline/sync/", lose_first_answer)
    page.context.set_offline(False)
    expect(page.get_by_test_id("offline-status")).to_contain_text("已联网")
    # The phone sends on its own once online: wait for that send (up to 15 s on a busy machine), not a fixed time.
    for _ in range(60):
        if lost:
            break
        page.wait_for_timeout(250)
    assert lost == [201]
    assert Visit.objects.filter(household=seen).count() == 1
    # The caseworker taps 立即上传: the resend is harmless, the second one is refused with the reason.
    page.get_by_test_id("outbox-send").click()
    refused = page.get_by_test_id("outbox-list").locator("[data-status=refused]")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("刘桂英")
    expect(refused.get_by_test_id("refusal")).to_contain_text("已不在您负责的村/社区")
    expect(page.get_by_test_id("outbox-count")).to_have_text("1")
    visit = Visit.objects.get(household=seen)
    assert visit.situation_clear and visit.photos.count() == 1
    assert max(Image.open(visit.photos.get().file).size) <= 2560
    assert not Visit.objects.filter(household=moved).exists()

    # Signing out warns (one record still on the phone) and clears the store and the caches.
    page.goto(f"{base}/visits/")
    expect(page.get_by_test_id("outbox-text")).to_contain_text("1 条未通过")
    page.click(".userbox button[type=submit]")
    page.wait_for_url("**/accounts/login/**")
    assert page.evaluate(COUNT_STORED) == 0
    assert page.evaluate("caches.keys().then(k => k.filter(n => n.startsWith('relief-')).length)") == 0
