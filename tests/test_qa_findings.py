"""What a fresh user trying the demo district found, each fixed with a test."""
import pytest
from django.urls import reverse

from households.models import Relation
from referrals import services
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db


def test_a_lead_turned_into_a_referral_does_not_presume_the_wish_to_apply(client, demo):
    lead = services.lead_create(actor=demo.caseworker_a, channel="report", village=demo.village_a,
                                household=make_household(demo.village_a), description="邻居反映")
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("referrals:lead_detail", args=[lead.pk])).content.decode()
    checkbox = html[html.index('name="willing"') - 200:html.index('name="willing"') + 200]
    assert "checked" not in checkbox


def test_a_township_referral_from_a_lead_says_it_went_to_the_township(client, demo):
    lead = services.lead_create(actor=demo.township1, channel="hotline", village=demo.village_a,
                                household=make_household(demo.village_a), description="热线反映")
    client.force_login(demo.township1)
    response = client.post(reverse("referrals:lead_action", args=[lead.pk, "refer"]),
                           {"version": lead.version, "summary": "独居老人", "requested": "", "urgency": "normal", "willing": "on"},
                           follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("已报乡镇" in m for m in messages), messages
    assert not any("村级转办草稿" in m for m in messages), messages


def test_the_referral_page_names_the_family(client, demo):
    from tests.referrals.helpers import draft

    referral = draft(demo)
    head = referral.household.members.get(relation=Relation.HEAD)
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    shown = html[html.index('data-testid="referral-household"'):][:400]
    assert head.name in shown


def test_the_first_member_of_an_empty_household_defaults_to_head(client, demo):
    pass

    household = make_household(demo.village_a, head_name=None, residence_address="华阳路 9 号")
    client.force_login(demo.caseworker_a)
    form = client.get(reverse("households:member_add", args=[household.pk])).context["form"]
    assert form.initial["relation"] == Relation.HEAD


def test_the_alert_list_says_how_many_it_holds(client, demo):
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("alerts:list")).content.decode()
    assert 'data-testid="alert-total"' in html and "共 0 条" in html
