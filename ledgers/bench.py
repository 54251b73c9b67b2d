"""Benchmark of the ledgers (`make bench`; listed last in RELIEF_BENCH_SECTIONS, after the seeding sections).

Writes the key-person roster of the whole district (100,000 households seeded by households.bench) and
the visit ledger of the district (12 months of visits, ~360,000 rows, seeded by the visits section; when
`--only ledgers` skipped that section, its seeding function is called here), as the district official
would download them: time, rows, queries, file size and peak memory (resident set size sampled every
50 ms). Each export runs in a fresh process (`manage.py shell -c`): the bench process has grown by
hundreds of MB while seeding, memory Python reuses without the RSS moving, which would hide what the
export itself needs. `peak_memory` is above what that process held before the export (Django loaded),
`process_peak` the whole process at its largest.

The visit ledger is compared with the floor it cannot beat: the same rows from one raw PostgreSQL query
(server-side cursor) appended to an openpyxl write-only sheet, without labels, masking or formats
(`ledger_visits_vs_raw`, to stay at or under 1.3).

The dashboard (`ledgers_dashboard_*`), as township staff and the district official open it (the default
period, through the Django test client with every middleware): `*_counted_*` when every look counts its
numbers (nothing kept), `*_p95` and `*_queries` while the numbers of the last minute are kept (the first
look counts them), and ten district officials at once, first with nothing kept (one counts, the others
wait for its numbers), then with every look counting.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
import time

from django.db import connection
from django.utils import timezone

from relief.benchmarking import LineWriter, PeakMemory, in_fresh_process

MIN_VISITS = 1000


def _export(out, name: str, kind: str, start: dt.date, end: dt.date) -> None:
    """Measure one district ledger in a fresh process and relay its figures."""
    in_fresh_process(out, f"from ledgers.bench import export_here; "
                          f"export_here({name!r}, {kind!r}, {start.isoformat()!r}, {end.isoformat()!r})",
                     prefix="ledger_")


def export_here(name: str, kind: str, start: str, end: str) -> None:
    """The child's side of _export: the district official downloads the district's ledger."""
    from relief.demo import DISTRICT_CODE
    from relief.models import Jurisdiction, User

    _measure(LineWriter, name, kind, User.objects.get(username="district"), Jurisdiction.objects.get(code=DISTRICT_CODE),
             dt.date.fromisoformat(start), dt.date.fromisoformat(end))


def _measure(out, name: str, kind: str, user, jurisdiction, start, end) -> None:
    from .reports import LedgerRequest, ledger_for
    from relief.xlsx import write_workbook

    request = LedgerRequest(user=user, kind=kind, jurisdiction=jurisdiction, start=start, end=end)
    ledger = ledger_for(request)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ledger.xlsx")
        queries = []
        started = time.perf_counter()
        with PeakMemory() as memory, connection.execute_wrapper(
                lambda execute, sql, params, many, context: (queries.append(sql), execute(sql, params, many,
                                                                                           context))[1]):
            rows = write_workbook(path, title=ledger.title, subtitle=request.subtitle(), sheets=ledger.sheets())
        seconds = time.perf_counter() - started
        size = os.path.getsize(path) / 1024 / 1024
    out.write(f"ledger_{name}_rows: {rows} rows")
    out.write(f"ledger_{name}_time: {seconds:.1f} s")
    out.write(f"ledger_{name}_rate: {rows / seconds if seconds else 0:.0f} rows/s")
    out.write(f"ledger_{name}_queries: {len(queries)} queries")
    out.write(f"ledger_{name}_peak_memory: {memory.added_mb:.0f} MB")
    out.write(f"ledger_{name}_process_peak: {memory.peak / 1024 / 1024:.0f} MB")
    out.write(f"ledger_{name}_file: {size:.1f} MB")


def run(out, households: int = 100_000) -> None:
    from django.apps import apps

    from relief.months import month_start

    today = timezone.localdate()
    try:
        Visit = apps.get_model("visits", "Visit")
    except LookupError:
        Visit = None
    if Visit is not None and Visit.objects.count() < MIN_VISITS:
        try:
            from visits.bench import seed_visits
        except ImportError:
            seed_visits = None
        if seed_visits is not None:
            seed_visits(out)
    # The dashboard once the visits are there: its visits on time read a year of them.
    in_fresh_process(out, "from ledgers.bench import dashboard_here; dashboard_here()", prefix="ledgers_dashboard_")
    _export(out, "roster", "roster", month_start(today), today)
    if Visit is None:
        out.write("ledger_visits: skipped (no visits app)")
        return
    first = Visit.objects.order_by("visited_on").values_list("visited_on", flat=True).first()
    if first is None or Visit.objects.count() < MIN_VISITS:
        out.write("ledger_visits: skipped (the bench database holds no visits)")
        return
    relayed = _Relay(out)
    _export(relayed, "visits", "visits", month_start(first), today)
    in_fresh_process(relayed, f"from ledgers.bench import raw_visits_here; "
                              f"raw_visits_here({month_start(first).isoformat()!r}, {today.isoformat()!r})",
                     prefix="ledger_visits_raw_")
    ledger, raw = relayed.seconds("ledger_visits_time"), relayed.seconds("ledger_visits_raw_time")
    if ledger and raw:
        out.write(f"ledger_visits_vs_raw: {ledger / raw:.2f} x (raw cursor into openpyxl write-only: {raw:.1f} s)")


class _Relay:
    """Passes lines on and remembers them, to compare two measurements made in other processes."""

    def __init__(self, out):
        self.out, self.lines = out, []

    def write(self, line: str) -> None:
        self.lines.append(line)
        self.out.write(line)

    def seconds(self, name: str) -> float | None:
        for line in self.lines:
            if line.startswith(f"{name}: ") and line.endswith(" s"):
                return float(line.split(": ", 1)[1][:-2])
        return None


# ---------------------------------------------------------------- the raw floor of the visit ledger
RAW_VISITS_SQL = """
SELECT row_number() OVER (ORDER BY village.code, v.household_id, v.visited_on, v.id), township.name, village.name,
       head.name, head.id_number, h.residence_address, v.visited_on, v.method,
       concat_ws('、', people.names, NULLIF(v.volunteers, '')), v.person_seen, v.not_seen_reason, v.food,
       v.housing_safety, v.heating_cooling, v.medical, v.income_change, v.care, v.schooling, v.situation,
       v.needs::text, v.needs_text, v.willingness, v.ability, v.help_offered, v.actions_taken, v.measures,
       v.situation_clear, v.next_follow_up_on, v.case_open
