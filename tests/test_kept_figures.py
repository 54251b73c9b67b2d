"""Figures kept between looks (issue 14) are read from the cache on the next look and are current the moment
a write commits: the registry's total, a caseworker's watched households (the worklist), and the lead and
referral cards of the home page (relief/figure_cache.py under the records' stamp, relief/data_version.py).

These tests commit (transaction=True), as a deployment does: a stamp is replaced only when a write's
transaction commits, and a test inside one open transaction would compute every figure afresh."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals.models import LeadChannel
from referrals.services import lead_close, lead_create
from relief.models import Jurisdiction, JurisdictionLevel, Role
from tests.households.factories import make_household
from tests.visits.factories import make_roster, visit_data
from visits.services import visit_log

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def district():
    from relief.demo import load_demo_district

    load_demo_district()
    return Jurisdiction.objects.filter(level=JurisdictionLevel.VILLAGE).order_by("code").first()


def _counts(queries, table: str) -> int:
    return sum(1 for q in queries if q["sql"].startswith("SELECT COUNT") and f'"{table}"' in q["sql"])


def _total(page: str) -> int:
    return int(re.search(r'data-testid="household-count"[^>]*>\D*(\d+)', page).group(1))


def test_the_registry_total_is_kept_and_a_new_household_counts_at_once(client, district, make_staff):
    staff = make_staff(Role.TOWNSHIP, district.parent)
    make_roster(district)
    client.force_login(staff)
    url = reverse("households:list")
    first = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as later:
        again = client.get(url).content.decode()
    assert _counts(later.captured_queries, "households_household") == 0
    assert _total(again) == _total(first)
    make_household(district, actor=staff)
    assert _total(client.get(url).content.decode()) == _total(first) + 1
    # A search or a filter counts what it finds, never the kept total ("not on the roster" is a filter too).
    assert _total(client.get(url, {"q": "张建华"}).content.decode()) >= 1
    from households.models import Household

    scope = Household.objects.filter(village__parent=district.parent)
    for params, expected in (({"on_roster": "0"}, scope.filter(roster_kind="")),
                             ({"on_observation": "0"}, scope.filter(observation_review_on__isnull=True)),
                             ({"on_roster": "1"}, scope.exclude(roster_kind=""))):
        assert _total(client.get(url, params).content.decode()) == expected.count(), params


def test_the_worklist_is_kept_and_a_logged_visit_shows_at_once(client, district, make_staff):
    caseworker = make_staff(Role.CASEWORKER, district)
    household = make_roster(district, caseworker=caseworker)  # entered 2024: long overdue
    client.force_login(caseworker)
    url = reverse("visits:worklist")
    assert f'/households/{household.pk}/' in client.get(url, {"show": "overdue"}).content.decode()
    with CaptureQueriesContext(connection) as later:
        client.get(url)
    assert not any("households_rosterentry" in q["sql"] for q in later.captured_queries)
    visit_log(actor=caseworker, household=household, data=visit_data(timezone.localdate()))
    assert f'/households/{household.pk}/' not in client.get(url, {"show": "overdue"}).content.decode()


def _open_leads_card(page: str) -> int:
    return int(re.search(r'href="/referrals/leads/\?status=open"[^>]*>\s*<span class="num"[^>]*>(\d+)', page).group(1))


def test_the_open_leads_card_is_kept_and_a_closed_lead_leaves_it_at_once(client, district, make_staff):
    staff = make_staff(Role.TOWNSHIP, district.parent)
    lead = lead_create(actor=staff, channel=LeadChannel.WALK_IN, description="独居老人行动不便", village=district,
                       subject_name="李秀英")
    client.force_login(staff)
    before = _open_leads_card(client.get(reverse("home")).content.decode())
    with CaptureQueriesContext(connection) as later:
        assert _open_leads_card(client.get(reverse("home")).content.decode()) == before
    assert _counts(later.captured_queries, "referrals_lead") == 0
    lead_close(actor=staff, lead=lead, reason="经核实已享受低保")
    assert _open_leads_card(client.get(reverse("home")).content.decode()) == before - 1


def _lead_total(page: str) -> int:
    return int(re.search(r'<p class="muted">\s*共 (\d+) 条', page).group(1))


def test_the_lead_total_is_kept_and_a_new_lead_counts_at_once(client, district, make_staff):
    from referrals.models import Lead

    staff = make_staff(Role.TOWNSHIP, district.parent)
    first_lead = lead_create(actor=staff, channel=LeadChannel.WALK_IN, description="独居老人行动不便",
                             village=district, subject_name="李秀英")
    client.force_login(staff)
    url = reverse("referrals:lead_list")
    first = _lead_total(client.get(url).content.decode())
    with CaptureQueriesContext(connection) as later:
        assert _lead_total(client.get(url).content.decode()) == first
    assert _counts(later.captured_queries, "referrals_lead") == 0
    lead_create(actor=staff, channel=LeadChannel.HOTLINE, description="突发重病，家中无人照料", village=district,
                subject_name="王建国")
    assert _lead_total(client.get(url).content.decode()) == first + 1
    # A filter or a search counts what it finds, never the kept total.
    lead_close(actor=staff, lead=first_lead, reason="经核实已享受低保")
    scope = Lead.objects.filter(village__parent=district.parent)
    for params, expected in (({"status": "open"}, scope.exclude(pk=first_lead.pk)),
                             ({"channel": LeadChannel.HOTLINE}, scope.filter(channel=LeadChannel.HOTLINE)),
                             ({"village": str(district.pk)}, scope.filter(village=district)),
                             ({"q": "王建国"}, scope.filter(subject_name="王建国"))):
        assert _lead_total(client.get(url, params).content.decode()) == expected.count(), params


def _card(page: str, href: str) -> int | None:
    found = re.search(r'href="' + re.escape(href) + r'"[^>]*>\s*<span class="num"[^>]*>(\d+)', page)
    return int(found.group(1)) if found else None


def test_the_care_agreement_card_is_kept_and_a_new_agreement_leaves_it_at_once(client, district, make_staff):
    from tests.households.test_care_agreements import agree, tekun_person

    staff = make_staff(Role.TOWNSHIP, district.parent)
    person = tekun_person(district)
    client.force_login(staff)
    href = reverse("households:care_list") + "?show=due"
    before = _card(client.get(reverse("home")).content.decode(), href)
    assert before >= 1
    with CaptureQueriesContext(connection) as later:
        assert _card(client.get(reverse("home")).content.decode(), href) == before
    assert not any("households_careagreement" in q["sql"] for q in later.captured_queries)
    agree(person, actor=staff)
    assert (_card(client.get(reverse("home")).content.decode(), href) or 0) == before - 1


def test_the_villages_without_an_assistant_card_is_kept_and_a_new_assistant_counts_at_once(
        client, district, make_staff):
    from plans import services as plan_services
    from plans.models import TeamRole, TeamMember

    staff = make_staff(Role.TOWNSHIP, district.parent)
    TeamMember.objects.filter(villages=district).delete()
    from relief.models import User

    User.objects.filter(role=Role.CASEWORKER, jurisdiction=district).update(is_active=False)
    client.force_login(staff)
    href = reverse("plans:team_list")
    before = _card(client.get(reverse("home")).content.decode(), href)
    assert before >= 1
    with CaptureQueriesContext(connection) as later:
        assert _card(client.get(reverse("home")).content.decode(), href) == before
    assert not any('"plans_teammember"' in q["sql"] for q in later.captured_queries)
    plan_services.team_member_save(actor=staff, township=district.parent, villages=[district], data=dict(
        role=TeamRole.ASSISTANT, name="王秀梅", sex="F", position="协理员", phone="13816627731"))
    assert (_card(client.get(reverse("home")).content.decode(), href) or 0) == before - 1
