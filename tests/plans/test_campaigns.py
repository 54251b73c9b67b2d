"""Focused screening campaigns (集中排查): started by a township for a period and a target group frozen at the start;
a section of the caseworkers' worklist; a coverage report whose figures equal the lists they link to."""
import datetime as dt
import re

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from households import services as hh
from households.models import EventKind, FocusReason
from plans import services
from plans.models import Campaign, CampaignTarget
from referrals.services import lead_create
from tests.households.factories import make_household
from tests.visits.factories import visit_data
from visits.services import visit_log

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _edge(village, name="张建华", reason=FocusReason.DIBAO_EDGE):
    household = make_household(village, head_name=name, created=dt.date(2024, 1, 1))
    hh.roster_enter(actor=None, household=household, reasons=[reason], target_kind="warning",
                    entered_on=dt.date(2024, 1, 2))
    return household


def _data(**extra):
    return {"name": "入冬集中排查", "starts_on": TODAY - dt.timedelta(days=5), "ends_on": TODAY + dt.timedelta(days=10),
            "target_kind": "dibao_edge", **extra}


def _start(demo, actor=None, villages=(), **extra):
    return services.campaign_start(actor=actor or demo.township1, township=demo.village_a.parent,
                                   data=_data(**extra), villages=villages)


def _messages(exc) -> str:
    return " ".join(exc.value.messages)


def _rows(client, url) -> int:
    return len(re.findall(r"<tr data-row", client.get(url).content.decode()))


# ---------------------------------------------------------------- starting one

def test_the_targets_are_frozen_at_the_start(demo):
    """Every 低保边缘 family of the township, and no other, becomes a target; the registry's later changes leave
    the set as it was."""
    a1, a2, b1 = _edge(demo.village_a, "甲"), _edge(demo.village_a, "乙"), _edge(demo.village_b, "丙")
    _edge(demo.village_a, "丁", reason=FocusReason.ELDERLY_ALONE)
    _edge(demo.village_c, "戊")  # township 2
    campaign = _start(demo)
    targets = set(CampaignTarget.objects.filter(campaign=campaign).values_list("household_id", "village_id"))
    assert targets == {(a1.pk, demo.village_a.pk), (a2.pk, demo.village_a.pk), (b1.pk, demo.village_b.pk)}
    assert campaign.target_count == 3 and campaign.created_by == demo.township1
    _edge(demo.village_a, "己")
    hh.roster_exit(actor=None, entry=a1.roster_entries.get(), reason="收入稳定", exited_on=TODAY)
    assert CampaignTarget.objects.filter(campaign=campaign).count() == 3


def test_other_target_groups(demo):
    observed = make_household(demo.village_a, head_name="观察户", created=dt.date(2024, 1, 1))
    hh.observation_add(actor=None, household=observed, reason_not_eligible="收入略高于标准", decided_on=TODAY)
    flooded = make_household(demo.village_b, head_name="受灾户", created=dt.date(2024, 1, 1))
    hh.event_record(household=flooded, kind=EventKind.DISASTER, new_value="暴雨致房屋进水")
    burned = make_household(demo.village_b, head_name="火灾户", created=dt.date(2024, 1, 1))
    hh.event_record(household=burned, kind=EventKind.DISASTER, new_value="厨房失火")
    elderly = _edge(demo.village_b, "独居", reason=FocusReason.ELDERLY_ALONE)

    def ids(**extra):
        return set(CampaignTarget.objects.filter(campaign=_start(demo, **extra)).values_list("household_id", flat=True))

    assert ids(target_kind="observation") == {observed.pk}
    assert ids(target_kind="disaster", event_since=TODAY - dt.timedelta(days=3)) == {flooded.pk, burned.pk}
    assert ids(target_kind="disaster", event_since=TODAY, event_keyword="暴雨") == {flooded.pk}
    assert ids(target_kind="focus_reason", focus_reason="elderly_alone") == {elderly.pk}
    every = ids(target_kind="all", villages=[demo.village_b])
    assert {flooded.pk, burned.pk, elderly.pk} <= every
    assert observed.pk not in every