FROM visits_visit v
JOIN households_household h ON h.id = v.household_id
JOIN relief_jurisdiction village ON village.id = h.village_id
LEFT JOIN relief_jurisdiction township ON township.id = village.parent_id
LEFT JOIN (SELECT DISTINCT ON (household_id) household_id, name, id_number FROM households_member
           ORDER BY household_id, status <> 'present', relation <> 'head', id) head ON head.household_id = h.id
LEFT JOIN (SELECT vv.visit_id, string_agg(COALESCE(NULLIF(u.full_name, ''), u.username), '、' ORDER BY vv.id) AS names
           FROM visits_visit_visitors vv JOIN relief_user u ON u.id = vv.user_id GROUP BY vv.visit_id) people
       ON people.visit_id = v.id
WHERE h.village_id = ANY(%s) AND v.visited_on BETWEEN %s AND %s
ORDER BY village.code, v.household_id, v.visited_on, v.id
"""


def raw_visits_here(start: str, end: str) -> None:
    """The child's side: the district's visits of the period, straight from a server-side cursor into a
    write-only sheet (same rows and columns as the visit ledger)."""
    from django.db import connection, transaction

    from households.models import Member
    from households.pii_fields import decrypt_column
    from relief.demo import DISTRICT_CODE
    from relief.models import Jurisdiction
    from relief.xlsx import new_workbook

    if connection.vendor != "postgresql":
        LineWriter.write("ledger_visits_raw_time: skipped (PostgreSQL only)")
        return
    village_ids = list(Jurisdiction.objects.villages().under(Jurisdiction.objects.get(code=DISTRICT_CODE))
                       .values_list("pk", flat=True))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "raw.xlsx")
        started = time.perf_counter()
        rows = 0
        book = new_workbook()
        sheet = book.create_sheet("raw")
        with transaction.atomic():  # a server-side cursor lives in a transaction
            connection.ensure_connection()
            with connection.connection.cursor(name="raw_visits") as cursor:
                cursor.itersize = 2000
                cursor.execute(RAW_VISITS_SQL, [village_ids, dt.date.fromisoformat(start),
                                                dt.date.fromisoformat(end)])
                for row in cursor:
                    # The head's ID number is a token at rest: the ledger decrypts it, so the floor does too.
                    row = list(row)
                    row[4] = decrypt_column(Member, "id_number", row[4])
                    sheet.append(row)
                    rows += 1
        book.save(path)
        seconds = time.perf_counter() - started
    LineWriter.write(f"ledger_visits_raw_rows: {rows} rows")
    LineWriter.write(f"ledger_visits_raw_time: {seconds:.1f} s")


# ---------------------------------------------------------------- the dashboard
def _p(values: list[float], q: float) -> float:
    """The q-th quantile by nearest rank (p95 of 20 looks: the 19th fastest)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(len(ordered) * q) - 1))] if ordered else 0.0


