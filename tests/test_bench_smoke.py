"""`make bench` runs from end to end: every section, on a district small enough for the suite (scripts/bench.sh
with 300 households (enough visits for the visit ledger), the HTTP section with one client and two requests per page). A section that breaks
(the dashboard's once did, unseen until the next hand run) fails here rather than at the scale run.

The script makes a database of its own (BENCH_DB on the PostgreSQL server of DATABASE_URL, else a temporary
SQLite file) and keeps its figures in that database's cache table, never in the suite's Redis."""
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURE = re.compile(r"^([a-z0-9_]+): (\S+) (.+)$")
# One figure each section prints, in the order the sections run (settings.RELIEF_BENCH_SECTIONS).
EXPECTED = ["seed_rate", "visits_seed_rows", "household_list_first_page_township_p95", "household_page_township_queries",
            "imports_library_rows_per_s", "imports_library_end_to_end_rows_per_s", "imports_import_rows_per_s", "imports_vs_library", "overdue_scan_first_time", "worklist_counted_p95", "worklist_page_p95", "plans_match_first_time",
            "plans_match_repeat_queries", "ledgers_dashboard_township_p95", "ledgers_dashboard_district_p95",
            "ledger_roster_rate", "ledger_visits_rate", "http_household_list_township_c1_ratio_p95",
            "http_worklist_caseworker_c1_p95", "http_bare_c1_p95", "bench_total"]


def test_make_bench_runs_every_section_on_a_small_district():
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "RELIEF_CACHE_URL", "BENCH_KEEP")}
    env["BENCH_DB"] = "relief_bench_smoke"
    run = subprocess.run(["bash", "scripts/bench.sh", "--households", "300", "--http-requests", "2",
                          "--http-clients", "1"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    figures = {}
    for line in run.stdout.splitlines():
        match = FIGURE.match(line)
        if match:
            figures[match.group(1)] = (match.group(2), match.group(3))
    missing = [name for name in EXPECTED if name not in figures]
    assert not missing, f"not printed: {missing}\n{run.stdout[-3000:]}"
    assert figures["seed_rate"][1].startswith("households/s")
    assert all(figures[name][0] == "0" for name in figures if name.startswith("http_") and name.endswith("_errors"))
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert "ledger_visits_vs_raw" in figures  # the raw cursor it is measured against is PostgreSQL's
    positions = [list(figures).index(name) for name in EXPECTED]
    assert positions == sorted(positions), "sections ran out of order"
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        # Again on the kept database, as `BENCH_KEEP=1 make bench` does: the import removes the households an
        # earlier run imported, with what later sections attached to them (leads, alerts), and imports anew.
        again = subprocess.run(["bash", "scripts/bench.sh", "--households", "300", "--only", "imports"], cwd=ROOT,
                               env={**env, "BENCH_KEEP": "1"}, capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
        assert "imports_failed" not in again.stdout and "imports_error" not in again.stdout, again.stdout[-3000:]
        assert re.search(r"^imports_import_rows_per_s: \d+ rows/s \(done,", again.stdout, re.M), again.stdout[-3000:]