@pytest.mark.parametrize("extra, field, message", [
    ({"ends_on": TODAY - dt.timedelta(days=6)}, "ends_on", "早于开始日期"),
    ({"starts_on": TODAY - dt.timedelta(days=20), "ends_on": TODAY - dt.timedelta(days=1)}, "ends_on", "已过"),
    ({"ends_on": TODAY + dt.timedelta(days=400)}, "ends_on", "不能超过一年"),
    ({"starts_on": TODAY - dt.timedelta(days=40)}, "starts_on", "最多可追溯"),
    ({"starts_on": None}, "starts_on", "请填写开始日期"),
    ({"name": " "}, "name", "请填写排查名称"),
    ({"target_kind": "focus_reason"}, "focus_reason", "请选择关注原因"),
    ({"target_kind": "feed"}, "feed_kind", "请选择部门数据类型"),
    ({"target_kind": "disaster"}, "event_since", "请填写从哪天起"),
])
def test_a_bad_campaign_is_refused_in_chinese(demo, extra, field, message):
    _edge(demo.village_a)
    with pytest.raises(services.PlanError) as exc:
        _start(demo, **extra)
    assert message in " ".join(exc.value.message_dict[field])
    assert not Campaign.objects.exists() and not CampaignTarget.objects.exists()


def test_a_target_group_without_families_is_refused(demo):
    with pytest.raises(services.PlanError) as exc:
        _start(demo)
    assert "没有符合“低保边缘家庭”的家庭" in _messages(exc)
    assert not Campaign.objects.exists()


def test_only_the_townships_own_staff_start_one(demo):
    _edge(demo.village_a)
    for outsider in (demo.township2, demo.caseworker_a):  # another township; a village's caseworker
        with pytest.raises(Http404):
            _start(demo, actor=outsider)
    with pytest.raises(services.PlanError) as exc:
        _start(demo, actor=demo.district_official)  # sees the township, reads its coverage, starts nothing
    assert "由乡镇（街道）民政工作人员发起" in _messages(exc)
    with pytest.raises(services.PlanError) as exc:
        _start(demo, villages=[demo.village_c])
    assert "不属于" in _messages(exc)
    assert not Campaign.objects.exists()


# ---------------------------------------------------------------- coverage

def _running(demo):
    """Village A: one seen in the period (with a lead), one seen before it, one not seen in it; village B: one
    not yet visited."""
    seen, before, not_seen, b = (_edge(demo.village_a, "甲"), _edge(demo.village_a, "乙"), _edge(demo.village_a, "丙"),
                                 _edge(demo.village_b, "丁"))
    visit_log(actor=demo.caseworker_a, household=before, data=visit_data(TODAY - dt.timedelta(days=6)))
    campaign = _start(demo)
    visit_log(actor=demo.caseworker_a, household=seen, data=visit_data(TODAY - dt.timedelta(days=2)))
    visit_log(actor=demo.caseworker_a, household=not_seen, data=visit_data(
        TODAY - dt.timedelta(days=1), person_seen=False, not_seen_reason="家中无人", situation_clear=False,
        next_follow_up_on=TODAY + dt.timedelta(days=3)))
    lead_create(actor=demo.caseworker_a, channel="visit", household=seen, description="排查发现收入下降")
    lead_create(actor=demo.caseworker_a, channel="visit", household=before, description="排查前的线索",
                received_at=timezone.now() - dt.timedelta(days=7))
    return campaign, {"seen": seen, "before": before, "not_seen": not_seen, "b": b}


def test_coverage_counts_visits_and_leads_in_the_period(demo, client):
    campaign, h = _running(demo)
    from plans.selectors_campaigns import coverage

    rows, total = coverage(demo.township1, campaign)
    by_village = {r.village.pk: (r.targets, r.visited, r.pending, r.leads) for r in rows}
    assert by_village == {demo.village_a.pk: (3, 1, 2, 1), demo.village_b.pk: (1, 0, 1, 0)}
    assert (total.targets, total.visited, total.pending, total.leads) == (4, 1, 3, 1)
    client.force_login(demo.township1)
    html = client.get(reverse("plans:campaign_detail", args=[campaign.pk])).content.decode()
    # Every figure equals the rows of the list it links to.
    links = re.findall(r'<a[^>]*href="([^"]*campaigns/\d+/households/[^"]*)"[^>]*data-count="(\d+)"', html)
    assert len(links) >= 12
    for url, count in links:
        assert _rows(client, url.replace("&amp;", "&")) == int(count), url
    pending = client.get(reverse("plans:campaign_targets", args=[campaign.pk]) + "?state=pending").content.decode()
    assert "丙" in pending and "丁" in pending and "甲" not in pending


