"""The district official's journey on the demo district, on a desktop: from the home page to the dashboard,
every ledger downloaded and read back cell by cell against what the screens show, a sampling draw with a
check recorded, and the audit log showing the exports and the draw under the official's name."""
import datetime as dt
import io
import re
from collections import Counter

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.demo_district import load_full_demo
from tests.ledgers.helpers import table

pytestmark = [pytest.mark.browser]


def number(locator) -> int:
    return int(locator.inner_text().strip())


def download_ledger(page, kind: str, *, jurisdiction: int | None = None, month: str):
    """Choose a ledger on 台账下载 and generate it; a large one is written by a background job, whose page the
    official waits on (it refreshes itself) before downloading, as a user would."""
    page.select_option("#id_kind", kind)
    if jurisdiction is not None:
        page.select_option("#id_jurisdiction", str(jurisdiction))
    page.fill("#id_month_from", month)
    page.fill("#id_month_to", month)
    downloads = []
    page.once("download", lambda download: downloads.append(download))
    page.get_by_role("button", name="生成并下载").click()
    for _ in range(600):
        if downloads or "/ledgers/jobs/" in page.url:
            break
        page.wait_for_timeout(100)
    if not downloads:
        link = page.get_by_test_id("job-download")
        link.wait_for(timeout=120_000)
        with page.expect_download() as info:
            link.click()
        downloads.append(info.value)
        page.get_by_role("link", name="台账下载", exact=True).last.click()
        page.wait_for_url("**/ledgers/")
    assert downloads[0].suggested_filename.endswith(".xlsx")
    with open(downloads[0].path(), "rb") as fh:
        return load_workbook(io.BytesIO(fh.read()))


