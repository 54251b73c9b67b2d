"""The key-person roster ledger, opened back with openpyxl and checked cell by cell against the database."""
import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from households.models import Household, Member, Relation
from relief.audit import AuditEvent
from auditlog.models import LogEntry

from tests.households.factories import make_household

from .factories import give_assistance, put_on_roster
from .helpers import open_xlsx, post_ledger, table

pytestmark = pytest.mark.django_db

HEADERS = ["序号", "乡镇（街道）", "村（社区）", "户主姓名", "身份证号", "性别", "年龄", "家庭人口", "居住地址", "联系电话",
           "户籍性质", "人户分离", "家庭月人均收入（元）", "现享受救助", "对象类型", "关注原因", "走访频次", "责任协理员",
           "纳入日期", "退出日期", "退出原因", "备注", "服务类型"]


@pytest.fixture
def roster(demo):
    a1 = make_household(demo.village_a, members=2, head={"birth_date": dt.date(1950, 3, 4)})
    # Values that look like formulas, which the services refuse now but records from before that rule hold:
    Member.objects.filter(household=a1, relation=Relation.HEAD).update(name="=HYPERLINK(\"http://x\")")
    Household.objects.filter(pk=a1.pk).update(residence_address="+华阳路1号", phone="-13800000000")
    put_on_roster(a1, reasons=("elderly_alone", "disabled"), note="@备注\t含制表符", caseworker=demo.caseworker_a)
    give_assistance(a1, "dibao", start=dt.date(2020, 1, 1))
    give_assistance(a1, "temporary", start=dt.date(2020, 1, 1), end=dt.date(2020, 2, 1))  # ended: not shown
    b1 = make_household(demo.village_b, head_name="李四", residence_address="华阳路9号")
    put_on_roster(b1, target_kind="missing")
    c1 = make_household(demo.village_c, head_name="王五", residence_address="江苏路3号")  # township 2
    put_on_roster(c1)
    off = make_household(demo.village_a, head_name="不在册")  # not on the roster
    return {"a1": a1, "b1": b1, "c1": c1, "off": off}


def test_township_roster_cell_by_cell(client, demo, roster):
    """Township staff get every roster household of their township, full ID numbers, formulas neutralised."""
    client.force_login(demo.township1)
    response = post_ledger(client, demo.township1.jurisdiction, purpose="approval_file")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = open_xlsx(response)
    ws = wb.active
    assert ws.title == "重点人群花名册"
    assert ws["A1"].value == "重点人群花名册（期末在册）"
    subtitle = ws["A2"].value
    assert demo.township1.jurisdiction.name in subtitle and "李秀英" in subtitle and "生成时间" in subtitle
    assert ws.freeze_panes == "A4"
    headers, rows = table(ws)
    assert headers == HEADERS
    assert len(rows) == 2  # a1 and b1; c1 is in township 2, `off` is not on the roster
    by_head = {row[3]: row for row in rows}
    a1_head = Member.objects.get(household=roster["a1"], relation=Relation.HEAD)
    row = by_head["＝HYPERLINK(\"http://x\")"]
    assert row[0] == 1 and row[1] == demo.village_a.parent.name and row[2] == demo.village_a.name
    assert row[4] == a1_head.id_number  # township staff may see personal data
    assert row[5] == "男" and row[7] == 3
    assert row[6] == dt.date.today().year - 1950 - ((dt.date.today().month, dt.date.today().day) < (3, 4))
    assert row[8] == "＋华阳路1号" and row[9] == "－13800000000"
    assert row[13] == "最低生活保障（低保）"
    assert row[14] == "救助预警" and row[15] == "独居老人、残疾" and row[17] == demo.caseworker_a.display_name
    assert isinstance(row[18], dt.datetime) and row[18].date() == dt.date.today().replace(day=1)
    assert row[21] == "＠备注\t含制表符"
    # Every string cell is a string, never a formula.
    for cells in ws.iter_rows(min_row=1):
        for cell in cells:
            assert cell.data_type != "f"
    assert by_head["李四"][14] == "救助缺失" and by_head["李四"][13] == "无"


def test_district_roster_is_masked_and_audited(client, demo, roster):
    """A district official may export but not see ID numbers: every number is masked; the export is audited."""
    client.force_login(demo.district_official)
    response = post_ledger(client, demo.district)
    headers, rows = table(open_xlsx(response).active)
    assert len(rows) == 3
    numbers = {row[4] for row in rows}
    real = set(Member.objects.filter(relation=Relation.HEAD, household__roster_entries__isnull=False)
               .values_list("id_number", flat=True))
    assert not numbers & real
    assert all(n[:6] == "310105" and n[6:14] == "********" for n in numbers)
    # Phone numbers as the screen shows them (first three and last four digits), not in full.
    phones = {row[3]: row[9] for row in rows}
    assert phones["＝HYPERLINK(\"http://x\")"] == "－13*****0000"
    assert all("*" in p for p in phones.values() if p)
    entry = LogEntry.objects.filter(additional_data__event=AuditEvent.EXPORT).latest("timestamp")
    assert entry.actor == demo.district_official
    assert entry.additional_data["ledger"] == "roster" and entry.additional_data["rows"] == 3
    assert entry.additional_data["personal_data"] is False


