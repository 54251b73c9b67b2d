"""Every number on a home card opens a list of exactly that many rows, on the demo district."""
import re

import pytest

from relief.home import home_cards

pytestmark = pytest.mark.django_db

ROLES = ["caseworker1", "caseworker5", "township1", "township2", "district", "admin", "shebao1"]


def listed_rows(response) -> int | None:
    """How many rows the list page holds: its paginator's count, else the rows it marks `data-row`."""
    context = response.context
    for name in ("page", "page_obj"):
        page = context.get(name) if context is not None else None
        if page is not None and hasattr(page, "paginator"):
            return page.paginator.count
    rows = response.content.decode().count(" data-row")
    return rows if rows else None


def shown_total(response, testid) -> int | None:
    match = re.search(rf'data-testid="{re.escape(testid)}"[^>]*>\s*([0-9]+)\s*<', response.content.decode())
    return int(match.group(1)) if match else None


@pytest.mark.parametrize("username", ROLES)
def test_each_home_card_count_equals_the_rows_of_its_list(client, full_demo, username):
    user = full_demo.users[username]
    client.force_login(user)
    problems = []
    cards = home_cards(user)
    assert cards, "every role has something on its home page"
    for card in cards:
        if not isinstance(card.count, int):
            continue
        if not card.url:
            problems.append(f"{card.title}: {card.count} links nowhere")
            continue
        response = client.get(card.url)
        if response.status_code != 200:
            problems.append(f"{card.title}: {card.url} answered {response.status_code}")
            continue
        if card.total_testid:
            total = shown_total(response, card.total_testid)
            if total != card.count:
                problems.append(f"{card.title}: card says {card.count}, {card.url} totals {total}")
            continue
        rows = listed_rows(response)
        if rows != card.count:
            problems.append(f"{card.title}: card says {card.count}, {card.url} lists {rows}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("username", ROLES)
def test_each_navigation_badge_equals_the_rows_of_its_page(client, full_demo, username):
    from django.test import RequestFactory

    from relief.context_processors import navigation

    user = full_demo.users[username]
    client.force_login(user)
    request = RequestFactory().get("/")
    request.user = user
    badges = [item for item in navigation(request)["nav_items"] if item["badge"] is not None]
    for item in badges:
        assert listed_rows(client.get(item["url"])) == item["badge"], item
