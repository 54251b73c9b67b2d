"""A visit does the quarter's check of a family on the quarterly check list: a review visit that saw it (结合复核走访),
or a face-to-face one that saw the person and asked every check (Visit.checks_the_quarter)."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from households import checks, services as household_services
from households.models import QuarterlyCheck
from tests.households.factories import make_household
from visits.services import visit_log

from .factories import post_data, visit_data

pytestmark = pytest.mark.django_db


def _on_list(demo, entered_on=None):
    household = make_household(demo.village_a, created=dt.date(2019, 1, 1))
    household_services.quarterly_check_place(actor=None, household=household, reason="exited",
                                             entered_on=entered_on or checks.quarter_start(timezone.localdate()))
    return household


def test_a_review_visit_that_sees_the_family_does_the_quarters_check(demo):
    household = _on_list(demo)
    today = timezone.localdate()
    visit, _ = visit_log(actor=demo.caseworker_a, household=household,
                         data=visit_data(today, kind="review", situation="复核：收入稳定，生活正常"))
    check = QuarterlyCheck.objects.get(household=household)
    assert check.visit_id == visit.pk and check.checked_on == today and check.finding == "复核：收入稳定，生活正常"
    assert check.quarter_start == checks.quarter_start(today) and check.recorded_by == demo.caseworker_a
    # A second review visit in the quarter adds nothing.
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(today, kind="review"))
    assert QuarterlyCheck.objects.filter(household=household).count() == 1


def test_a_phone_call_a_visit_with_a_check_unasked_or_one_not_seen_does_not_check(demo):
    """面对面, 全面排查 (seed 003): a call is not face to face; a visit that left a check unasked is not whole."""
    household = _on_list(demo)
    today = timezone.localdate()
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(today, method="phone"))
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(
        today, medical="", situation_clear=False, next_follow_up_on=today + dt.timedelta(days=7)))
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(
        today, kind="review", person_seen=False, not_seen_reason="家中无人", situation_clear=False,
        willingness=""))
    assert not QuarterlyCheck.objects.exists()


def test_a_routine_home_visit_that_asked_every_check_does_the_quarters_check(demo):
    """The family exited 低保 gets its routine visits, not review visits: one at home that saw the person and
    answered every check is the quarter's face-to-face check, and the household page says a visit did it."""
    household = _on_list(demo)
    today = timezone.localdate()
    visit, _ = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(today, situation=""))
    check = QuarterlyCheck.objects.get(household=household)
    assert check.visit_id == visit.pk and check.finding == "当面见到本人，逐项了解后完成排查。"


def test_a_review_visit_of_a_family_not_on_the_list_records_no_check(demo):
    household = make_household(demo.village_a, created=dt.date(2019, 1, 1))
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(timezone.localdate(), kind="review"))
    assert not QuarterlyCheck.objects.exists()


def test_the_visit_form_logs_a_review_and_the_household_page_says_the_visit_did_the_check(client, demo):
    household = _on_list(demo)
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("visits:visit_new", args=[household.pk]), post_data(household, kind="review"))
    assert response.status_code == 302
    check = QuarterlyCheck.objects.get(household=household)
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "结合走访" in html and reverse("visits:visit_detail", args=[check.visit_id]) in html
    # A form posted without a kind (an older page) logs a routine visit: by phone, it is no check.
    other = _on_list(demo)
    assert client.post(reverse("visits:visit_new", args=[other.pk]), post_data(other, method="phone")).status_code == 302
    assert not QuarterlyCheck.objects.filter(household=other).exists()
