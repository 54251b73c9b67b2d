"""The dashboard keeps its numbers for a minute per scope, period and day (ledgers.counts): a user never reads
numbers counted for villages other than theirs, a change a service commits is counted at once, 刷新 counts
now, and the page says when its numbers were counted."""
import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from households.models import Household, RosterEntry
from ledgers import counts
from relief import data_version
from relief.months import add_months, month_end, months_between

from tests.households.factories import make_household

from .factories import make_visit, put_on_roster

pytestmark = pytest.mark.django_db
TOTAL = re.compile(r'data-testid="stat-total">(\d+)<')
AS_OF = re.compile(r'数据截至 (?:<span class="date">)?\d{4}-\d\d-\d\d (\d\d:\d\d)')


def total(client, **params) -> int:
    html = client.get(reverse("ledgers:dashboard"), params).content.decode()
    return int(TOTAL.search(html)[1])


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Data made inside `with committed():` is as if its transaction had committed: the services' commit
    callbacks (the data-version stamp among them) have run, and the dashboard keeps numbers again."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def households(demo, committed):
    with committed():
        for i, village in enumerate([demo.village_a, demo.village_a, demo.village_b, demo.village_c]):
            make_household(village, head_name=f"户{i}")
    return demo


def test_a_township_never_reads_numbers_kept_for_another_scope(client, households, django_assert_max_num_queries):
    """The district's numbers (all villages) and those of township 2 are kept first; township 1 then reads its
    own, counted for its own villages, and each scope's numbers are served again from where they were kept."""
    demo = households
    township2 = demo.village_c.parent
    client.force_login(demo.district_official)
    assert total(client) == 4
    assert total(client, jurisdiction=township2.pk) == 1
    client.force_login(demo.township2)
    assert total(client) == 1
    client.force_login(demo.township1)
    assert total(client) == 3
    with django_assert_max_num_queries(12):  # kept: no counting
        assert total(client) == 3
    client.force_login(demo.district_official)
    assert total(client) == 4


def test_numbers_are_kept_per_period(client, households, committed):
    demo = households
    this_month = timezone.localdate().replace(day=1)
    with committed():
        entry = put_on_roster(make_household(demo.village_a), entered_on=add_months(this_month, -3))
        entry.household.refresh_from_db()
    client.force_login(demo.township1)
    stats = re.compile(r'data-testid="stat-exits">(\d+)<')
    month = {"month_from": f"{this_month:%Y-%m}", "month_to": f"{this_month:%Y-%m}"}
    earlier = {"month_from": f"{add_months(this_month, -2):%Y-%m}", "month_to": f"{add_months(this_month, -1):%Y-%m}"}
    assert stats.search(client.get(reverse("ledgers:dashboard"), month).content.decode())[1] == "0"
    assert stats.search(client.get(reverse("ledgers:dashboard"), earlier).content.decode())[1] == "0"
    with committed():
        from households import services

        services.roster_exit(actor=None, entry=RosterEntry.objects.get(pk=entry.pk), reason="收入增加",
                             exited_on=timezone.localdate())
    assert stats.search(client.get(reverse("ledgers:dashboard"), month).content.decode())[1] == "1"
    assert stats.search(client.get(reverse("ledgers:dashboard"), earlier).content.decode())[1] == "0"


def test_a_change_a_service_commits_is_counted_at_once(client, households, committed):
    client.force_login(households.township1)
    assert total(client) == 3
    with committed():
        make_household(households.village_b)
    assert total(client) == 4


def test_a_change_not_yet_committed_is_counted_in_its_own_transaction(client, households):
    """A page rendered after a write in the same transaction (as every test is) counts afresh, and keeps
    nothing: the change may still roll back."""
    client.force_login(households.township1)
    assert total(client) == 3
    make_household(households.village_b)
    assert data_version.changed_here()
    assert total(client) == 4


def test_the_page_says_when_its_numbers_were_counted_and_refresh_counts_them_now(client, households):
    """A change no service stamps (here a bare update) shows once the kept numbers expire, or at once when the
    user presses 刷新, which counts again for the same address."""
    demo = households
    client.force_login(demo.township1)
    url = reverse("ledgers:dashboard") + f"?jurisdiction={demo.village_a.pk}"
    html = client.get(url).content.decode()
    assert TOTAL.search(html)[1] == "2"
    shown = AS_OF.search(html)[1]
    assert abs(dt.datetime.combine(dt.date.today(), dt.time.fromisoformat(shown))
               - dt.datetime.combine(dt.date.today(), timezone.localtime().time().replace(second=0, microsecond=0))) \
        <= dt.timedelta(minutes=1)
    assert 'name="csrfmiddlewaretoken"' in html and "刷新" in html
    Household.objects.filter(village=demo.village_b).update(village=demo.village_a)
    assert TOTAL.search(client.get(url).content.decode())[1] == "2"  # kept
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    assert TOTAL.search(client.get(url).content.decode())[1] == "3"


