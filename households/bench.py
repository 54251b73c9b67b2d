"""Benchmark of the registry (`make bench`, listed in RELIEF_BENCH_SECTIONS: seed first, then run).

`seed` fills the benchmark database (never the one `make run` uses) with the demo district's
jurisdictions and staff and `households` synthetic households in bulk, and prints how long it took.
`run` requests the household list (first page, a filtered page, a search by ID number, by a name's part,
by pinyin in full and by initials, by the last 4 and 6 digits of an ID number) and the
household page through Django's test client, logged in as a township user and as the district
official, and prints median and p95 latency and the number of SQL queries: one `name: value unit`
line per figure. Later issues add their own sections after these.
"""
from __future__ import annotations

import statistics
import time
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

REPEATS = 40
WARMUP = 3


def seed(out, households: int = 100_000) -> None:
    from relief.demo import DISTRICT_CODE, load_demo_district
    from relief.models import Jurisdiction, JurisdictionLevel

    from .demo import load_standards
    from .generator import generate
    from .models import Household

    load_demo_district()
    load_standards()
    existing = Household.objects.count()
    if existing >= households:
        out.write(f"seed_households: {existing} households (already seeded)")
        return
    villages = list(Jurisdiction.objects.filter(level=JurisdictionLevel.VILLAGE, code__startswith=DISTRICT_CODE[:6])
                    .order_by("code"))
    stats = generate(villages=villages, count=households - existing, seed=20260101, batch_size=5000, stdout=out)
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        # What autovacuum does to a table after bulk writes: statistics, and a visibility map so that
        # counts can be answered from an index.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    out.write(f"seed_households: {stats.households} households")
    out.write(f"seed_members: {stats.members} members")
    out.write(f"seed_roster: {stats.roster} households")
    out.write(f"seed_observation: {stats.observation} households")
    out.write(f"seed_assistance: {stats.assistance} records")
    out.write(f"seed_time: {stats.seconds:.1f} s")
    out.write(f"seed_rate: {stats.households / stats.seconds:.0f} households/s")
    out.write(f"seed_analyze_time: {time.perf_counter() - started:.1f} s")


def _measure(client: Client, url: str) -> tuple[float, float, int]:
    for _i in range(WARMUP):
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
    # Counted with an execute wrapper: with DEBUG on, the query log is a bounded deque that the
    # seeding has already filled, so its length would not change.
    executed = []
    with connection.execute_wrapper(lambda execute, sql, params, many, context: (
            executed.append(sql), execute(sql, params, many, context))[1]):
        client.get(url)
    timings = []
    for _i in range(REPEATS):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return statistics.median(timings), p95, len(executed)


def _members_plan(term: str) -> str:
    """How the database reads the members table for a name search (EXPLAIN): the scan or index it uses."""
    from .selectors import members_matching_name

    sql, params = members_matching_name(term).order_by().values("household_id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql, params)
        lines = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    return " | ".join(line.strip() for line in lines if "member" in line)[:300]


def _sample_household(township):
    """The township user's first household with at least four members: the household page measured."""
    from relief import access
    from relief.access import Action

    from .models import Household

    village_ids = access.village_ids_for(township, Action.VIEW)
    return (Household.objects.filter(village__in=village_ids).annotate(n=Count("members")).filter(n__gte=4)
            .order_by("pk").first())


def http_pages() -> list:
    """This app's pages in the HTTP benchmark (settings.RELIEF_BENCH_HTTP_PAGES, relief/bench_http.py)."""
    from relief.benchmarking import HttpPage
    from relief.models import User

    sample = _sample_household(User.objects.get(username="township1"))
    if sample is None:
        raise LookupError("no household of township1 with four members (run the households seed section first)")
    return [
        HttpPage("household_list_township", "township1", reverse("households:list")),
        HttpPage("household_page_township", "township1", reverse("households:detail", args=[sample.pk])),
        HttpPage("household_list_district", "district", reverse("households:list")),
    ]


def run(out, households: int = 100_000) -> None:
    from relief.models import User

    from .models import AssistanceType, Household, Member

    township = User.objects.get(username="township1")
    district = User.objects.get(username="district")
    sample = _sample_household(township)
    if sample is None:
        out.write("households_bench: no data (run the seed section first)")
        return
    from .pinyin import combinations

    id_number, name = Member.objects.filter(household=sample).values_list("id_number", "name").first()
    # Searches as staff type them (issue 18): the given name alone (matched anywhere; two characters, served on
    # PostgreSQL by the index of the name's pieces, as is its last character alone), the full pinyin and the
    # initials of the sample's first member, and the last 4 and 6 digits of their ID number.
    spelled = combinations(name)[0]
    searches = {"name_anywhere": name[1:], "name_one_char": name[-1], "pinyin_full": "".join(spelled),
                "pinyin_initials": "".join(s[0] for s in spelled), "id_last4": id_number[-4:],
                "id_last6": id_number[-6:]}
    out.write(f"bench_households: {Household.objects.count()} households")
    out.write(f"bench_members: {Member.objects.count()} members")
    out.write("# searches: " + ", ".join(f"{k}={v if not k.startswith('id') else '…'}" for k, v in searches.items()))
    list_url = reverse("households:list")
    pages = [
        ("household_list_first_page", list_url),
        ("household_list_filtered", f"{list_url}?{urlencode({'category': AssistanceType.DIBAO, 'on_roster': '1'})}"),
        ("household_list_search_id", f"{list_url}?{urlencode({'q': id_number})}"),
        *((f"household_list_search_{kind}", f"{list_url}?{urlencode({'q': term})}")
          for kind, term in searches.items()),
        ("household_list_page_100_rows", f"{list_url}?{urlencode({'size': 100, 'page': 3})}"),
        ("household_page", reverse("households:detail", args=[sample.pk])),
    ]
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for label, user in (("township", township), ("district", district)):
            client = Client()
            client.force_login(user)
            for name, url in pages:
                median, p95, queries = _measure(client, url)
                out.write(f"{name}_{label}_p50: {median:.1f} ms")
                out.write(f"{name}_{label}_p95: {p95:.1f} ms")
                out.write(f"{name}_{label}_queries: {queries} queries")
    for kind in ("name_anywhere", "name_one_char"):
        out.write(f"# plan of the members read for {kind}: {_members_plan(searches[kind])}")
