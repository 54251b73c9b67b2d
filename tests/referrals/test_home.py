"""Home cards on the demo district: each number opens a list of exactly that many rows, for every role,
and no card, link or household-page link sends a role to a page it cannot open."""
import pytest
from django.urls import reverse

from households import demo as households_demo
from referrals import demo as referrals_demo
from referrals.home import cards
from referrals.models import Referral

pytestmark = pytest.mark.django_db

USERS = ["caseworker1", "caseworker6", "township1", "township2", "district", "admin"]


@pytest.fixture
def district(demo, monkeypatch):
    monkeypatch.setattr(households_demo, "DEMO_HOUSEHOLDS", 240)
    households_demo.load()
    referrals_demo.load()
    return demo


def _rows(response) -> int:
    return response.context["page"].paginator.count


@pytest.mark.parametrize("username", USERS)
def test_every_card_opens_a_list_of_exactly_its_count(client, district, username):
    user = district.users[username]
    client.force_login(user)
    for card in cards(user):
        assert card.url, card.title
        response = client.get(card.url)
        assert response.status_code == 200, (username, card.title, card.url)
        assert _rows(response) == card.count, (username, card.title, card.url)


def test_the_help_first_card_counts_paperwork_still_due(client, district):
    """先行救助 with the paperwork not completed yet is counted, whether or not its date has passed."""
    pending = Referral.objects.filter(help_first_on__isnull=False, paperwork_done_on__isnull=True)
    township = district.users["township2"]
    card = next(c for c in cards(township) if c.title == "先行救助待补手续")
    mine = pending.filter(village__parent=township.jurisdiction).count()
    assert card.count == mine > 0
    client.force_login(township)
    rows = client.get(card.url).context["page"].object_list
    assert {r.pk for r in rows} == set(pending.filter(village__parent=township.jurisdiction)
                                       .values_list("pk", flat=True))


@pytest.mark.parametrize("username", USERS)
def test_no_card_or_household_section_link_is_refused(client, district, username):
    user = district.users[username]
    client.force_login(user)
    referral = Referral.objects.filter(lead__isnull=False).order_by("pk").first()
    page = client.get(reverse("households:detail", args=[referral.household_id]))
    if page.status_code == 404:  # another jurisdiction's family: nothing to follow
        return
    body = page.content.decode()
    links = {reverse("referrals:detail", args=[referral.pk]), reverse("referrals:lead_detail", args=[referral.lead_id]),
             reverse("referrals:create", args=[referral.household_id])}
    for url in [c.url for c in cards(user)] + [u for u in links if f'href="{u}"' in body]:
        assert client.get(url).status_code == 200, (username, url)


def test_the_admin_household_page_lists_referrals_without_links(client, district):
    referral = Referral.objects.filter(lead__isnull=False).order_by("pk").first()
    client.force_login(district.users["admin"])
    body = client.get(reverse("households:detail", args=[referral.household_id])).content.decode()
    assert f"转办{referral.pk}" in body
    assert f'href="{reverse("referrals:detail", args=[referral.pk])}"' not in body
    assert f'href="{reverse("referrals:lead_detail", args=[referral.lead_id])}"' not in body


def test_the_admin_dashboard_does_not_link_the_lead_list(client, district):
    """The admin opens 统计 from the navigation: the funnel shows the leads without a link it would be refused."""
    client.force_login(district.users["admin"])
    body = client.get(reverse("ledgers:dashboard")).content.decode()
    assert "受理线索" in body and f'href="{reverse("referrals:lead_list")}"' not in body
    client.force_login(district.users["district"])
    assert f'href="{reverse("referrals:lead_list")}"' in client.get(reverse("ledgers:dashboard")).content.decode()
