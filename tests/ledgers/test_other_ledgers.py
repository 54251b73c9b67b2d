"""Visit ledger, monthly assistance ledger, classified summary and team rosters, checked against the database."""
import datetime as dt

import pytest
from django.utils import timezone

from households.models import Member, Relation
from referrals.models import Department, Lead, Referral
from visits.models import Visit

from tests.households.factories import make_household

from .factories import make_visit, observe, put_on_roster
from .helpers import open_xlsx, post_ledger, table

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def visited(demo):
    a = make_household(demo.village_a, head_name="赵一", residence_address="华阳路1号")
    b = make_household(demo.village_b, head_name="钱二", residence_address="华阳路2号")
    c = make_household(demo.village_c, head_name="孙三", residence_address="江苏路3号")
    for h in (a, b, c):
        put_on_roster(h)
    v1 = make_visit(a, demo.caseworker_a, food="normal", measures="=cmd|' /C calc'!A0", needs=["medical"])
    v2 = make_visit(a, demo.caseworker_a, person_seen=False, not_seen_reason="外出务工",
                    next_follow_up_on=today() + dt.timedelta(days=7))
    v3 = make_visit(b, demo.caseworker_b)
    make_visit(c, demo.caseworker_c)
    return {"a": a, "b": b, "v1": v1, "v2": v2, "v3": v3}


def test_visit_ledger_one_row_per_visit(client, demo, visited):
    client.force_login(demo.township1)
    ws = open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="visits", purpose="data_check")).active
    headers, rows = table(ws)
    assert headers[:9] == ["序号", "乡镇（街道）", "村（社区）", "户主姓名", "身份证号", "居住地址", "走访日期", "走访方式",
                           "走访人员"]
    assert len(rows) == Visit.objects.filter(household__village__parent=demo.township1.jurisdiction).count() == 3
    first = rows[0]
    assert first[3] == "赵一" and first[4] == Member.objects.get(household=visited["a"], relation=Relation.HEAD).id_number
    assert first[6].date() == today() and first[7] == "入户走访" and first[8] == demo.caseworker_a.display_name
    assert first[9] == "是" and first[11] == "正常"
    assert first[headers.index("对策建议")] == "＝cmd|' /C calc'!A0"
    assert first[headers.index("发现的需求")] == "医疗"
    assert rows[1][9] == "否" and rows[1][10] == "外出务工"
    assert rows[1][headers.index("下次跟进日期")].date() == today() + dt.timedelta(days=7)


def test_visit_ledger_one_household_one_sheet_for_a_village(client, demo, visited):
    client.force_login(demo.township1)
    response = post_ledger(client, demo.township1.jurisdiction, kind="visits_by_household")
    assert "请在“辖区”中选择一个村/社区" in response.content.decode()
    wb = open_xlsx(post_ledger(client, demo.village_a, kind="visits_by_household"))
    assert wb.sheetnames == [f"赵一-{visited['a'].pk}"]
    ws = wb.active
    assert "赵一" in ws["A1"].value and "华阳路1号" in ws["A1"].value
    _, rows = table(ws)
    assert [r[0] for r in rows] == [1, 2]


def test_monthly_ledger_per_department(client, demo, visited):
    now = timezone.now()
    a, b = visited["a"], visited["b"]
    Lead.objects.create(village=demo.village_a, channel="hotline", description="=1+1 反映困难", received_at=now)
    Lead.objects.create(village=demo.village_c, channel="hotline", description="别处", received_at=now)
    Referral.objects.create(household=a, village=demo.village_a, summary="x", status="eligible",
                            department=Department.CIVIL_AFFAIRS, assistance_type="dibao", decided_at=now, amount=600)
    Referral.objects.create(household=b, village=demo.village_b, summary="y", status="eligible",
                            department=Department.SOCIAL_SECURITY, assistance_type="medical", decided_at=now)
    Referral.objects.create(household=b, village=demo.village_b, summary="z", status="ineligible",
                            department=Department.CIVIL_AFFAIRS, ineligible_reason="收入超标", decided_at=now)
    Referral.objects.create(household=a, village=demo.village_a, summary="w", status="assigned",
                            department=Department.HOUSING, deadline=today() - dt.timedelta(days=1))
    observe(b)
    client.force_login(demo.township1)
    wb = open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="monthly"))
    assert wb.sheetnames == ["汇总", "受理线索", "转办决定", "救助观察名单", "未办结事项", "部门办理事项"]
    headers, rows = table(wb["汇总"])
    assert headers == ["项目", "民政", "社保", "住建", "合计"]
    by_item = {r[0]: r for r in rows}
    assert by_item["受理线索"][-1] == 1
    assert by_item["转办决定"][1:] == [2, 1, 0, 3]
    assert by_item["新增低保"][1:] == [1, 0, 0, 1]
    assert by_item["其他专项救助"][1:] == [0, 1, 0, 1]
    assert by_item["不符合条件"][1:] == [1, 0, 0, 1]
    assert by_item["列入观察名单"][-1] == 1
    assert by_item["未办结"][1:] == [0, 0, 1, 1]
    _, leads = table(wb["受理线索"])
    assert len(leads) == 1 and leads[0][7] == "＝1+1 反映困难"
    _, unfinished = table(wb["未办结事项"])
    assert unfinished[0][3] == "住建" and unfinished[0][6] == "是"
    # The classified summary for the district: one row per township plus the total.
    client.force_login(demo.district_official)
    headers, rows = table(open_xlsx(post_ledger(client, demo.district, kind="summary")).active)
    assert headers[:4] == ["乡镇（街道）", "受理线索", "转办决定", "新增特困"]
    names = [r[0] for r in rows]
    assert names[-1] == "合计" and len(rows) == len(demo.townships) + 1
    t1 = rows[names.index(demo.township1.jurisdiction.name)]
    assert t1[1:4] == [1, 3, 0] and t1[headers.index("新增低保")] == 1 and t1[headers.index("未办结")] == 1
    assert rows[-1][1] == 2  # both leads, township 2's included


def test_assistant_roster_flags_villages_without_one(client, demo):
    client.force_login(demo.township1)
    ws = open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="assistants")).active
    headers, rows = table(ws)
    assert headers[:4] == ["序号", "乡镇（街道）", "村（社区）", "姓名"]
    villages = {r[2] for r in rows}
    assert demo.village_a.name in villages and demo.village_c.name not in villages
    by_village = {r[2]: r for r in rows}
    assert by_village[demo.village_a.name][3] == demo.caseworker_a.display_name
    notes = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "尚未配备" in c.value]
    uncovered = [r for r in rows if r[8] == "未配备社会救助协理员"]
    assert bool(notes) == bool(uncovered)
