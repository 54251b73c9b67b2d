"""The referrals demo loader: living leads and referrals at every step, through the services, once."""
import datetime as dt
from io import StringIO

import pytest
from django.utils import timezone

from households import demo as households_demo
from households.models import AssistanceRecord, ObservationEntry
from referrals import demo
from referrals.models import Lead, Referral, ReferralStep
from visits.models import Alert

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
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "assigned", "eligible", "ineligible", "escalated", "notice"} <= statuses
    today = timezone.localdate()
    overdue = [r for r in Referral.objects.filter(status="assigned") if r.is_overdue]
    assert len(overdue) == 1 and Alert.objects.filter(kind="referral_overdue",
                                                      household=overdue[0].household).exists()
    assert Referral.objects.filter(status="assigned", deadline__gte=today).exists()
    eligible = Referral.objects.get(status="eligible")
    record = AssistanceRecord.objects.get(household=eligible.household, type="dibao")
    assert record.end_date is None and f"转办{eligible.pk}" in record.note
    ineligible = Referral.objects.get(status="ineligible")
    assert ObservationEntry.objects.filter(household=ineligible.household, removed_on__isnull=True).exists()
    notice = Referral.objects.get(status="notice")
    assert notice.notice_start < today < notice.notice_end
    assert Referral.objects.filter(help_first_on=today, paperwork_due__gt=today).exists()
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
