"""The approval demo (referrals.demo_approval): every branch of what follows 公示, once."""
import pytest
from django.utils import timezone

from households import demo as households_demo
from households.models import AssistanceRecord
from referrals import demo as referrals_demo
from referrals import demo_approval
from referrals.models import ApprovalRequest, NoticeObjection, ObjectionHotline, Referral, ReferralStatus as S
from referrals.selectors_approval import notice_board_rows

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_branch_and_is_idempotent(demo, monkeypatch):
    monkeypatch.setattr(households_demo, "DEMO_HOUSEHOLDS", 240)
    households_demo.load()
    referrals_demo.load()
    demo_approval.load()
    today = timezone.localdate()
    mine = Referral.objects.filter(lead__dedupe_key__startswith=demo_approval.KEY)
    assert mine.count() == 7
    assert NoticeObjection.objects.count() == 2
    assert mine.filter(status=S.ASSIGNED, objections__isnull=False).exists()  # back to investigation
    assert mine.filter(status=S.NOTICE, objections__isnull=False).exists()  # published again
    assert mine.filter(status=S.NOTICE, notice_end__lt=today, objections__isnull=True).count() == 1  # to submit
    pending = ApprovalRequest.objects.pending()
    assert pending.count() == 2 and pending.overdue().count() == 1
    assert pending.filter(due_on__gt=today).count() == 1
    approved = ApprovalRequest.objects.get(state="approved")
    assert AssistanceRecord.objects.filter(household=approved.referral.household, type="dibao").exists()
    refused = ApprovalRequest.objects.get(state="refused")
    assert refused.referral.status == S.INELIGIBLE and not refused.referral.family_informed
    assert ObjectionHotline.objects.count() == 2
    assert notice_board_rows(approved.referral.village_id, today)
    before = (Referral.objects.count(), ApprovalRequest.objects.count(), NoticeObjection.objects.count())
    demo_approval.load()
    assert (Referral.objects.count(), ApprovalRequest.objects.count(), NoticeObjection.objects.count()) == before
