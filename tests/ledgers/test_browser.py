"""A district official, on a phone, filters the roster by township and downloads it; the file has the rows."""
import io

import pytest
from openpyxl import load_workbook

from tests.households.factories import make_household

from .factories import put_on_roster
from .helpers import table

pytestmark = [pytest.mark.browser]


def test_district_official_downloads_a_townships_roster(transactional_db, demo, browser_login, live_server):
    put_on_roster(make_household(demo.village_a, head_name="甲户", residence_address="华阳路1号"))
    put_on_roster(make_household(demo.village_b, head_name="乙户", residence_address="华阳路2号"))
    put_on_roster(make_household(demo.village_c, head_name="丙户", residence_address="江苏路3号"))  # another township
    page = browser_login("district")
    page.get_by_role("link", name="台账", exact=True).first.click()
    page.wait_for_url("**/ledgers/")
    page.select_option("#id_kind", "roster")
    page.select_option("#id_jurisdiction", str(demo.township1.jurisdiction.pk))
    with page.expect_download() as info:
        page.get_by_role("button", name="生成并下载").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx") and demo.township1.jurisdiction.name in \
        download.suggested_filename
    with open(download.path(), "rb") as fh:
        ws = load_workbook(io.BytesIO(fh.read())).active
    headers, rows = table(ws)
    assert headers[3] == "户主姓名"
    assert sorted(r[3] for r in rows) == ["乙户", "甲户"]
    assert all("*" in r[4] for r in rows)  # the district official sees masked ID numbers
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_dashboard_chart_labels_are_readable_on_a_phone(transactional_db, demo, browser_login, live_server):
    """On a 360-px phone every chart label and value is drawn at 11 px or more, and each chart fits its card."""
    from .factories import give_assistance, observe

    for i, village in enumerate([demo.village_a, demo.village_b, demo.village_b]):
        household = make_household(village, head_name=f"图表户{i}")
        put_on_roster(household)
        give_assistance(household, "dibao")
    observe(make_household(demo.village_a, head_name="观察户"))
    page = browser_login("township1")
    page.get_by_role("link", name="统计", exact=True).first.click()
    page.wait_for_url("**/ledgers/dashboard/")
    sizes = page.evaluate("""() => [...document.querySelectorAll('svg.chart text')].map(t => {
        const svg = t.ownerSVGElement;
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return parseFloat(getComputedStyle(t).fontSize) * scale; })""")
    assert len(sizes) > 20 and min(sizes) >= 11, min(sizes)
    overflow = page.evaluate("""() => [...document.querySelectorAll('.chart-scroll')].filter(
        box => box.scrollWidth > box.clientWidth + 1).length""")
    assert overflow == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
