"""A search term never reaches an address (relief.search_terms): the lists' search forms post, the term is
kept in the session under a token and the list is served at its GET address with ?qt=<token>; paging keeps
the search; a token outside the session that made it finds nothing and says so."""
import re

import pytest
from django.urls import reverse

from relief.search_terms import KEPT_TERMS, SESSION_KEY
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db

SEARCHED_LISTS = [
    ("households:list", "township1", {}),
    ("alerts:list", "township1", {"status": "all"}),
    ("referrals:lead_list", "township1", {}),
    ("referrals:list", "township1", {"status": ""}),
    ("audit_log", "auditor", {}),
]


def _id_of(household):
    return household.members.get().id_number


@pytest.mark.parametrize("url_name, who, filters", SEARCHED_LISTS)
def test_each_list_answers_a_posted_search_at_an_address_without_the_term(client, demo, url_name, who, filters):
    household = make_household(demo.village_a, actor=demo.caseworker_a, head_name="曾建国")
    number = _id_of(household)
    client.force_login(getattr(demo, who))
    page = client.get(reverse(url_name)).content.decode()
    assert re.search(r'<form method="post"[^>]*role="search"', page), "the search form posts"
    response = client.post(reverse(url_name), {"q": number, "page": "3", **filters})
    assert response.status_code == 303
    address = response["Location"]
    assert number not in address and number[-6:] not in address and "q=" not in address.replace("qt=", "")
    assert address.startswith(reverse(url_name) + "?") and "qt=" in address and "page=" not in address
    for name, value in filters.items():
        assert f"{name}={value}" in address
    shown = client.get(address)
    assert shown.status_code == 200
    assert shown.context["form"]["q"].value() == number, "the box still holds what was searched"


def test_the_household_list_finds_the_family_by_its_id_number_and_pages_with_the_token(client, demo):
    wanted = make_household(demo.village_a, actor=demo.caseworker_a, head_name="曾建国",
                            residence_address="安化路200弄3号")
    for n in range(21):
        make_household(demo.village_a, actor=demo.caseworker_a, head_name=f"安化{n}", residence_address=f"安化路{n}号")
    client.force_login(demo.township1)
    address = client.post(reverse("households:list"), {"q": _id_of(wanted)})["Location"]
    rows = client.get(address).context["page"].object_list
    assert [row.pk for row in rows] == [wanted.pk]

    address = client.post(reverse("households:list"), {"q": "安化"})["Location"]
    page = client.get(address).content.decode()
    token = re.search(r"qt=([\w-]+)", address).group(1)
    next_link = re.search(r'href="(\?[^"]*page=2[^"]*)"', page).group(1).replace("&amp;", "&")
    assert f"qt={token}" in next_link and "安化" not in next_link
    second = client.get(reverse("households:list") + next_link)
    assert second.context["page"].number == 2 and second.context["form"]["q"].value() == "安化"


def test_the_same_term_keeps_its_token_and_the_session_keeps_a_bounded_number(client, demo):
    client.force_login(demo.township1)
    first = client.post(reverse("households:list"), {"q": "建国"})["Location"]
    again = client.post(reverse("households:list"), {"q": "建国"})["Location"]
    assert first == again
    for n in range(KEPT_TERMS + 5):
        client.post(reverse("households:list"), {"q": f"张{n}"})
    assert len(client.session[SESSION_KEY]) == KEPT_TERMS
    assert "建国" not in client.session[SESSION_KEY].values(), "the oldest is forgotten first"


def test_a_token_from_another_session_searches_nothing_and_says_so(client, demo, django_user_model):
    household = make_household(demo.village_a, actor=demo.caseworker_a, head_name="曾建国")
    client.force_login(demo.township1)
    address = client.post(reverse("households:list"), {"q": _id_of(household)})["Location"]
    client.logout()
    client.force_login(demo.township1)
    response = client.get(address)
    assert response.status_code == 200
    assert response.context["form"]["q"].value() in (None, "")
    assert "请重新输入搜索内容" in response.content.decode()


def test_an_empty_search_leaves_no_token(client, demo):
    client.force_login(demo.township1)
    response = client.post(reverse("households:list"), {"q": "  ", "village": ""})
    assert response.status_code == 303 and "qt=" not in response["Location"]


