"""The monthly assistance ledger and the classified summary against the screens: overdue, leads, closed cases."""
import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.home import cards as referral_cards
from referrals.models import Department, Lead, Referral, ReferralStep, StepAction

from tests.households.factories import make_household

from .helpers import open_xlsx, post_ledger, table

pytestmark = pytest.mark.django_db
LIST_TOTAL = re.compile(r"共 (\d+) 条")


@pytest.fixture
def mid_month(monkeypatch):
    """Today is the 15th of this month (the real clock may sit on the 1st, when no deadline of this month
    can have passed yet)."""
    fake = timezone.localdate().replace(day=15)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: fake)
    return fake


def assigned(household, village, deadline, department=Department.HOUSING):
    return Referral.objects.create(household=household, village=village, summary="待办", status="assigned",
                                   department=department, deadline=deadline,
                                   created_at=timezone.now() - dt.timedelta(days=40))


def test_overdue_means_deadline_passed_today_and_screen_and_ledgers_agree(client, demo, mid_month):
    """Mid-month, a deadline of the 10th is overdue and one of the 20th is not yet: the referral list's
    超期 filter, the home card, the monthly ledger's 是否超期 and the summary's 其中超期 say the same."""
    late = assigned(make_household(demo.village_a, head_name="已超期"), demo.village_a, mid_month.replace(day=10))
    assigned(make_household(demo.village_b, head_name="未到期"), demo.village_b, mid_month.replace(day=20))
    assigned(make_household(demo.village_a, head_name="月末到期"), demo.village_a, mid_month.replace(day=28))
    client.force_login(demo.township1)
    listed = client.get(reverse("referrals:list"), {"overdue": "on"}).content.decode()
    assert int(LIST_TOTAL.search(listed)[1]) == 1 and f"/referrals/{late.pk}/" in listed
    card = next(c for c in referral_cards(demo.township1) if c.title == "超期转办")
    assert card.count == 1

    wb = open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="monthly"))
    _, rows = table(wb["未办结事项"])
    flags = {row[2]: row[6] for row in rows}
    assert flags == {"已超期": "是", "未到期": "否", "月末到期": "否"}
    headers, rows = table(open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="summary")).active)
    total = rows[-1]
    assert total[0] == "合计" and total[headers.index("未办结")] == 3 and total[headers.index("其中超期")] == 1


def test_a_closed_month_counts_deadlines_passed_by_its_last_day(client, demo, mid_month):
    """Last month's ledger: a deadline before its last day is overdue; one on the last day, or later, is not."""
    last_day = mid_month.replace(day=1) - dt.timedelta(days=1)
    assigned(make_household(demo.village_a, head_name="上月中到期"), demo.village_a, last_day - dt.timedelta(days=5))
    assigned(make_household(demo.village_a, head_name="上月末到期"), demo.village_a, last_day)
    assigned(make_household(demo.village_a, head_name="本月到期"), demo.village_a, mid_month.replace(day=10))
    client.force_login(demo.township1)
    month = f"{last_day:%Y-%m}"
    wb = open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="monthly", month_from=month,
                               month_to=month))
    _, rows = table(wb["未办结事项"])
    assert {row[2]: row[6] for row in rows} == {"上月中到期": "是", "上月末到期": "否", "本月到期": "否"}


def test_leads_sheet_names_the_linked_household(client, demo):
    """A lead linked to a household and naming no one shows the head's name and the residence address."""
    household = make_household(demo.village_a, head_name="韩梅", residence_address="华阳路88弄3号")
    now = timezone.now()
    Lead.objects.create(village=demo.village_a, household=household, channel="visit", description="走访发现",
                        received_at=now)
    Lead.objects.create(village=demo.village_a, household=household, channel="hotline", description="热线",
                        subject_name="韩梅梅", subject_address="来电所报地址", received_at=now + dt.timedelta(seconds=1))
    Lead.objects.create(village=demo.village_a, channel="patrol", description="无家庭", received_at=now + dt.timedelta(
        seconds=2))
    client.force_login(demo.township1)
    headers, rows = table(open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="monthly"))["受理线索"])
    name, address = headers.index("困难群众"), headers.index("住址")
    assert [(r[name], r[address]) for r in rows] == [("韩梅", "华阳路88弄3号"), ("韩梅梅", "来电所报地址"), (None, None)]


def test_summary_counts_decisions_and_closed_cases_apart(client, demo):
    """转办决定: decided by the department this month. 已办结: the family informed and the case closed this
    month (an eligible decision; an ineligible one once the family is told, at the decision or later)."""
    now = timezone.now()
    h = make_household(demo.village_a, head_name="户")
    common = {"household": h, "village": demo.village_a, "summary": "x", "department": Department.CIVIL_AFFAIRS}
    Referral.objects.create(**common, status="eligible", assistance_type="dibao", decided_at=now, amount=600)
    Referral.objects.create(**common, status="ineligible", ineligible_reason="收入超标", decided_at=now)
    Referral.objects.create(**common, status="ineligible", ineligible_reason="收入超标", decided_at=now)
    Referral.objects.create(**common, status="ineligible", ineligible_reason="收入超标", decided_at=now,
                            family_informed=True)
    earlier = Referral.objects.create(**common, status="ineligible", ineligible_reason="收入超标",
                                      decided_at=now - dt.timedelta(days=45), family_informed=True)
    ReferralStep.objects.create(referral=earlier, action=StepAction.INFORM, from_status="ineligible",
                                to_status="ineligible", at=now)
    client.force_login(demo.township1)
    headers, rows = table(open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="summary")).active)
    village = next(r for r in rows if r[0] == demo.village_a.name)
    assert village[headers.index("转办决定")] == 4
    assert village[headers.index("已办结")] == 3


def test_the_ledger_names_the_hukou_place_its_letters_and_each_leads_source_data(client, demo):
    """人户分离 cases say who handles them at the hukou place and what the cooperation letters stand at; a 部门数据
    比对 lead names its department list and row, a hotline lead its work order."""
    from referrals.models_hukou import HukouHandover
    from tests.referrals.test_feed_leads import feed_batch, rows_of
    from tests.referrals.test_hukou import _letter, _outside_case, _submitted_hukou_case

    handed = _submitted_hukou_case(demo)
    assert HukouHandover.objects.filter(referral=handed).exists()
    outside = _outside_case(demo)
    _letter(demo, outside)
    _letter(demo, outside, sent_to="城口县河鱼乡人民政府", reply_due=timezone.localdate() + dt.timedelta(days=5))
    from referrals import services

    batch = feed_batch(demo.township1, rows_of(demo))
    services.feed_batch_to_leads(actor=demo.township1, batch=batch)
    client.force_login(demo.township1)
    wb = open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="monthly"))
    headers, rows = table(wb["未办结事项"])
    notes = [r[headers.index("人户分离（户籍地协办）")] for r in rows]
    assert "函件2件（待复2件，其中逾期1件）" in notes
    headers, rows = table(wb["受理线索"])
    sources = [r[headers.index("来源数据")] for r in rows]
    assert f"医保办“医疗自付过高”名单（导入记录#{batch.pk}第2行）" in sources
    client.force_login(demo.township2)
    headers, rows = table(open_xlsx(post_ledger(client, demo.township2.jurisdiction, kind="monthly"))["未办结事项"])
    assert "户籍地华阳路街道受理" in [r[headers.index("人户分离（户籍地协办）")] for r in rows]
