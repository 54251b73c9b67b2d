"""A refused application (a referral decided ineligible) puts the family on the quarterly check (seed 003
§二(二)2), unless it declined the check in writing."""
import pytest

from households import services as household_services
from households.models import QuarterlyCheckEntry
from referrals import services

from . import helpers as h

pytestmark = pytest.mark.django_db


def test_a_refusal_puts_the_family_on_the_quarterly_check(demo):
    r = h.assigned(demo)
    services.referral_decide_ineligible(actor=demo.township1, referral=r, reason="人均收入高于低保标准")
    entry = QuarterlyCheckEntry.objects.get(household=r.household)
    assert entry.reason == "refused" and entry.is_open and entry.source_ref == f"referral:{r.pk}"
    assert "人均收入高于低保标准" in entry.detail and entry.entered_by == demo.township1


def test_a_written_refusal_keeps_a_refused_family_off(demo):
    r = h.assigned(demo)
    household_services.written_refusal_record(actor=demo.caseworker_a, household=r.household,
                                              refused_on=h.today(), note="签字拒绝")
    services.referral_decide_ineligible(actor=demo.township1, referral=r, reason="人均收入高于低保标准")
    assert not QuarterlyCheckEntry.objects.filter(household=r.household).exists()


def test_an_eligible_decision_puts_nobody_on(demo):
    r = h.assigned(demo)
    services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="temporary", amount=500,
                                      start_date=h.today())
    assert not QuarterlyCheckEntry.objects.exists()
