"""Dashboards and scorecards: numbers equal the lists they link to, counted within the user's jurisdiction."""
import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Department, Lead, Referral
from alerts.models import Alert, AlertKind

from tests.households.factories import make_household

from .factories import give_assistance, make_visit, observe, put_on_roster
from .helpers import listed_count

pytestmark = pytest.mark.django_db
COUNT = re.compile(r'data-testid="household-count">共 (\d+) 户')
LINK = re.compile(r'<a class="stat" href="([^"]+)"><span class="num" data-testid="stat-(\w+)">(\d+)</span>')
ROW_LINK = re.compile(r'<td><a href="(/households/[^"]*)"[^>]*>(\d+)</a></td>')
ALERT_LINK = re.compile(r'<a href="(/alerts/\?[^"]*)"[^>]*>(\d+)</a>')
ALERT_ROW = re.compile(r'href="/alerts/\d+/"')


def assert_links_match_lists(client, html, pattern=ROW_LINK):
    """Every number the pattern finds equals the count of the list it links to; returns the links."""
    links = pattern.findall(html)
    for url, number in links:
        listed = COUNT.search(client.get(url.replace("&amp;", "&")).content.decode())
        assert listed and int(listed[1]) == int(number), url
    return links


@pytest.fixture
def district_data(demo):
    for i, village in enumerate([demo.village_a, demo.village_a, demo.village_b, demo.village_c]):
        h = make_household(village, head_name=f"户{i}")
        put_on_roster(h, target_kind=["missing", "warning", "insufficient", "warning"][i])
        give_assistance(h, ["dibao", "tekun", "dibao", "dibao"][i], start=dt.date(2024, 1, 1))
    observe(make_household(demo.village_b, head_name="观察户"))


def test_dashboard_numbers_equal_the_lists_they_link_to(client, demo, district_data, django_assert_max_num_queries):
    client.force_login(demo.township1)
    with django_assert_max_num_queries(30):
        html = client.get(reverse("ledgers:dashboard")).content.decode()
    links = LINK.findall(html) + [(url, "row", n) for url, n in ROW_LINK.findall(html)]
    assert len(links) >= 8
    stats = {name: int(n) for _, name, n in LINK.findall(html)}
    assert stats == {"total": 4, "roster": 3, "observation": 1, "exits": 0}
    for url, _, number in links:
        assert listed_count(client, url) == int(number), url
    assert "<svg" in html and "cdn" not in html.lower()


def test_township_and_village_numbers_link_to_filtered_lists(client, demo, district_data):
    """The district sees one row per township, a township one row per village; each number is the count of
    the household list filtered to that township or village, and the cards of a chosen township link there."""
    client.force_login(demo.district_official)
    html = client.get(reverse("ledgers:dashboard")).content.decode()
    links = assert_links_match_lists(client, html)
    township1 = demo.village_a.parent
    by_url = {url.replace("&amp;", "&"): int(n) for url, n in links}
    assert by_url[f"/households/?township={township1.pk}"] == 4
    assert by_url[f"/households/?on_roster=1&township={township1.pk}"] == 3
    assert by_url[f"/households/?on_observation=1&township={township1.pk}"] == 1
    assert by_url[f"/households/?township={demo.village_c.parent.pk}"] == 1
    html = client.get(reverse("ledgers:dashboard"), {"jurisdiction": township1.pk}).content.decode()
    stats = LINK.findall(html)
    assert {name: int(n) for _, name, n in stats} == {"total": 4, "roster": 3, "observation": 1, "exits": 0}
    assert all(f"township={township1.pk}" in url or f"jurisdiction={township1.pk}" in url for url, _, _ in stats)
    for url, _, number in stats:
        assert listed_count(client, url) == int(number), url
    villages = assert_links_match_lists(client, html)
    assert f"/households/?village={demo.village_a.pk}" in {url for url, _ in villages}
    areas = html.split('data-testid="area-stats"')[1].split("</table>")[0]
    assert demo.village_a.name in areas and demo.village_c.name not in areas


