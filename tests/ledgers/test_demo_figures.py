"""On the full demo district (as `make run` loads it), every number on the dashboard links to a list of
exactly that many rows, for township staff and for the district official."""
import html as html_lib
import re

import pytest
from django.urls import reverse

from .helpers import listed_count

pytestmark = pytest.mark.django_db
ALERT_ROW = re.compile(r'href="/alerts/\d+/"')
NEXT_PAGE = re.compile(r'<a href="(\?[^"]*)">下一页</a>')

# Where each figure sits on the page: (name, pattern giving (url, number) pairs within the page).
A = r'<a href="([^"]+)"[^>]*>(\d+)</a>'
FIGURES = {
    "stat-total": r'<a class="stat" href="([^"]+)"><span class="num" data-testid="stat-total">(\d+)</span>',
    "stat-roster": r'<a class="stat" href="([^"]+)"><span class="num" data-testid="stat-roster">(\d+)</span>',
    "stat-observation": r'<a class="stat" href="([^"]+)"><span class="num" data-testid="stat-observation">(\d+)</span>',
    "stat-exits": r'<a class="stat" href="([^"]+)"><span class="num" data-testid="stat-exits">(\d+)</span>',
    "categories": r'<td><a href="(/households/\?[^"]*category=[^"]+)" data-testid="category-\d+">(\d+)</a></td>',
    "kinds": r'<td><a href="(/households/\?[^"]*target_kind=[^"]+)">(\d+)</a></td>',
    "areas": r'<td><a href="(/households/\?(?:[^"]*&amp;)?(?:township|village)=\d+)">(\d+)</a></td>',
    "monthly-new": r'<td><a href="(/ledgers/dashboard/rows/\?figure=new_assistance[^"]*)">(\d+)</a></td>',
    "monthly-observed": r'<td><a href="(/ledgers/dashboard/rows/\?figure=observed[^"]*)">(\d+)</a></td>',
    "visits-overdue": r'<td><a href="(/alerts/\?kind=overdue_visit&amp;village=\d+)">(\d+)</a></td>',
    "overdue-total": r'<a href="(/alerts/[^"]*)" data-testid="overdue-total">(\d+)</a>',
    "funnel": r'<td><a href="(/ledgers/dashboard/rows/\?figure=(?:leads|referred|submitted|decided|eligible)[^"]*)">'
              r'(\d+)</a></td>',
}


def rows_behind(client, url: str) -> int | None:
    """How many rows the list at `url` has: its stated total, or for the alert inbox the rows of every page."""
    stated = listed_count(client, url)
    if stated is not None or not url.startswith("/alerts/"):
        return stated
    total, page_url = 0, url
    while page_url:
        page = client.get(page_url).content.decode()
        total += len(ALERT_ROW.findall(page))
        nxt = NEXT_PAGE.search(page)
        page_url = "/alerts/" + html_lib.unescape(nxt[1]) if nxt else None
    return total


@pytest.fixture(scope="module")
def pages(full_demo, django_db_blocker):
    """The dashboard as each user first sees it (rendered once per module)."""
    return {}


def dashboard_html(client, user, cache):
    if user.username not in cache:
        client.force_login(user)
        cache[user.username] = client.get(reverse("ledgers:dashboard")).content.decode()
    return cache[user.username]


@pytest.mark.parametrize("username", ["township1", "district"])
@pytest.mark.parametrize("figure", list(FIGURES))
def test_each_dashboard_figure_links_to_that_many_rows(client, full_demo, pages, username, figure):
    user = full_demo.users[username]
    html = dashboard_html(client, user, pages)
    client.force_login(user)
    found = re.findall(FIGURES[figure], html)
    assert found, f"{figure} is not on the dashboard of {username}"
    for url, number in found:
        assert rows_behind(client, html_lib.unescape(url)) == int(number), (figure, url)


@pytest.mark.parametrize("username", ["township1", "district"])
def test_every_number_in_a_dashboard_table_is_a_link(client, full_demo, pages, username):
    """No figure of a table is left without its list, except the visit-timeliness columns (periods due and
    visited in time are a computed schedule, not rows of a list) and the rate."""
    html = dashboard_html(client, full_demo.users[username], pages)
    for table in re.findall(r"<table>(.*?)</table>", html, flags=re.S):
        if "按时率" in table:
            continue
        bare = re.findall(r"<td>(\d+)</td>", table)
        assert not bare, table[:300]


def test_the_demo_scores_ledgers_sent_on_time_late_and_never(full_demo):
    """The district's 台账和归类汇总按时报送 criterion on the demo: one township on time (all its closings, two
    summaries), one late, one with nothing; and the 集中排查覆盖 criterion counts the demo's campaigns."""
    from django.utils import timezone

    from ledgers.models_assessment import AssessmentPlan, CriterionKind
    from ledgers.selectors_assessment import plan_scores, units_of

    official = full_demo.users["district"]
    plan = AssessmentPlan.objects.get(owner=official.jurisdiction, year=timezone.localdate().year)
    scores = {r.unit.code: {c.criterion.kind: c for c in r.criteria}
              for r in plan_scores(plan, units_of(plan.owner, official))}
    ledgers = {code: (s[CriterionKind.LEDGERS].rate or 0) for code, s in scores.items()}
    assert ledgers["310105001000"] > 0 and ledgers["310105002000"] == 0 and ledgers["310105102000"] == 0
    assert scores["310105001000"][CriterionKind.CAMPAIGNS].rate is not None
