"""Benchmark of the visits jobs (`make bench`, after the households sections in RELIEF_BENCH_SECTIONS).

Seeds 12 months of visits (one a month, a few where the person was not seen, the latest one to
three months back so that part of the roster is overdue) for the roster households the households
section seeded, in bulk, then times the overdue scan: a first run (opens the alerts) and a repeated
run (opens nothing), with their query counts; then the worklist of the caseworker with the most
watched households: the selector and the whole page, median and p95, with their query counts.
"""
from __future__ import annotations

import datetime as dt
import random
import statistics
import time
import uuid

from django.db import connection, transaction
from django.utils import timezone

from . import latest

BATCH = 5000
REPEATS = 20


def _count_queries(fn):
    executed = []
    with connection.execute_wrapper(lambda execute, sql, params, many, context: (
            executed.append(sql), execute(sql, params, many, context))[1]):
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return result, seconds, len(executed)


def seed_visits(out, months: int = 12) -> int:
    from households.models import RosterEntry

    from .models import CHECK_FIELDS, LatestVisit, Visit

    roster = list(RosterEntry.objects.filter(exited_on__isnull=True).values_list("household_id", flat=True))
    if not roster:
        out.write("visits_seed: no roster households (run the households seed section first)")
        return 0
    expected = len(roster) * months
    existing = Visit.objects.count()
    if existing >= expected * 0.9:
        out.write(f"visits_seed_rows: {existing} rows (already seeded)")
        if not LatestVisit.objects.exists():  # seeded before the kept copy existed, or interrupted
            latest.rebuild(roster, models=latest.current_models())
        return existing
    rng = random.Random(20260105)
    today = timezone.localdate()
    now = timezone.now()
    started = time.perf_counter()
    batch, written = [], 0
    for household_id in roster:
        # The latest visit 0-95 days back: about two thirds of the roster is overdue today (a heavy case).
        newest = today - dt.timedelta(days=rng.randint(0, 95))
        for month in range(months):
            day = newest - dt.timedelta(days=30 * month + rng.randint(0, 4))
            seen = rng.random() > 0.08
            checks = {name: "normal" if seen else "" for name in CHECK_FIELDS}
            batch.append(Visit(
                household_id=household_id, visited_on=day, method="home" if seen else "phone", person_seen=seen,
                not_seen_reason="" if seen else "家中无人", situation="生活基本正常" if seen else "",
                situation_clear=seen, completes_period=seen, case_open=not seen,
                next_follow_up_on=None if seen else day + dt.timedelta(days=7), idempotency_key=uuid.uuid4(),
                created_at=now, updated_at=now, **checks))
            if len(batch) >= BATCH:
                with transaction.atomic():
                    Visit.objects.bulk_create(batch, batch_size=BATCH)
                written += len(batch)
                batch = []
    if batch:
        with transaction.atomic():
            Visit.objects.bulk_create(batch, batch_size=BATCH)
        written += len(batch)
    # bulk_create sends no signal: the kept latest dates are rebuilt set-based, as part of the seeding.
    latest.rebuild(roster, models=latest.current_models())
    seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE visits_visit")
            cursor.execute("ANALYZE visits_latestvisit")
    out.write(f"visits_seed_rows: {written} rows")
    out.write(f"visits_seed_roster_households: {len(roster)} households")
    out.write(f"visits_seed_time: {seconds:.1f} s")
    return written


def seed(out, households: int = 100_000) -> None:
    """Visits are part of the district every section measures (the worklist, the household page, the pages
    over HTTP), so they are seeded with the households whatever --only says."""
    seed_visits(out)