def test_overdue_numbers_link_to_the_village_alert_inbox(client, demo, django_assert_max_num_queries):
    for village, n in ((demo.village_a, 2), (demo.village_b, 1), (demo.village_c, 1)):
        for i in range(n):
            h = make_household(village, head_name=f"逾期{village.pk}-{i}")
            put_on_roster(h)
            Alert.objects.create(kind=AlertKind.OVERDUE_VISIT, household=h, reason="逾期未走访",
                                 dedupe_key=f"overdue-{h.pk}")
    client.force_login(demo.township1)
    with django_assert_max_num_queries(30):
        html = client.get(reverse("ledgers:dashboard")).content.decode()
    links = {url.replace("&amp;", "&"): int(n) for url, n in ALERT_LINK.findall(html)}
    assert links[f"/alerts/?kind=overdue_visit&village={demo.village_a.pk}"] == 2
    assert links[f"/alerts/?kind=overdue_visit&village={demo.village_b.pk}"] == 1
    assert links["/alerts/?kind=overdue_visit"] == 3  # the township's total
    for url, number in links.items():
        listed = ALERT_ROW.findall(client.get(url).content.decode())
        assert len(listed) == number, url


def test_dashboard_for_a_village_and_outside_jurisdiction(client, demo, district_data):
    client.force_login(demo.township1)
    html = client.get(reverse("ledgers:dashboard"), {"jurisdiction": demo.village_a.pk}).content.decode()
    assert dict((n, int(v)) for _, n, v in LINK.findall(html))["total"] == 2
    html = client.get(reverse("ledgers:dashboard"), {"jurisdiction": demo.village_c.pk}).content.decode()
    assert "所选辖区不在您的管辖范围内" in html
    html = client.get(reverse("ledgers:dashboard"), {"month_from": "2024-05", "month_to": "2024-01"}).content.decode()
    assert "不能早于开始月份" in html


def test_visits_referrals_and_alerts_figures(client, demo):
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    two_months_ago = (last_month - dt.timedelta(days=1)).replace(day=1)
    seen = make_household(demo.village_a, head_name="按时户")
    missed = make_household(demo.village_a, head_name="逾期户")
    seen.created_at = missed.created_at = timezone.now() - dt.timedelta(days=120)
    for h in (seen, missed):
        put_on_roster(h, entered_on=two_months_ago)
    make_visit(seen, demo.caseworker_a, visited_on=last_month + dt.timedelta(days=3))
    Alert.objects.create(kind=AlertKind.OVERDUE_VISIT, household=missed, reason="逾期", dedupe_key="k1")
    now = timezone.now()
    Lead.objects.create(village=demo.village_a, channel="hotline", description="x", received_at=now)
    Referral.objects.create(household=seen, village=demo.village_a, summary="s", status="eligible",
                            department=Department.CIVIL_AFFAIRS, assistance_type="dibao",
                            created_at=now - dt.timedelta(days=4), decided_at=now, submitted_at=now,
                            deadline=today - dt.timedelta(days=1))
    client.force_login(demo.township1)
    response = client.get(reverse("ledgers:dashboard"), {"jurisdiction": demo.village_a.pk,
                                                         "month_from": f"{last_month:%Y-%m}",
                                                         "month_to": f"{last_month:%Y-%m}"})
    data = response.context["data"]
    row = data["visits"]["rows"][0]
    assert (row["due"], row["on_time"], row["rate"], row["overdue"]) == (2, 1, 50.0, 1)
    client.force_login(demo.township1)
    data = client.get(reverse("ledgers:dashboard")).context["data"]
    stages = [b.value for b in data["referrals"]["stages"]]
    assert stages == [1, 1, 1, 1, 1] and data["referrals"]["median_days"] == 4.0
    assert sum(data["alerts"]["opened"]) == 1
    cards = client.get(reverse("ledgers:scorecards")).context["cards"]
    villages = {r["name"]: r for r in cards["levels"][1][1]}
    assert villages[demo.village_a.name]["leads"] == {"due": 1, "in_time": 0}
    assert villages[demo.village_a.name]["visits"]["due"] >= 2


