"""The referrals demo loader: living leads and referrals at every step, through the services, once."""
import datetime as dt
from io import StringIO

import pytest
from django.utils import timezone

from households import demo as households_demo
from households.models import AssistanceRecord, ObservationEntry
from referrals import demo
from referrals.models import Lead, Referral, ReferralStatus as S, ReferralStep
from alerts.models import Alert

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(demo, monkeypatch):
    monkeypatch.setattr(households_demo, "DEMO_HOUSEHOLDS", 240)
    households_demo.load()
    return demo


def test_demo_shows_every_step_and_is_idempotent(district):
    out = StringIO()
    demo.load(stdout=out)
    assert "演示线索与转办" in out.getvalue()
    channels = set(Lead.objects.values_list("channel", flat=True))
    assert {"hotline", "walk_in", "report", "patrol", "visit", "feed"} <= channels
    assert {"new", "looking_into", "closed", "referred"} <= set(Lead.objects.values_list("status", flat=True))
    assert Lead.objects.filter(household__isnull=True, status="looking_into").exists()
    assert Lead.objects.filter(household__isnull=False, status="looking_into").exists()
    # A referred lead points to its referral and is no longer open.
    assert not Lead.objects.filter(status="referred", referral__isnull=True).exists()
    statuses = set(Referral.objects.values_list("status", flat=True))
    # 已报审批 is shown by the approval demo (referrals.demo_approval, tests/referrals/test_approval_demo.py).
    assert set(S.values) - {S.APPROVAL} <= statuses
    today = timezone.localdate()
    overdue = list(Referral.objects.overdue())
    assert len(overdue) == 1 and Alert.objects.filter(kind="referral_overdue", status="open",
                                                      household=overdue[0].household).exists()
    assert Referral.objects.open().filter(deadline__gte=today).exists()
    if today.day > 1:
        assert overdue[0].deadline.month == today.month
    ahead = Referral.objects.filter(status="assigned", deadline__gt=today).get()
    if (today + dt.timedelta(days=1)).month == today.month:
        assert ahead.deadline.month == today.month
    # The township decides what it approves itself (临时救助 within its limit): a one-off grant.
    eligible = Referral.objects.get(status="eligible", decision_level="township", assistance_type="temporary")
    record = AssistanceRecord.objects.get(household=eligible.household, type="temporary")
    assert record.end_date == record.start_date and f"转办{eligible.pk}" in record.note
    assert Referral.objects.filter(status="eligible", decision_level="district").exists()
    ineligible = Referral.objects.get(status="ineligible", real_difficulty=True)
    assert ObservationEntry.objects.filter(household=ineligible.household, removed_on__isnull=True).exists()
    assert Referral.objects.filter(status="ineligible", family_informed=True).exists()
    assert Referral.objects.filter(status="ineligible", family_informed=False).exists()
    notice = Referral.objects.get(status="notice")
    assert notice.notice_start < today < notice.notice_end
    assert Referral.objects.filter(review_date__isnull=False).count() >= 2
    assert Referral.objects.filter(help_first_on=today, paperwork_due__gt=today, discussion_amount__isnull=False,
                                   paperwork_done_on__isnull=True).exists()
    assert Referral.objects.paperwork_late().exists()
    assert Alert.objects.filter(kind="help_first_paperwork_late", status="open").exists()
    assert ReferralStep.objects.filter(action="return").exists()
    # Back-dated steps keep a coherent timeline: each step after the one before.
    for referral in Referral.objects.all():
        times = [s.at for s in referral.steps.all()]
        assert times == sorted(times) and times[0] >= timezone.now() - dt.timedelta(days=29)
    before = (Lead.objects.count(), Referral.objects.count(), ReferralStep.objects.count())
    demo.load()
    assert (Lead.objects.count(), Referral.objects.count(), ReferralStep.objects.count()) == before


def test_demo_without_households_does_nothing(demo):
    from referrals import demo as referrals_demo

    referrals_demo.load()
    assert not Lead.objects.exists()


def test_demo_has_late_and_running_steps_at_every_level(district):
    """环节时限 in the demo: at the village, the township and the district a step past its limit and one not yet
    due, a 急难 lead with hours left, and a 环节超时 alert for each late step of a household."""
    from referrals.steplimits import LimitTable, attach_clocks

    demo.load()
    table = LimitTable()
    clocks = [r.clock for r in attach_clocks(Referral.objects.all(), "referral", table) if r.clock] + \
        [lead.clock for lead in attach_clocks(Lead.objects.all(), "lead", table) if lead.clock]
    for level in ("village", "township", "district"):
        assert any(c.level == level and c.is_late() for c in clocks), level
        assert any(c.level == level and not c.is_late() for c in clocks), level
    assert any(c.in_hours and not c.is_late() and "小时" in c.left_text() for c in clocks
               if c.step == "study")
    late_alerts = Alert.objects.filter(kind="step_overdue", status="open")
    assert late_alerts.filter(source_ref__startswith="lead:").exists()
    assert late_alerts.filter(source_ref__startswith="referral:").count() >= 3