def run(out, households: int = 100_000) -> None:
    from relief.models import Role, User

    from alerts.jobs import status_change_scan
    from alerts.models import Alert, AlertKind

    from .jobs import overdue_scan

    seed_visits(out)
    Alert.objects.filter(kind=AlertKind.OVERDUE_VISIT).delete()
    first, seconds, queries = _count_queries(overdue_scan)
    out.write(f"overdue_scan_first_time: {seconds:.2f} s")
    out.write(f"overdue_scan_first_queries: {queries} queries")
    out.write(f"overdue_scan_first_opened: {first['opened']} alerts")
    again, seconds, queries = _count_queries(overdue_scan)
    out.write(f"overdue_scan_repeat_time: {seconds:.2f} s")
    out.write(f"overdue_scan_repeat_queries: {queries} queries")
    out.write(f"overdue_scan_repeat_opened: {again['opened']} alerts")
    _result, seconds, queries = _count_queries(status_change_scan)
    out.write(f"status_change_scan_time: {seconds:.2f} s")
    out.write(f"status_change_scan_queries: {queries} queries")

    caseworkers = list(User.objects.filter(role=Role.CASEWORKER, is_active=True, jurisdiction__isnull=False))
    if caseworkers:
        _worklist(out, caseworkers)


def _percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]


def _worklist(out, caseworkers) -> None:
    """The worklist of the caseworker with the most watched households: the selector alone and the
    whole page (front page and a later page of the overdue section), median and p95 of 20 runs."""
    from django.conf import settings
    from django.db import transaction
    from django.db.models import Count, Q
    from django.test import Client, override_settings
    from django.urls import reverse

    from households.models import Household
    from relief import data_version
    from relief.access import Action, village_ids_for

    from .selectors import worklist_for

    watched = dict(
        Household.objects.filter(village_id__in={u.jurisdiction_id for u in caseworkers})
        .values_list("village_id").annotate(n=Count("pk", filter=Q(roster_entries__exited_on__isnull=True)))
        .order_by())
    busiest = max(caseworkers, key=lambda u: watched.get(u.jurisdiction_id, 0))
    village_ids = village_ids_for(busiest, Action.LOG_VISITS)
    work, _seconds, queries = _count_queries(lambda: worklist_for(busiest, village_ids=village_ids))
    timings = []
    for _i in range(REPEATS):
        _work, seconds, _queries = _count_queries(lambda: worklist_for(busiest, village_ids=village_ids))
        timings.append(seconds * 1000)
    median, p95 = _percentiles(timings)
    out.write(f"worklist_watched_households: {work.watched_count} households")
    out.write(f"worklist_overdue_households: {len(work.overdue)} households")
    out.write(f"worklist_median: {median:.0f} ms (the watched households' rows kept between looks)")
    out.write(f"worklist_p95: {p95:.0f} ms")
    out.write(f"worklist_queries: {queries} queries")

    def counted():
        # As the first look after any write: a transaction that has changed the records reads them afresh
        # (relief/figure_cache.py), never the kept rows.
        with transaction.atomic():
            data_version.records_changed()
            return worklist_for(busiest, village_ids=village_ids)

    timings = []
    for _i in range(REPEATS):
        _work, seconds, queries = _count_queries(counted)
        timings.append(seconds * 1000)
    median, p95 = _percentiles(timings)
    out.write(f"worklist_counted_median: {median:.0f} ms (read afresh, as after a write)")
    out.write(f"worklist_counted_p95: {p95:.0f} ms")
    out.write(f"worklist_counted_queries: {queries} queries")

    url = reverse("visits:worklist")
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        client = Client()
        client.force_login(busiest)
        for name, path in (("worklist_page", url), ("worklist_overdue_page_3", f"{url}?show=overdue&page=3")):
            assert client.get(path).status_code == 200
            _response, _seconds, queries = _count_queries(lambda: client.get(path))
            timings = []
            for _i in range(REPEATS):
                _response, seconds, _queries = _count_queries(lambda: client.get(path))
                timings.append(seconds * 1000)
            median, p95 = _percentiles(timings)
            out.write(f"{name}_median: {median:.0f} ms")
            out.write(f"{name}_p95: {p95:.0f} ms")
            out.write(f"{name}_queries: {queries} queries")


def http_pages() -> list:
    """This app's pages in the HTTP benchmark (settings.RELIEF_BENCH_HTTP_PAGES, relief/bench_http.py)."""
    from django.urls import reverse

    from relief.benchmarking import HttpPage

    return [HttpPage("worklist_caseworker", "caseworker1", reverse("visits:worklist"))]