def _looks(client, n: int) -> tuple[list[float], list[int], list[float]]:
    """n looks at the dashboard: milliseconds, queries, and milliseconds of this process's CPU (the page's
    own work, which a busy machine does not inflate as it does the wall-clock time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, cpu = [], [], []
    for _ in range(n):
        with CaptureQueriesContext(connection) as captured:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get("/ledgers/dashboard/")
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, response.status_code
        queries.append(len(captured))
    return times, queries, cpu


def _new_stamp() -> None:
    """Numbers kept so far are not read again (as after a change a service committed)."""
    from relief import data_version

    data_version._Replace(data_version.RECORDS)()


def dashboard_here(looks: int = 20, users: int = 10, rounds: int = 5) -> None:
    """The child's side of the dashboard timings (see the module's docstring)."""
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from relief.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    out = LineWriter
    for name, username in (("township", "township1"), ("district", "district")):
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/ledgers/dashboard/")  # the first look of a process loads templates and translations
        with override_settings(RELIEF_DASHBOARD_CACHE_SECONDS=0):
            times, queries, cpu = _looks(client, max(5, looks // 2))
        out.write(f"ledgers_dashboard_{name}_counted_p50: {_p(times, .5):.0f} ms")
        out.write(f"ledgers_dashboard_{name}_counted_p95: {_p(times, .95):.0f} ms")
        out.write(f"ledgers_dashboard_{name}_counted_cpu: {_p(cpu, .5):.0f} ms")
        out.write(f"ledgers_dashboard_{name}_counted_queries: {max(queries)} queries")
        _new_stamp()
        times, queries, cpu = _looks(client, looks)
        out.write(f"ledgers_dashboard_{name}_first: {times[0]:.0f} ms (counts and keeps the numbers)")
        out.write(f"ledgers_dashboard_{name}_p50: {_p(times, .5):.0f} ms")
        out.write(f"ledgers_dashboard_{name}_p95: {_p(times, .95):.0f} ms")
        out.write(f"ledgers_dashboard_{name}_cpu: {_p(cpu[1:], .5):.0f} ms")
        out.write(f"ledgers_dashboard_{name}_queries: {min(queries)} queries (kept numbers), "
                  f"{queries[0]} (counting)")

    district = User.objects.get(username="district")

    def crowd(label: str) -> None:
        # One process per user, as the app's workers are (gunicorn forks them): threads of one process would
        # measure Python's global lock, not the page.
        import multiprocessing

        from django.db import connections

        sessions = []
        for _ in range(users):
            client = Client()
            client.force_login(district)
            sessions.append(client.cookies)
        connections.close_all()
        context = multiprocessing.get_context("fork")
        ready, results = context.Barrier(users), context.Queue()
        workers = [context.Process(target=_one_user, args=(cookies, rounds, i, ready, results))
                   for i, cookies in enumerate(sessions)]
        for worker in workers:
            worker.start()
        times = [t for _ in workers for t in results.get()]
        for worker in workers:
            worker.join()
        out.write(f"ledgers_dashboard_district_{users}_users{label}_p50: {_p(times, .5):.0f} ms")
        out.write(f"ledgers_dashboard_district_{users}_users{label}_p95: {_p(times, .95):.0f} ms")
        out.write(f"ledgers_dashboard_district_{users}_users{label}_max: {max(times):.0f} ms "
                  f"({users} users, {rounds} looks each)")

    crowd("")
    with override_settings(RELIEF_DASHBOARD_CACHE_SECONDS=0):
        crowd("_counted")


def _one_user(cookies, rounds: int, index: int, ready, results) -> None:
    """One user's looks at the dashboard, in a process of its own (forked: it opens its own connection). Its
    first look is not measured: a fresh fork pays for its memory pages and connection, a worker that has
    served a request before does not. Then the first user replaces the stamp, and everyone looks at once."""
    from django.test import Client

    client = Client()
    client.cookies = cookies
    client.get("/ledgers/dashboard/")
    ready.wait()
    if index == 0:
        _new_stamp()
    ready.wait()
    times = []
    for _ in range(rounds):
        begun = time.perf_counter()
        response = client.get("/ledgers/dashboard/")
        times.append((time.perf_counter() - begun) * 1000)
        if response.status_code != 200:
            times[-1] = float("inf")
    results.put(times)


def http_pages() -> list:
    """This app's pages in the HTTP benchmark (settings.RELIEF_BENCH_HTTP_PAGES, relief/bench_http.py)."""
    from django.urls import reverse

    from relief.benchmarking import HttpPage

    return [
        HttpPage("dashboard_township", "township1", reverse("ledgers:dashboard")),
        HttpPage("dashboard_district", "district", reverse("ledgers:dashboard")),
    ]
