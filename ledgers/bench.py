"""Benchmark of the ledgers (`make bench`; listed last in RELIEF_BENCH_SECTIONS, after the seeding sections).

Writes the key-person roster of the whole district (100,000 households seeded by households.bench) and
the visit ledger of the district (12 months of visits, ~360,000 rows, seeded by the visits section; when
`--only ledgers` skipped that section, its seeding function is called here), as the district official
would download them: time, rows, queries, file size and peak memory (resident set size sampled every
50 ms). Each export runs in a fresh process (`manage.py shell -c`): the bench process has grown by
hundreds of MB while seeding, memory Python reuses without the RSS moving, which would hide what the
export itself needs. `peak_memory` is above what that process held before the export (Django loaded),
`process_peak` the whole process at its largest.
"""
from __future__ import annotations

import datetime as dt
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
    _export(out, "roster", "roster", month_start(today), today)
    try:
        Visit = apps.get_model("visits", "Visit")
    except LookupError:
        out.write("ledger_visits: skipped (no visits app)")
        return
    if Visit.objects.count() < MIN_VISITS:
        try:
            from visits.bench import seed_visits
        except ImportError:
            seed_visits = None
        if seed_visits is not None:
            seed_visits(out)
    first = Visit.objects.order_by("visited_on").values_list("visited_on", flat=True).first()
    if first is None or Visit.objects.count() < MIN_VISITS:
        out.write("ledger_visits: skipped (the bench database holds no visits)")
        return
    _export(out, "visits", "visits", month_start(first), today)


def http_pages() -> list:
    """This app's pages in the HTTP benchmark (settings.RELIEF_BENCH_HTTP_PAGES, relief/bench_http.py)."""
    from django.urls import reverse

    from relief.benchmarking import HttpPage

    return [
        HttpPage("dashboard_township", "township1", reverse("ledgers:dashboard")),
        HttpPage("dashboard_district", "district", reverse("ledgers:dashboard")),
    ]