def test_scorecards_include_sample_results(client, demo):
    from ledgers import services

    h = make_household(demo.village_a)
    give_assistance(h, start=dt.date(2024, 2, 1))
    draw = services.sampling_draw(actor=demo.district_official, district=demo.district, year=2024, quarter=1,
                                  size_mode="count", size_value=1)
    services.sample_check(actor=demo.district_official, item=draw.items.get(), result="omission", note="漏报家庭成员")
    client.force_login(demo.district_official)
    cards = client.get(reverse("ledgers:scorecards"), {"month_from": "2024-01", "month_to": "2024-03"}).context["cards"]
    townships = {r["name"]: r for r in cards["levels"][0][1]}
    assert townships[demo.village_a.parent.name]["samples"]["wrong"] == 1
    assert townships[demo.village_a.parent.name]["sample_rate"] == 0.0


def test_weekly_alerts_chart_stops_at_the_current_week(client, demo):
    """The default period runs to the end of this month; the weeks after this one have no alerts yet."""
    client.force_login(demo.township1)
    weeks = client.get(reverse("ledgers:dashboard")).context["data"]["alerts"]["weeks"]
    today = timezone.localdate()
    assert weeks and weeks[-1] == today - dt.timedelta(days=today.weekday())


TAB = re.compile(r'<a class="button secondary" href="(/ledgers/[^"]*)">([^<]+)</a>')


@pytest.mark.parametrize("username,shown", [
    ("caseworker1", ["统计图表", "考核评分", "监督检查"]),
    ("township1", ["台账下载", "月结报送", "统计图表", "考核评分", "监督检查", "协理员保障", "年度考核", "自查评估",
                   "花名册备案"]),
    ("district", ["台账下载", "月结报送", "统计图表", "考核评分", "随机抽查", "监督检查", "协理员保障", "年度考核",
                  "自查评估", "花名册备案"]),
    ("admin", ["台账下载", "月结报送", "统计图表", "考核评分", "监督检查"]),
])
def test_ledger_tabs_show_only_pages_the_role_may_open(client, demo, username, shown):
    client.force_login(demo.users[username])
    tabs = TAB.findall(client.get(reverse("ledgers:dashboard")).content.decode())
    assert [label for _, label in tabs] == shown
    for url, label in tabs:
        assert client.get(url).status_code == 200, label


@pytest.mark.parametrize("username", ["caseworker1", "township1", "district", "admin"])
def test_every_navigation_link_opens_for_the_user_it_is_shown_to(client, demo, username):
    client.force_login(demo.users[username])
    nav = client.get(reverse("ledgers:dashboard")).context["nav_items"]
    assert nav
    for item in nav:
        assert client.get(item["url"]).status_code == 200, item["url"]


def test_the_filter_shows_the_period_the_figures_cover(client, demo):
    from django.utils import timezone

    from relief.months import add_months, month_start

    this_month = month_start(timezone.localdate())
    client.force_login(demo.township1)
    html = client.get(reverse("ledgers:dashboard")).content.decode()
    assert f'name="month_from" value="{add_months(this_month, -5):%Y-%m}"' in html.replace('type="month" ', "")
    assert f'value="{this_month:%Y-%m}"' in html


def test_lead_and_referral_figures_are_closed_to_roles_the_lists_refuse(client, demo):
    """The admin may see the dashboard but not the leads or referrals lists: the funnel's numbers stay, their
    rows do not open, through the link or by typing the address."""
    now = timezone.now()
    Lead.objects.create(village=demo.village_a, channel="hotline", description="x", received_at=now)
    params = {"month_from": f"{now:%Y-%m}", "month_to": f"{now:%Y-%m}"}
    client.force_login(demo.admin)
    assert client.get(reverse("referrals:lead_list")).status_code == 403
    stages = client.get(reverse("ledgers:dashboard"), params).context["data"]["referrals"]["stages"]
    assert stages[0].value == 1 and all(b.url == "" for b in stages)
    for figure in ("leads", "referred", "submitted", "decided", "eligible"):
        assert client.get(reverse("ledgers:figure_rows"), {"figure": figure, **params}).status_code == 404
    # Household figures stay open to the admin, who may open the household list.
    assert client.get(reverse("ledgers:figure_rows"), {"figure": "observed", **params}).status_code == 200
    client.force_login(demo.township1)
    stages = client.get(reverse("ledgers:dashboard"), params).context["data"]["referrals"]["stages"]
    assert stages[0].url and "figure=leads" in stages[0].url
    listed = client.get(stages[0].url)
    assert listed.status_code == 200 and len(listed.context["rows"]) == 1