def test_refresh_stays_within_the_users_jurisdiction(client, households):
    client.force_login(households.township1)
    response = client.post(reverse("ledgers:dashboard") + f"?jurisdiction={households.village_c.pk}")
    assert response.status_code == 200 and "所选辖区不在您的管辖范围内" in response.content.decode()


def test_kept_numbers_are_keyed_by_the_villages_the_period_and_the_day():
    today = dt.date(2026, 3, 10)
    key = counts.cache_key([3, 6, 9], dt.date(2026, 1, 1), dt.date(2026, 3, 31), today)
    assert key == counts.cache_key([9, 6, 3], dt.date(2026, 1, 1), dt.date(2026, 3, 31), today)
    assert key != counts.cache_key([3, 6], dt.date(2026, 1, 1), dt.date(2026, 3, 31), today)
    assert key != counts.cache_key([3, 6, 9, 12], dt.date(2026, 1, 1), dt.date(2026, 3, 31), today)
    assert key != counts.cache_key([3, 6, 9], dt.date(2026, 2, 1), dt.date(2026, 3, 31), today)
    assert key != counts.cache_key([3, 6, 9], dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 3, 11))


# ---------------------------------------------------------------- visits on time: the query and the rule agree
def timeliness_by_the_rule(entries, visits, start, end, today):
    """The rule as the dashboard stated it before it was one query: per roster entry and calendar block of its
    cadence, due when the entry was open for the whole block and the block is over; on time when a visit that
    completes the period fell in one of the block's months within the period."""
    from households.models import Cadence

    seen = {(v.household_id, v.visited_on.replace(day=1)) for v in visits
            if v.completes_period and start <= v.visited_on <= end}
    result: dict[int, dict] = {}
    months = months_between(start, end)
    for entry in entries:
        village = result.setdefault(entry.household.village_id, {"due": 0, "on_time": 0})
        n = Cadence.months_of(entry.cadence)
        blocks: dict[int, list[dt.date]] = {}
        for m in months:
            blocks.setdefault((m.year * 12 + m.month - 1) // n, []).append(m)
        for block_months in blocks.values():
            first, last = block_months[0], block_months[-1]
            block_end = add_months(first, n) - dt.timedelta(days=1)
            last_end = month_end(last)
            if (entry.entered_on > first or (entry.exited_on and entry.exited_on < last_end)
                    or block_end >= today or block_end > end):
                continue
            village["due"] += 1
            if any((entry.household_id, m) in seen for m in block_months):
                village["on_time"] += 1
    return result


def test_visit_timeliness_query_agrees_with_the_rule(demo):
    from visits.models import Visit

    today = timezone.localdate()
    start = add_months(today.replace(day=1), -7)
    end = month_end(add_months(today.replace(day=1), -1))
    plans = [  # (village, cadence, entered months ago, exited months ago or None, visits: (months ago, day, seen))
        (demo.village_a, "monthly", 12, None, [(1, 3, True), (2, 28, True), (3, 15, False), (5, 1, True)]),
        (demo.village_a, "quarterly", 12, None, [(2, 10, True), (6, 20, True)]),
        (demo.village_a, "quarterly", 4, None, [(1, 10, True)]),
        (demo.village_b, "monthly", 3, None, [(1, 5, True), (2, 5, True), (3, 5, True)]),
        (demo.village_b, "monthly", 12, 2, [(4, 9, True), (3, 9, True)]),
        (demo.village_b, "half_yearly", 12, None, [(7, 2, True)]),
        (demo.village_c, "monthly", 12, None, []),
    ]
    for village, cadence, entered, exited, visits in plans:
        household = make_household(village)
        entry = put_on_roster(household, entered_on=add_months(today.replace(day=1), -entered) + dt.timedelta(days=4))
        RosterEntry.objects.filter(pk=entry.pk).update(cadence=cadence)  # any stored cadence, as old data may hold
        if exited is not None:
            RosterEntry.objects.filter(pk=entry.pk).update(
                exited_on=add_months(today.replace(day=1), -exited) + dt.timedelta(days=9), exit_reason="收入增加")
        for months_ago, day, seen in visits:
            visited_on = add_months(today.replace(day=1), -months_ago) + dt.timedelta(days=day - 1)
            extra = {} if seen else {"person_seen": False, "not_seen_reason": "家中无人",
                                     "next_follow_up_on": visited_on + dt.timedelta(days=7)}
            make_visit(household, demo.caseworker_a, visited_on=visited_on, **extra)
    ids = [v.pk for v in demo.villages]
    entries = list(RosterEntry.objects.select_related("household"))
    visits = list(Visit.objects.all())
    for period_start, period_end in ((start, end), (add_months(start, 2), end), (start, month_end(start))):
        expected = timeliness_by_the_rule(entries, visits, period_start, period_end, today)
        found = counts.visit_timeliness(ids, period_start, period_end, today)
        assert {pk: v for pk, v in found.items() if v["due"]} == {pk: v for pk, v in expected.items() if v["due"]}
    assert sum(v["due"] for v in counts.visit_timeliness(ids, start, end, today).values()) > 10
