"""The HTTP benchmark (relief/bench_http.py): its statistics, the bare view's gate, the load generator and
the login against a live server, and the gunicorn it starts and stops."""
import importlib
import math
import os

import httpx
import psutil
import pytest
from django.core.management.base import CommandError
from django.urls import clear_url_caches, resolve, reverse

from relief import bench_http
from relief.benchmarking import percentile
from relief.demo import DEMO_PASSWORD
from relief.management.commands.bench import Command
from relief.urls import BENCH_BARE_PATH, BENCH_BARE_VIEW_ENV
from tests.households.factories import make_household


# ---------------------------------------------------------------- statistics
def test_percentile_interpolates_between_ranks():
    values = list(range(1, 101))  # 1..100, given unsorted below
    assert percentile(reversed(values), 50) == 50.5
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 0) == 1 and percentile(values, 100) == 100
    assert percentile([10, 20], 95) == pytest.approx(19.5)
    assert percentile([7.0], 95) == 7.0


def test_percentile_refuses_what_has_none():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_load_result_figures():
    result = bench_http.LoadResult(latencies_ms=[10.0, 20.0, 30.0], errors=1, seconds=2.0)
    assert result.requests == 4 and result.rps == 2.0
    assert result.p50 == 20.0 and result.p95 == pytest.approx(29.0)
    # Nothing answered: no latency figure rather than a made-up one.
    assert math.isnan(bench_http.LoadResult([], errors=3, seconds=1.0).p95)


def test_the_command_hands_a_section_only_the_options_it_names():
    def http_section(out, households=0, http_requests=50, http_clients=(1,)):
        pass

    def other_section(out, households=0):
        pass

    options = {"http_requests": 7, "http_clients": "1,5"}
    assert Command._options_for(http_section, options) == {"http_requests": 7, "http_clients": (1, 5)}
    assert Command._options_for(other_section, options) == {}
    assert Command._options_for(http_section, {"http_requests": None, "http_clients": None}) == {}


# ---------------------------------------------------------------- the bare view exists only for the benchmark
@pytest.fixture
def urlconf_with(monkeypatch):
    """Reload relief.urls with the environment as a process started with it would read it; put it back."""
    import relief.urls

    def load(value):
        if value is None:
            monkeypatch.delenv(BENCH_BARE_VIEW_ENV, raising=False)
        else:
            monkeypatch.setenv(BENCH_BARE_VIEW_ENV, value)
        importlib.reload(relief.urls)
        clear_url_caches()

    yield load
    monkeypatch.delenv(BENCH_BARE_VIEW_ENV, raising=False)
    importlib.reload(relief.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_without_the_variable_the_bare_view_is_404(client, demo, urlconf_with):
    urlconf_with(None)
    assert client.get(BENCH_BARE_PATH).status_code == 404
    client.force_login(demo.township1)
    assert client.get(BENCH_BARE_PATH).status_code == 404
    urlconf_with("0")
    assert client.get(BENCH_BARE_PATH).status_code == 404


@pytest.mark.django_db
def test_with_the_variable_the_bare_view_answers_without_the_database(client, urlconf_with,
                                                                       django_assert_num_queries):
    urlconf_with("1")
    assert resolve(BENCH_BARE_PATH).url_name == "bench_bare"
    with django_assert_num_queries(0):
        response = client.get(BENCH_BARE_PATH)
    assert response.status_code == 200 and response.content == b"ok"


# ---------------------------------------------------------------- against a live server
@pytest.fixture
def bench_district(transactional_db, demo):
    # The household page needs a household of township1 with four members (households.bench.http_pages).
    make_household(demo.village_a, members=3)
    return demo


def test_login_and_load_through_a_live_server(bench_district, live_server):
    cookies = bench_http.login(live_server.url, "township1", DEMO_PASSWORD)
    result = bench_http.load(live_server.url, reverse("households:list"), clients=2, requests=3, cookies=cookies)
    assert result.errors == 0 and len(result.latencies_ms) == 3 and result.seconds > 0
    # Without the session every answer is a redirect to the login page: errors, not timings.
    anonymous = bench_http.load(live_server.url, reverse("households:list"), clients=2, requests=3)
    assert anonymous.errors == 3 and anonymous.latencies_ms == []


def test_a_failed_login_stops_the_benchmark(bench_district, live_server):
    with pytest.raises(CommandError, match="login of township1 failed"):
        bench_http.login(live_server.url, "township1", "not-the-password")


def test_every_benchmarked_page_answers_its_user(bench_district, live_server):
    pages = bench_http._pages()
    assert {p.name for p in pages} >= {
        "home_township", "household_list_township", "household_page_township", "alert_list_township",
        "lead_list_township", "referral_list_township", "dashboard_township", "household_list_district",
        "dashboard_district", "worklist_caseworker", "home_caseworker"}
    cookies = {u: bench_http.login(live_server.url, u, DEMO_PASSWORD) for u in {p.username for p in pages}}
    for page in pages:
        bench_http.check_page(live_server.url, page, cookies[page.username])
    # A page the user may not open stops the benchmark with what it answered.
    household_page = next(p for p in pages if p.name == "household_page_township")
    with pytest.raises(CommandError, match="answered 302"):
        bench_http.check_page(live_server.url, household_page, {})


# ---------------------------------------------------------------- the deployment's gunicorn
def test_gunicorn_serves_the_bare_view_and_stops_with_its_workers():
    with bench_http.gunicorn(workers=2) as server:
        assert httpx.get(server.base_url + BENCH_BARE_PATH).text == "ok"
        master = psutil.Process(server.process.pid)
        started = [master, *master.children(recursive=True)]
        assert len(started) == 3
        assert "gunicorn" in " ".join(master.cmdline()) and "relief.wsgi" in master.cmdline()
    for process in started:
        assert not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    # The variable was the server's alone.
    assert os.environ.get(BENCH_BARE_VIEW_ENV) is None
