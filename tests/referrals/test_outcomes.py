"""Decisions are written back to the household: assistance, events, observation list, roster kind."""
from decimal import Decimal

import pytest

from households import services as household_services
from households.models import AssistanceRecord, EventKind, EventSource, HouseholdEvent, ObservationEntry, RosterEntry
from referrals import services

from . import helpers as h

pytestmark = pytest.mark.django_db


def _roster(household, kind):
    return household_services.roster_enter(actor=None, household=household, reasons=["elderly_alone"],
                                           target_kind=kind)


def test_eligible_adds_assistance_an_event_and_moves_missing_to_insufficient(demo):
    h.township_approves(demo, "dibao")  # where the district lets the township approve 低保
    r = h.assigned(demo)
    _roster(r.household, "missing")
    r = services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="dibao", amount="680",
                                          start_date=h.today(), comment="社保所核定")
    record = AssistanceRecord.objects.get(household=r.household)
    assert (record.type, record.monthly_amount, record.end_date) == ("dibao", Decimal("680.00"), None)
    events = HouseholdEvent.objects.filter(household=r.household, source=EventSource.REFERRAL,
                                           source_ref=f"referral:{r.pk}")
    assert events.filter(kind=EventKind.ASSISTANCE_STARTED, actor=demo.township1).exists()
    assert events.filter(kind=EventKind.ROSTER_CHANGED).exists()
    entry = RosterEntry.objects.get(household=r.household)
    assert entry.target_kind == "insufficient"
    assert entry.changes.filter(kind="changed").get().changes == {"target_kind": ["missing", "insufficient"]}


def test_referral_to_a_social_organisation_needs_its_name(demo):
    r = h.assigned(demo, department="charity")
    with pytest.raises(Exception, match="慈善组织或社会组织"):
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="referral_org",
                                          start_date=h.today())
    r = services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="referral_org",
                                          organisation="区慈善基金会", start_date=h.today())
    record = AssistanceRecord.objects.get(household=r.household)
    assert record.type == "other" and "区慈善基金会" in record.note


def test_ineligible_with_real_difficulty_goes_on_the_observation_list(demo):
    r = h.assigned(demo)
    _roster(r.household, "missing")
    with pytest.raises(Exception, match="请写明具体困难"):
        services.referral_decide_ineligible(actor=demo.township1, referral=r, reason="人均收入高于低保标准",
                                            real_difficulty=True)
    r = services.referral_decide_ineligible(actor=demo.township1, referral=r, reason="人均收入高于低保标准",
                                            real_difficulty=True, difficulty="长期服药，支出大")
    entry = ObservationEntry.objects.get(household=r.household)
    assert entry.reason_not_eligible == "人均收入高于低保标准" and entry.difficulty == "长期服药，支出大"
    assert entry.decided_by == demo.township1 and entry.is_open
    assert HouseholdEvent.objects.filter(household=r.household, kind=EventKind.OBSERVATION_ADDED,
                                         source=EventSource.REFERRAL).exists()
    assert RosterEntry.objects.get(household=r.household).target_kind == "warning"
    assert not AssistanceRecord.objects.filter(household=r.household).exists()
    assert r.family_informed is False


def test_ineligible_without_difficulty_records_reason_and_family_informed(demo):
    r = h.assigned(demo)
    _roster(r.household, "insufficient")
    r = services.referral_decide_ineligible(actor=demo.township1, referral=r, reason="子女有赡养能力，已协调赡养",
                                            family_informed=True)
    assert r.ineligible_reason == "子女有赡养能力，已协调赡养" and r.family_informed
    assert not ObservationEntry.objects.filter(household=r.household).exists()
    assert RosterEntry.objects.get(household=r.household).target_kind == "insufficient"


def test_second_refusal_keeps_the_single_observation_entry(demo):
    r = h.assigned(demo)
    household = r.household
    services.referral_decide_ineligible(actor=demo.township1, referral=r, reason="收入超标", real_difficulty=True,
                                        difficulty="医疗支出")
    r2 = h.assigned(demo, household=household)
    services.referral_decide_ineligible(actor=demo.township1, referral=r2, reason="仍然收入超标",
                                        real_difficulty=True, difficulty="医疗支出增加")
    assert ObservationEntry.objects.filter(household=household, removed_on__isnull=True).count() == 1
    assert HouseholdEvent.objects.filter(household=household, source_ref=f"referral:{r2.pk}",
                                         field="observation").exists()


@pytest.mark.parametrize("assistance_type, one_off, ends", [
    ("housing", True, True),      # a one-off housing grant the township ticks as such
    ("housing", None, False),     # left unticked: an ongoing benefit
    ("temporary", None, True),    # temporary assistance is always one-off
])
def test_a_one_off_grant_ends_the_day_it_starts(demo, assistance_type, one_off, ends):
    if assistance_type == "temporary":
        h.township_approves(demo, "temporary")  # no amount limit for the township here
    r = h.assigned(demo)
    services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type=assistance_type,
                                      amount="5000", start_date=h.today(), one_off=one_off)
    record = AssistanceRecord.objects.get(household=r.household)
    assert (record.end_date == record.start_date) is ends and (record.end_date is None) is (not ends)


def test_the_decision_form_offers_one_off(client, demo):
    from django.urls import reverse

    r = h.assigned(demo)
    client.force_login(demo.township1)
    html = client.get(reverse("referrals:step", args=[r.pk, "decide_eligible"])).content.decode()
    assert 'name="one_off"' in html