def test_filters_by_category_and_target_kind(client, demo, roster):
    client.force_login(demo.township1)
    _, rows = table(open_xlsx(post_ledger(client, demo.township1.jurisdiction, category="dibao")).active)
    assert [r[2] for r in rows] == [demo.village_a.name]
    _, rows = table(open_xlsx(post_ledger(client, demo.township1.jurisdiction, target_kind="missing")).active)
    assert [r[3] for r in rows] == ["李四"]


def test_roster_query_count_does_not_grow_with_rows(client, demo, roster, django_assert_max_num_queries):
    for i in range(30):
        put_on_roster(make_household(demo.village_b, head_name=f"户{i}", members=1))
    client.force_login(demo.township1)
    with django_assert_max_num_queries(25):
        response = post_ledger(client, demo.township1.jurisdiction)
    _, rows = table(open_xlsx(response).active)
    assert len(rows) == 32


@pytest.mark.parametrize("extra,field,message", [
    ({"month_from": f"{dt.date.today().year + 1}-01", "month_to": f"{dt.date.today().year + 1}-01"}, "month_to",
     "不能晚于本月"),
    ({"month_from": "2024-05", "month_to": "2024-02"}, "month_to", "不能早于开始月份"),
    ({"month_from": "2024-13", "month_to": "2024-02"}, "month_from", "请按“年-月”填写月份"),
])
def test_bad_period_gets_a_clear_message(client, demo, extra, field, message):
    client.force_login(demo.township1)
    response = post_ledger(client, demo.township1.jurisdiction, **extra)
    assert response.status_code == 200
    assert "html" in response["Content-Type"]
    assert message in response.content.decode()
    assert not LogEntry.objects.filter(additional_data__event=AuditEvent.EXPORT).exists()


def test_jurisdiction_outside_the_users_is_refused_not_served(client, demo, roster):
    client.force_login(demo.township1)
    response = post_ledger(client, demo.village_c)
    assert "html" in response["Content-Type"]
    assert "所选辖区不在您的管辖范围内" in response.content.decode()
    assert "王五" not in response.content.decode()


def test_caseworkers_cannot_export(client, demo):
    client.force_login(demo.caseworker_a)
    assert client.get(reverse("ledgers:index")).status_code == 403
    assert post_ledger(client, demo.village_a).status_code == 403


def test_index_page_offers_only_own_jurisdictions(client, demo):
    client.force_login(demo.township1)
    html = client.get(reverse("ledgers:index")).content.decode()
    assert demo.village_a.name in html and demo.village_c.name not in html


def test_exits_are_listed_apart_and_every_figure_matches_its_rows(client, demo, roster):
    """A household that left the roster this month is on the 本期退出 sheet, not among those on the roster:
    the first sheet has as many rows as the dashboard's roster figure, the second as its exits figure, and
    the exits figure links to a list of that many households."""
    from .helpers import listed_count

    gone = make_household(demo.village_b, head_name="已退出", residence_address="华阳路5号")
    put_on_roster(gone, exited_on=timezone.localdate(), exit_reason="收入增加，已稳定",
                  entered_on=timezone.localdate().replace(day=1) - dt.timedelta(days=90))
    client.force_login(demo.township1)
    wb = open_xlsx(post_ledger(client, demo.township1.jurisdiction))
    assert wb.sheetnames == ["重点人群花名册", "本期退出"]
    _, current = table(wb["重点人群花名册"])
    _, exited = table(wb["本期退出"])
    assert "已退出" not in [r[3] for r in current]
    assert [(r[3], r[20]) for r in exited] == [("已退出", "收入增加，已稳定")]
    html = client.get(reverse("ledgers:dashboard")).content.decode()
    stats = {name: (url, int(n)) for url, name, n in re.findall(
        r'<a class="stat" href="([^"]*)"><span class="num" data-testid="stat-(\w+)">(\d+)</span>', html)}
    assert stats["roster"][1] == len(current) == 2
    assert stats["exits"][1] == len(exited) == 1
    assert listed_count(client, stats["exits"][0]) == 1
    assert listed_count(client, stats["roster"][0]) == 2