def test_the_township_referral_queue_keeps_its_opening_filter_until_a_search_is_posted(client, demo):
    client.force_login(demo.township1)
    opening = client.get(reverse("referrals:list"))
    assert opening.context["form"]["status"].value() == "submitted"
    address = client.post(reverse("referrals:list"), {"q": "建国", "status": ""})["Location"]
    searched = client.get(address)
    assert searched.context["form"]["status"].value() in ("", None)
    assert searched.context["form"]["q"].value() == "建国"


def test_a_posted_search_needs_the_form_token_of_the_session(demo):
    from django.test import Client

    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(demo.township1)
    assert guarded.post(reverse("households:list"), {"q": "建国"}).status_code == 403


def test_a_search_the_township_queue_narrows_says_so_and_links_to_all(client, demo):
    from tests.referrals.helpers import draft

    household = make_household(demo.village_a, actor=demo.caseworker_a, head_name="曾建国")
    referral = draft(demo, household=household)  # a draft: not among the submitted ones the queue opens on
    client.force_login(demo.township1)
    queue = client.get(reverse("referrals:list")).content.decode()
    assert 'data-testid="search-everywhere"' not in queue, "no search, nothing to say"
    posted = client.post(reverse("referrals:list"), {"q": "曾建国", "status": "submitted", "handled_here": "on"})
    narrowed = client.get(posted["Location"])
    assert list(narrowed.context["page"].object_list) == []
    hint = narrowed.content.decode()
    assert re.search(r'data-testid="search-narrowed-by">状态：已报乡镇；[^<]*本级', hint), "the hint names the filters"
    link = re.search(r'data-testid="search-everywhere".*?href="([^"]+)"', hint, re.S)
    everywhere = link.group(1).replace("&amp;", "&")
    assert "曾建国" not in everywhere and "qt=" in everywhere
    found = client.get(everywhere)
    assert [r.pk for r in found.context["page"].object_list] == [referral.pk]
    assert 'data-testid="search-everywhere"' not in found.content.decode()


def test_an_alert_search_among_the_unhandled_links_to_every_status(client, demo):
    from alerts.models import AlertKind
    from alerts.services import alert_close, alert_open

    household = make_household(demo.village_a, actor=demo.caseworker_a, head_name="曾建国")
    alert, _ = alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="家庭成员住院", dedupe_key="t:1")
    alert_close(actor=demo.township1, alert=alert, note="已走访")
    client.force_login(demo.township1)
    narrowed = client.get(client.post(reverse("alerts:list"), {"q": "曾建国", "status": "unhandled"})["Location"])
    assert list(narrowed.context["page"].object_list) == []
    everywhere = narrowed.context["search_everywhere"]["address"]
    assert "status=all" in everywhere
    assert [a.pk for a in client.get(everywhere).context["page"].object_list] == [alert.pk]


def test_the_household_and_alert_pages_lead_back_to_the_list_as_it_was_searched(client, demo):
    from alerts.models import AlertKind
    from alerts.services import alert_open

    household = make_household(demo.village_a, actor=demo.caseworker_a, head_name="曾建国")
    alert, _ = alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="家庭成员住院", dedupe_key="t:b")
    client.force_login(demo.township1)
    fresh = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert f'href="{reverse("households:list")}">' in fresh, "not from a list: the list itself"
    for list_name, page in [("households:list", reverse("households:detail", args=[household.pk])),
                            ("alerts:list", reverse("alerts:detail", args=[alert.pk]))]:
        address = client.post(reverse(list_name), {"q": "曾建国", "page": "1"})["Location"] + "&page=1"
        opened = client.get(page, HTTP_REFERER=f"http://testserver{address}").content.decode()
        back = re.search(r'href="([^"]*)">← ', opened).group(1).replace("&amp;", "&")
        assert back == address and "曾建国" not in back


@pytest.mark.parametrize("referer", ["https://elsewhere.example/households/?qt=x", "http://testserver/alerts/?qt=x",
                                     "javascript:alert(1)", ""])
def test_a_back_link_never_leads_off_its_list(rf, referer):
    from relief.search_terms import last_list_address

    request = rf.get("/", HTTP_REFERER=referer)
    assert last_list_address(request, "households:list") == reverse("households:list")
