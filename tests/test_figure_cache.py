"""Figures every page shows are cheap and never wrong: the alert badge and the policy library are cached per
scope, every alert or policy write makes them current at once, one jurisdiction never sees another's, and
each request works them out once (relief/figure_cache.py, relief/request_memo.py)."""
import re

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.models import AlertKind
from alerts.services import alert_close, alert_open
from households import services as household_services
from tests.households.factories import make_household
from tests.queries import app_queries


def _badge(client) -> int:
    page = client.get(reverse("home")).content.decode()
    match = re.search(r'href="/alerts/"[^>]*>[^<]*<span class="badge">(\d+)</span>', page)
    return int(match.group(1)) if match else 0


def _open(demo, village, n=1):
    alerts = []
    for i in range(n):
        household = make_household(village)
        alerts.append(alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="收入下降",
                                 dedupe_key=f"test:{household.pk}:{i}")[0])
    return alerts


def _alert_counts(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith("SELECT COUNT") and '"alerts_alert"' in q["sql"])


def test_the_badge_follows_every_alert_write_at_once(client, demo):
    client.force_login(demo.township1)
    before = _badge(client)
    alerts = _open(demo, demo.village_a, 2)
    assert _badge(client) == before + 2
    alert_close(actor=demo.township1, alert=alerts[0], note="已核实")
    assert _badge(client) == before + 1


def test_a_township_never_gets_another_townships_cached_count(client, demo):
    _open(demo, demo.village_a, 3)
    _open(demo, demo.village_c, 1)
    client.force_login(demo.township1)
    first = _badge(client)
    client.force_login(demo.township2)
    second = _badge(client)
    client.force_login(demo.district_official)
    whole = _badge(client)
    assert first >= 3 and second >= 1 and first != second
    assert whole == first + second + _badge_of_third_township(client, demo)


def _badge_of_third_township(client, demo):
    from alerts.selectors import unhandled_alert_count
    from relief.models import User

    third = User.objects.get(username="township3")
    return unhandled_alert_count(third)


def test_the_alert_count_is_read_once_per_page_and_then_from_the_cache(client, demo):
    household = make_household(demo.village_a, members=4)
    household_services.roster_enter(actor=None, household=household, reasons=["disabled"], target_kind="warning")
    client.force_login(demo.township1)
    url = reverse("households:detail", args=[household.pk])
    with CaptureQueriesContext(connection) as cold:
        assert client.get(url).status_code == 200
    # The navigation and the page's sections render several templates: the count is worked out once.
    assert _alert_counts(cold.captured_queries) == 1
    with CaptureQueriesContext(connection) as warm:
        assert client.get(url).status_code == 200
    assert _alert_counts(warm.captured_queries) == 0