@pytest.fixture
def demo_district(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    # The roster (600 rows) then goes through a background job: the journey waits for it like a user.
    settings.RELIEF_LEDGER_ASYNC_ROWS = 500
    return load_full_demo()


def test_district_official_journey(demo_district, page, live_server):
    from relief.audit import AuditEvent
    from visits.models import Visit

    today = dt.date.today()
    this_month = f"{today:%Y-%m}"
    last_month_start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    last_month = f"{last_month_start:%Y-%m}"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "district")
    page.fill("#id_password", "jiuzhu2026")
    page.press("#id_password", "Enter")  # the header's language switch is a submit button too
    page.wait_for_url("**/accounts/otp/**")
    # The district official's second factor: the code the demo key's authenticator app shows.
    from relief.demo import next_demo_code

    page.fill("#id_code", next_demo_code("district"))
    page.click("main button[type=submit]")
    page.wait_for_load_state()

    # ---- home: the jurisdiction and the overdue referrals card
    villages = int(re.search(r"辖区内 (\d+) 个村/社区", page.get_by_test_id("home-role").inner_text())[1])
    overdue = number(page.locator("a.stat", has_text="超期转办").locator(".num"))

    # ---- dashboard, for this month
    page.get_by_role("link", name="统计", exact=True).first.click()
    page.wait_for_url("**/ledgers/dashboard/")
    page.fill("#id_month_from", this_month)
    page.fill("#id_month_to", this_month)
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**/ledgers/dashboard/?*")
    roster = number(page.get_by_test_id("stat-roster"))
    exits = number(page.get_by_test_id("stat-exits"))
    kinds_card = page.locator(".card", has=page.get_by_role("heading", name="按对象类型（花名册在册）"))
    kinds = {row.locator("td").nth(0).inner_text(): int(row.locator("td").nth(1).inner_text())
             for row in kinds_card.locator("tbody tr").all()}
    funnel = page.locator(".card", has=page.get_by_role("heading", name="线索转办漏斗"))
    leads = int(funnel.locator("tbody tr", has_text="受理线索").locator("td").nth(1).inner_text())
    monthly = page.locator(".card", has=page.get_by_role("heading", name="每月新增救助与列入观察名单"))
    observed = int(monthly.locator("tbody tr", has_text=this_month).locator("td").nth(2).inner_text())
    townships = page.get_by_test_id("area-stats").locator("tbody tr").count()
    assert roster > 0 and leads > 0 and overdue > 0

    # ---- every ledger
    page.get_by_role("link", name="台账下载", exact=True).first.click()
    page.wait_for_url("**/ledgers/")
    kinds_offered = page.locator("#id_kind option").evaluate_all("options => options.map(o => o.value)")
    downloaded = []

    wb = download_ledger(page, "roster", month=this_month)
    downloaded.append("roster")
    assert wb.sheetnames == ["重点人群花名册", "本期退出"]
    headers, current = table(wb["重点人群花名册"])
    _, exited = table(wb["本期退出"])
    assert len(current) == roster and len(exited) == exits
    kind_column = headers.index("对象类型")
    assert Counter(row[kind_column] for row in current) == Counter({k: n for k, n in kinds.items() if n})
    assert [row[0] for row in current] == list(range(1, roster + 1))
    assert all(row[headers.index("退出日期")] is None for row in current)
    assert all(row[headers.index("退出日期")] is not None for row in exited)
    assert all("*" in (row[headers.index("身份证号")] or "*") for row in current)  # masked for the district

    wb = download_ledger(page, "visits", month=last_month)
    downloaded.append("visits")
    headers, rows = table(wb.active)
    visits = Visit.objects.filter(visited_on__year=last_month_start.year, visited_on__month=last_month_start.month)
    assert len(rows) == visits.count() > 0
    assert Counter(row[headers.index("村（社区）")] for row in rows) == Counter(
        visits.values_list("household__village__name", flat=True))

    village = visits.values_list("household__village", flat=True).order_by("household__village__code").first()
    wb = download_ledger(page, "visits_by_household", jurisdiction=village, month=last_month)
    downloaded.append("visits_by_household")
    assert len(wb.sheetnames) == visits.filter(household__village=village).values("household").distinct().count()
    assert sum(len(table(ws)[1]) for ws in wb.worksheets) == visits.filter(household__village=village).count()
    page.select_option("#id_jurisdiction", str(demo_district.users["district"].jurisdiction_id))

    wb = download_ledger(page, "monthly", month=this_month)
    downloaded.append("monthly")
    _, summary = table(wb["汇总"])
    by_item = {row[0]: row for row in summary}
    assert by_item["受理线索"][-1] == leads == len(table(wb["受理线索"])[1])
    assert by_item["列入观察名单"][-1] == observed == len(table(wb["救助观察名单"])[1])
    assert by_item["转办决定"][-1] == len(table(wb["转办决定"])[1])
    unfinished_headers, unfinished = table(wb["未办结事项"])
    assert by_item["未办结"][-1] == len(unfinished)
    assert sum(1 for row in unfinished if row[unfinished_headers.index("是否超期")] == "是") == overdue
    open_items = len(unfinished)

    wb = download_ledger(page, "summary", month=this_month)
    downloaded.append("summary")
    headers, rows = table(wb.active)
    total = dict(zip(headers, rows[-1]))
    assert total["乡镇（街道）"] == "合计" and len(rows) == townships + 1
    assert total["受理线索"] == leads and total["列入观察名单"] == observed
    assert total["未办结"] == open_items and total["其中超期"] == overdue
    assert total["转办决定"] == by_item["转办决定"][-1]
    for column in headers[1:]:
        assert total[column] == sum(row[headers.index(column)] for row in rows[:-1]), column

    wb = download_ledger(page, "assistants", month=this_month)
    downloaded.append("assistants")
    headers, rows = table(wb.active)
    assert len({row[headers.index("村（社区）")] for row in rows}) == villages

    wb = download_ledger(page, "collectors", month=this_month)
    downloaded.append("collectors")
    headers, rows = table(wb.active)
    assert len({row[headers.index("乡镇（街道）")] for row in rows}) <= townships
    assert sorted(downloaded) == sorted(kinds_offered)

    # ---- a sampling draw and a check
    page.get_by_role("link", name="随机抽查", exact=True).first.click()
    page.wait_for_url("**/ledgers/sampling/")
    page.select_option("#id_size_mode", "count")
    page.fill("#id_size_value", "3")
    page.get_by_role("button", name="抽取").click()
    page.wait_for_url(re.compile(r".*/ledgers/sampling/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("已抽取 3 户")
    item = page.locator("div.card[id^=item-]").first
    item.locator("select").select_option("correct")
    item.get_by_role("button", name="记录").click()
    item = page.locator("div.card[id^=item-]").first
    expect(item).to_contain_text("已保存")
    expect(item.locator(".tag")).to_have_text("准确")
    expect(page.get_by_test_id("sampling-results")).to_be_visible()

    # ---- the audit log: the audit administrator's (三员分立), who finds the official's downloads in it
    assert page.get_by_role("link", name="审计日志", exact=True).count() == 0
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_username", "auditor")
    page.fill("#id_password", "jiuzhu2026")
    page.press("#id_password", "Enter")
    page.wait_for_url("**/accounts/otp/**")
    page.fill("#id_code", next_demo_code("auditor"))
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.get_by_role("link", name="审计日志", exact=True).first.click()
    page.wait_for_url("**/audit/**")
    rows = page.get_by_test_id("audit-entry")
    # Each entry: its event, and a sentence that starts with who did it.
    events = [(row.locator("td").nth(1).inner_text(), row.locator(".audit-sentence").inner_text())
              for row in rows.all()]
    name = demo_district.users["district"].display_name
    assert sum(1 for event, sentence in events
               if event == str(AuditEvent.EXPORT.label) and sentence.startswith(name)) >= len(downloaded)
    assert any(event == str(AuditEvent.BULK_WRITE.label) and sentence.startswith(name) for event, sentence in events)