def test_caseworker_sees_their_village_and_another_township_nothing(demo, client):
    campaign, _h = _running(demo)
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("plans:campaign_detail", args=[campaign.pk])).content.decode()
    assert demo.village_a.name in html and demo.village_b.name not in html
    assert _rows(client, reverse("plans:campaign_targets", args=[campaign.pk])) == 3
    assert client.get(reverse("plans:campaign_targets", args=[campaign.pk]) + f"?village={demo.village_b.pk}"
                      ).status_code == 404
    client.force_login(demo.district_official)
    assert _rows(client, reverse("plans:campaign_targets", args=[campaign.pk])) == 4
    client.force_login(demo.township2)
    assert client.get(reverse("plans:campaign_detail", args=[campaign.pk])).status_code == 404
    assert client.get(reverse("plans:campaign_targets", args=[campaign.pk])).status_code == 404
    assert campaign.name not in client.get(reverse("plans:campaign_list")).content.decode()


def test_a_finished_campaign_keeps_its_report(demo, client):
    household = _edge(demo.village_a)
    start = TODAY - dt.timedelta(days=60)
    campaign = services.campaign_start(actor=demo.township1, township=demo.village_a.parent, today=start, data=_data(
        name="秋季排查", starts_on=start, ends_on=start + dt.timedelta(days=20)))
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(TODAY))  # after the end: not counted
    client.force_login(demo.township1)
    html = client.get(reverse("plans:campaign_detail", args=[campaign.pk])).content.decode()
    assert "已结束" in html
    assert _rows(client, reverse("plans:campaign_targets", args=[campaign.pk]) + "?state=pending") == 1
    listing = client.get(reverse("plans:campaign_list") + "?state=finished").content.decode()
    assert "秋季排查" in listing


# ---------------------------------------------------------------- the worklist

