"""An alert whose work is no visit offers where it is done (alerts.sources.household_step): the observation
review, the care agreement, the service type; the visit stays beside it."""

import pytest
from django.urls import reverse

from alerts.care_jobs import care_agreement_scan
from alerts.models import Alert, AlertKind
from alerts.services import alert_open
from tests.households.factories import make_household
from tests.households.test_care_agreements import tekun_person

pytestmark = pytest.mark.django_db


def _alert_page(client, alert):
    return client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()


def test_a_care_agreement_alert_leads_to_the_familys_care_agreements(client, demo):
    person = tekun_person(demo.village_a, caseworker=demo.caseworker_a)
    care_agreement_scan()
    alert = Alert.objects.get(kind=AlertKind.CARE_AGREEMENT_DUE, household=person.household)
    client.force_login(demo.caseworker_a)
    page = _alert_page(client, alert)
    target = reverse("households:detail", args=[person.household_id]) + "#care-agreements"
    assert f'href="{target}" data-testid="alert-household-step">登记照料协议</a>' in page
    assert reverse("visits:visit_new", args=[person.household_id]) in page, "the visit stays beside it"
    household_page = client.get(target.split("#")[0]).content.decode()
    assert 'id="care-agreements"' in household_page


def test_an_observation_review_alert_leads_to_the_review_form(client, demo):
    household = make_household(demo.village_a, actor=demo.caseworker_a)
    alert, _ = alert_open(kind=AlertKind.OBSERVATION_REVIEW_DUE, household=household,
                          reason="观察名单复核日期已到", dedupe_key="t:review")
    client.force_login(demo.township1)
    page = _alert_page(client, alert)
    assert reverse("households:observation_review", args=[household.pk]) in page


def test_a_visit_alert_offers_the_visit_alone(client, demo):
    household = make_household(demo.village_a, actor=demo.caseworker_a)
    alert, _ = alert_open(kind=AlertKind.OVERDUE_VISIT, household=household, reason="逾期未走访", dedupe_key="t:v")
    client.force_login(demo.caseworker_a)
    page = _alert_page(client, alert)
    assert 'data-testid="alert-household-step"' not in page
    assert reverse("visits:visit_new", args=[household.pk]) in page
