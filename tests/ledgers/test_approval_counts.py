"""Approvals after 公示 in the ledgers: the monthly ledger's summary and the scorecards count them."""
import datetime as dt

import pytest
from django.urls import reverse

from referrals import services
from referrals.models import Referral
from tests.referrals import helpers as h

from .helpers import open_xlsx, post_ledger, table

pytestmark = pytest.mark.django_db


def _submitted(demo, village):
    r = h.in_notice(demo, village=village)
    Referral.objects.filter(pk=r.pk).update(notice_start=h.today() - dt.timedelta(days=8),
                                            notice_end=h.today() - dt.timedelta(days=1))
    return services.approval_submit(actor=h.township_of(demo, r), referral=r.pk, assistance_type="dibao",
                                    amount=900, start_date=h.today(),
                                    materials=["income_check", "home_visit", "notice"])


def test_monthly_ledger_and_scorecards_count_approvals(client, demo):
    approved = _submitted(demo, demo.village_a)
    services.approval_approve(actor=demo.district_official, approval=approved)
    refused = _submitted(demo, demo.village_b)
    services.approval_refuse(actor=demo.district_official, approval=refused, reason="家庭财产超过标准")
    _submitted(demo, demo.village_a)  # still pending
    _submitted(demo, demo.village_c)  # township 2: not township 1's

    client.force_login(demo.township1)
    wb = open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="monthly"))
    headers, rows = table(wb["汇总"])
    by_item = {r[0]: r for r in rows}
    assert by_item["报送区县审批"][-1] == 3
    assert by_item["区县审批批准"][-1] == 1 and by_item["区县不予批准"][-1] == 1
    assert by_item["报送区县审批"][headers.index("民政")] == 3

    cards = client.get(reverse("ledgers:scorecards")).context["cards"]
    villages = {r["name"]: r for r in cards["levels"][1][1]}
    assert villages[demo.village_a.name]["approvals"] == {"submitted": 2, "approved": 1, "refused": 0, "late": 0}
    assert villages[demo.village_b.name]["approvals"]["refused"] == 1
    townships = {r["name"]: r for r in cards["levels"][0][1]}
    assert townships[demo.village_a.parent.name]["approvals"]["submitted"] == 3
    assert demo.village_c.name not in villages