def _section(html: str) -> str:
    match = re.search(r'<section class="card" data-testid="campaign-section".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_worklist_lists_the_villages_families_not_yet_visited(demo, client, django_assert_max_num_queries):
    campaign, h = _running(demo)
    client.force_login(demo.caseworker_a)
    with django_assert_max_num_queries(40):
        html = client.get(reverse("visits:worklist")).content.decode()
    section = _section(html)
    assert "集中排查：入冬集中排查" in section and "还剩 10 天" in section
    count = int(re.search(r'data-testid="campaign-pending-count">(\d+)<', section).group(1))
    assert count == 2  # 乙 (seen before the start) and 丙 (not seen); 丁 lives in village B
    assert "乙" in section and "丙" in section and "丁" not in section
    more = re.search(r'href="([^"]+)" data-testid="campaign-section-more"', section).group(1).replace("&amp;", "&")
    assert _rows(client, more) == count
    visit_log(actor=demo.caseworker_a, household=h["before"], data=visit_data(TODAY))
    section = _section(client.get(reverse("visits:worklist")).content.decode())
    assert re.search(r'data-testid="campaign-pending-count">1<', section) and "乙" not in section


def test_worklist_shows_no_campaign_that_is_over_or_not_begun(demo, client):
    _edge(demo.village_a)
    start = TODAY - dt.timedelta(days=30)
    services.campaign_start(actor=demo.township1, township=demo.village_a.parent, today=start,
                            data=_data(starts_on=start, ends_on=TODAY - dt.timedelta(days=1)))
    _start(demo, starts_on=TODAY + dt.timedelta(days=1))
    client.force_login(demo.caseworker_a)
    assert _section(client.get(reverse("visits:worklist")).content.decode()) == ""


def test_the_worklist_section_query_count_does_not_grow_with_the_families(demo, client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _edge(demo.village_a, "甲")
    _start(demo)
    client.force_login(demo.caseworker_a)
    client.get(reverse("visits:worklist"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("visits:worklist"))
    for n in range(6):
        _edge(demo.village_a, f"户{n}")
    _start(demo, name="第二次排查")
    client.get(reverse("visits:worklist"))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("visits:worklist"))
    # A second campaign adds its own count and preview (two queries); more families add none.
    assert len(many.captured_queries) <= len(few.captured_queries) + 2


# ---------------------------------------------------------------- the pages

def test_township_starts_one_from_the_form(demo, client):
    _edge(demo.village_a)
    client.force_login(demo.township1)
    url = reverse("plans:campaign_create")
    assert client.get(url).status_code == 200
    post = {"name": "灾后排查", "starts_on": TODAY.isoformat(), "ends_on": (TODAY - dt.timedelta(days=1)).isoformat(),
            "target_kind": "dibao_edge", "township": demo.village_a.parent.pk}
    refused = client.post(url, post)
    assert refused.status_code == 400 and "早于开始日期" in refused.content.decode()
    response = client.post(url, {**post, "ends_on": (TODAY + dt.timedelta(days=7)).isoformat(),
                                 "villages": [demo.village_a.pk]})
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == reverse("plans:campaign_detail", args=[campaign.pk])
    assert list(campaign.villages.all()) == [demo.village_a]
    client.force_login(demo.caseworker_a)
    assert client.get(url).status_code in (403, 404)
    assert 'data-testid="campaign-new"' not in client.get(reverse("plans:campaign_list")).content.decode()


def test_the_home_card_counts_the_running_campaigns_it_lists(demo, client):
    from relief.home import home_cards

    _edge(demo.village_a)
    _start(demo)
    _start(demo, name="未开始的排查", starts_on=TODAY + dt.timedelta(days=3))
    for user in (demo.township1, demo.caseworker_a, demo.district_official):
        card = next(c for c in home_cards(user) if c.title == "进行中的集中排查")
        client.force_login(user)
        assert card.count == 1 == _rows(client, card.url)
    assert not [c for c in home_cards(demo.township2) if c.title == "进行中的集中排查"]


# ---------------------------------------------------------------- ending one early (提前结束)

def test_ending_early_closes_the_period_today_and_keeps_the_planned_end(demo, client):
    """The coverage then counts up to today and no later; the worklist drops it at once; the list files it under
    已结束; a second click says it is already ended and changes nothing."""
    campaign, h = _running(demo)
    planned = campaign.ends_on
    client.force_login(demo.township1)
    detail = reverse("plans:campaign_detail", args=[campaign.pk])
    assert 'data-testid="campaign-end"' in client.get(detail).content.decode()
    response = client.post(reverse("plans:campaign_end", args=[campaign.pk]), {"end_reason": "险情已解除"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.ends_on, campaign.planned_ends_on, campaign.ended_early_by) == (TODAY, planned, demo.township1)
    assert campaign.end_reason == "险情已解除" and campaign.state_on(TODAY) == "finished"
    html = client.get(detail).content.decode()
    assert "已提前结束" in html and "险情已解除" in html and 'data-testid="campaign-end"' not in html
    assert campaign.name in client.get(reverse("plans:campaign_list") + "?state=finished").content.decode()
    assert campaign.name not in client.get(reverse("plans:campaign_list") + "?state=running").content.decode()
    # Today's visit still counts; tomorrow's would not (the period ends today).
    from plans.selectors_campaigns import coverage

    assert coverage(demo.township1, campaign)[1].visited == 1
    client.force_login(demo.caseworker_a)
    assert _section(client.get(reverse("visits:worklist")).content.decode()) == ""
    with pytest.raises(services.PlanError) as err:
        services.campaign_end_early(actor=demo.township1, campaign=campaign.pk, reason="再点一次")
    assert "已于" in _messages(err) and "提前结束" in _messages(err)
    campaign.refresh_from_db()
    assert campaign.end_reason == "险情已解除"


def test_ending_early_needs_a_reason_a_running_campaign_and_the_townships_staff(demo, client):
    campaign, _h = _running(demo)
    with pytest.raises(services.PlanError) as err:
        services.campaign_end_early(actor=demo.township1, campaign=campaign, reason="  ")
    assert "请填写提前结束的原因" in _messages(err)
    upcoming = _start(demo, name="未开始", starts_on=TODAY + dt.timedelta(days=3))
    with pytest.raises(services.PlanError) as err:
        services.campaign_end_early(actor=demo.township1, campaign=upcoming, reason="取消")
    assert "尚未开始" in _messages(err)
    with pytest.raises(services.PlanError):
        services.campaign_end_early(actor=demo.district_official, campaign=campaign, reason="区里叫停")
    with pytest.raises(Http404):
        services.campaign_end_early(actor=demo.township2, campaign=campaign, reason="外乡镇")
    client.force_login(demo.caseworker_a)
    # A caseworker sees the campaign's report of their village, not the township's campaign to end it.
    assert client.post(reverse("plans:campaign_end", args=[campaign.pk]), {"end_reason": "x"}).status_code == 404
    client.force_login(demo.township2)
    assert client.post(reverse("plans:campaign_end", args=[campaign.pk]), {"end_reason": "x"}).status_code == 404
    campaign.refresh_from_db()
    assert campaign.ended_early_at is None


def test_the_list_counts_every_campaign_of_a_page_in_one_query(demo, client, django_assert_max_num_queries):
    _edge(demo.village_a)
    client.force_login(demo.township1)
    _start(demo)
    client.get(reverse("plans:campaign_list"))
    with django_assert_max_num_queries(30) as one:
        client.get(reverse("plans:campaign_list"))
    for n in range(4):
        _start(demo, name=f"排查{n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(reverse("plans:campaign_list")).content.decode()
    assert "排查3" in html
