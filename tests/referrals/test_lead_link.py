"""A lead and its referral: linked both ways, the lead 已转办 at once, never two referrals from one lead."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Lead, LeadStatus, Referral
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db


def _open_lead(demo, household=None):
    household = household or make_household(demo.village_a)
    lead = services.lead_create(actor=demo.township1, channel="hotline", household=household,
                                description="老人独居，无收入来源")
    return services.lead_start(actor=demo.caseworker_a, lead=lead)


def test_a_referral_started_on_the_household_page_takes_the_open_lead_along(client, demo):
    lead = _open_lead(demo)
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("referrals:create", args=[lead.household_id]),
                           {"summary": "老人独居", "urgency": "normal", "willing": "on"})
    referral = Referral.objects.get(household=lead.household)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.REFERRED and referral.lead_id == lead.pk
    page = client.get(reverse("referrals:lead_detail", args=[lead.pk])).content.decode()
    assert reverse("referrals:detail", args=[referral.pk]) in page
    assert "data-testid=\"lead-refer\"" not in page and "转为转办" not in page
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert reverse("referrals:lead_detail", args=[lead.pk]) in page


def test_a_referral_from_a_plan_measure_moves_the_household_lead(demo):
    from plans import services as plan_services
    from plans.demo import load as load_plans_demo
    from plans.models import Resource

    load_plans_demo()
    lead = _open_lead(demo)
    need = plan_services.need_create(actor=demo.caseworker_a, household=lead.household, kind="basic_living",
                                     description="生活困难")
    resource = Resource.objects.filter(villages=demo.village_a).first()
    item = plan_services.plan_item_create(actor=demo.caseworker_a, household=lead.household, need=need,
                                          action="心理疏导", owner=demo.caseworker_a, due_date=timezone.localdate(),
                                          resource=resource)
    referral = plan_services.plan_item_refer(actor=demo.caseworker_a, item=item)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.REFERRED and lead.referral == referral


def test_a_lead_gives_one_referral_however_often_it_is_submitted(client, demo):
    lead = _open_lead(demo)
    client.force_login(demo.caseworker_a)
    url = reverse("referrals:lead_action", args=[lead.pk, "refer"])
    form = {"summary": "老人独居", "urgency": "normal", "willing": "on"}
    first = client.post(url, {**form, "version": lead.version})
    assert first.status_code == 302 and Referral.objects.filter(lead=lead).count() == 1
    # The same form again (a double tap), and once more without a version (a stale page): refused in words.
    again = client.post(url, {**form, "version": lead.version}, follow=True).content.decode()
    assert "该线索已被他人处理" in again
    stale = client.post(url, form, follow=True).content.decode()
    assert "该线索当前为“已转办”，不能再转办" in stale
    assert Referral.objects.count() == 1
    with pytest.raises(ValidationError, match="不能再转办"):
        services.referral_create(actor=demo.caseworker_a, household=lead.household, summary="再来一次",
                                 lead=Lead.objects.get(pk=lead.pk))


def test_a_second_lead_of_a_family_already_referred_is_not_offered_a_referral(client, demo):
    first = _open_lead(demo)
    second = _open_lead(demo, household=first.household)
    referral = services.lead_to_referral(actor=demo.caseworker_a, lead=first)
    client.force_login(demo.caseworker_a)
    page = client.get(reverse("referrals:lead_detail", args=[second.pk])).content.decode()
    assert "data-testid=\"lead-refer\"" not in page
    assert "该家庭已有正在办理的转办" in page and reverse("referrals:detail", args=[referral.pk]) in page


def test_township_staff_turn_a_lead_into_a_referral_from_its_page(client, demo):
    lead = _open_lead(demo)
    client.force_login(demo.township1)
    page = client.get(reverse("referrals:lead_detail", args=[lead.pk])).content.decode()
    assert "data-testid=\"lead-refer\"" in page
    response = client.post(reverse("referrals:lead_action", args=[lead.pk, "refer"]),
                           {"summary": "老人独居", "urgency": "normal", "willing": "on", "version": lead.version})
    referral = Referral.objects.get(lead=lead)
    assert response.url == reverse("referrals:detail", args=[referral.pk])
    assert referral.status == "submitted"