def test_the_household_page_reads_its_data_in_a_few_queries(client, demo):
    """A roster household with six members, an observation entry and the full sections: 22 queries to the
    data (it was 45 with the alert badge counted four times), whatever its size."""
    household = make_household(demo.village_a, members=6)
    household_services.roster_enter(actor=None, household=household, reasons=["disabled"], target_kind="warning")
    household_services.observation_add(actor=None, household=household, reason_not_eligible="收入略高")
    client.force_login(demo.township1)
    url = reverse("households:detail", args=[household.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    # Reads of the cache table are what Redis serves in a deployment; the rest go to the data.
    data = app_queries(captured.captured_queries)
    assert len(data) <= 22, "\n".join(data)


def test_a_saved_policy_is_on_the_next_household_page(client, demo):
    from plans.demo import load as load_policies
    from plans.models import Policy
    from plans.services import policy_save

    load_policies()
    household = make_household(demo.village_a)
    client.force_login(demo.township1)
    url = reverse("households:detail", args=[household.pk])
    client.get(url)
    policy = Policy.objects.filter(is_active=True).first()
    fields = [f.name for f in policy.conditions.model._meta.concrete_fields if f.name not in ("id", "policy")]
    conditions = [{k: getattr(c, k) for k in fields} for c in policy.conditions.all()]
    policy_save(actor=demo.district_official, policy=policy, data={"name": "新名称的救助政策"},
                areas=list(policy.areas.all()), conditions=conditions)
    from plans.selectors import active_policies

    assert "新名称的救助政策" in [p.name for p in active_policies(demo.township1)]


def test_a_cache_outage_still_answers_with_the_true_count(client, demo, settings):
    from alerts.selectors import unhandled_alert_count

    _open(demo, demo.village_a, 2)
    truth = unhandled_alert_count(demo.township1)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # nothing listens there
    assert unhandled_alert_count(demo.township1) == truth


@pytest.mark.django_db  # the stamps live in the cache: a table of the database where there is no Redis
def test_a_value_kept_in_process_is_read_again_until_its_topic_changes_and_stays_bounded():
    from relief import data_version, figure_cache

    computed = []

    def compute(tag):
        computed.append(tag)
        return [tag]

    assert figure_cache.kept_in_process("test-topic", "k", lambda: compute(1)) == [1]
    assert figure_cache.kept_in_process("test-topic", "k", lambda: compute(2)) == [1]
    assert computed == [1]
    # A committed write of the topic (outside a transaction the stamp is replaced at once).
    data_version._Replace("test-topic")()
    assert figure_cache.kept_in_process("test-topic", "k", lambda: compute(3)) == [3]
    for i in range(figure_cache.LOCAL_ENTRIES + 5):
        figure_cache.kept_in_process("test-topic", f"other-{i}", lambda: None)
    assert len(figure_cache._local) <= figure_cache.LOCAL_ENTRIES
    assert ("test-topic", "k") not in figure_cache._local


@pytest.mark.django_db
def test_a_request_reads_a_topics_stamp_once_and_a_figure_kept_here_without_the_cache(monkeypatch):
    from django.core.cache import cache

    from relief import data_version, figure_cache, request_memo

    reads = []
    real_get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: reads.append(list(keys)) or real_get_many(keys))
    computed = []

    def compute(tag):
        computed.append(tag)
        return tag

    token = request_memo._memo.set({})  # as RequestMemoMiddleware does for a request
    try:
        assert figure_cache.cached("test-small", "a", lambda: compute("a1")) == "a1"
        # Its first read also reads the stamps of every known topic: a page's figures of other topics read none.
        assert len(reads) == 1 and reads[0][-1] == "relief:figure:test-small:a"
        assert {data_version.key("test-small"), data_version.key(), data_version.key("alerts")} <= set(reads[0])
        data_version.request_stamp("alerts"), data_version.request_stamp()
        assert len(reads) == 1, "the other topics' stamps were read with the first"
        assert figure_cache.cached("test-small", "a", lambda: compute("a2")) == "a1"
        assert figure_cache.cached("test-small", "b", lambda: compute("b1")) == "b1"
        assert len(reads) == 2 and reads[1] == ["relief:figure:test-small:b"], "the stamp is read once"
        # A write of the topic committed during this request: what the request reads next counts it.
        data_version._Replace("test-small")()
        assert figure_cache.cached("test-small", "a", lambda: compute("a3")) == "a3"
    finally:
        request_memo._memo.reset(token)
    assert computed == ["a1", "b1", "a3"]

    # The next request (another worker's, say) finds the figure in the cache under the current stamp.
    figure_cache._small.clear()
    token = request_memo._memo.set({})
    try:
        assert figure_cache.cached("test-small", "a", lambda: compute("a4")) == "a3"
    finally:
        request_memo._memo.reset(token)
    assert computed == ["a1", "b1", "a3"]


@pytest.mark.django_db
def test_each_reader_of_a_figure_kept_here_gets_its_own_copy():
    from relief import figure_cache, request_memo

    for _look in range(3):
        token = request_memo._memo.set({})
        try:
            rows = figure_cache.cached("test-copies", "rows", lambda: {"open": 1, "names": ["张三"]})
            assert rows == {"open": 1, "names": ["张三"]}
            rows["names"].append("changed by one reader")  # a careless reader changes nothing for the next
        finally:
            request_memo._memo.reset(token)
