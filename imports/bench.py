"""`make bench` section: dry run and import of a 50,000-row household roster (.xlsx), rows/s and peak memory.

The file is generated (write-only openpyxl) with about 2.5 members per household across every village
of the demo district, uploaded as the district admin, validated (dry run), confirmed and imported in one
transaction, exactly as the import page does ("checked against the plan": the dry run's plan was reused
after re-asking its database reads; "the file": the file was validated again). Peak memory is the
process's resident set size, sampled. Households of an earlier run (ID numbers in AREA) are removed first.

The yardstick: the same file imported first by django-import-export tuned for bulk imports
(imports/bench_baseline.py), rolled back, the way its admin imports: a dry run for the preview, then the import
from the file read again. `imports_vs_library` is how many times faster ours is end to end (our check and
import against its preview and import, as the user waits) and for the import alone (one pass each).
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from households.idcard import check_char

from relief.benchmarking import LineWriter, PeakMemory, in_fresh_process

from .columns import HOUSEHOLD_COLUMNS

AREA = "659001"  # an address code the demo and synthetic districts do not use


def _id(n: int) -> str:
    born = dt.date(1930, 1, 1) + dt.timedelta(days=n // 400)
    first17 = f"{AREA}{born:%Y%m%d}{(n % 400) * 2 + 1:03d}"
    return first17 + check_char(first17)


def write_file(path: str, rows: int, villages: list[str]) -> int:
    """A roster of `rows` members; returns the number of households."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    sheet.append([c.header_text for c in HOUSEHOLD_COLUMNS])
    keys = [c.key for c in HOUSEHOLD_COLUMNS]
    n = households = 0
    while n < rows:
        size = min((1, 2, 3, 4)[households % 4], rows - n)
        head = _id(n)
        households += 1
        for i in range(size):
            member = _id(n + i)
            born = dt.date(int(member[6:10]), int(member[10:12]), int(member[12:14]))
            values = {
                "village": villages[households % len(villages)], "group": "", "head_id": head,
                "residence_address": f"测试路{households}号" if i == 0 else "", "hukou_address": "",
                "hukou_type": "城镇", "residence_differs": "否", "per_capita_income": 1000 + households % 900,
                "medical_expense": 0, "education_expense": 0, "other_expense": 0, "housing": "自有住房",
                "phone": "", "name": f"成员{n + i}", "relation": "户主" if i == 0 else "子女", "id_number": member,
                "birth_date": born, "sex": "男", "ethnicity": "汉族", "marital_status": "已婚" if i == 0 else "未婚",
                "serious_illness": "", "chronic_illness": "高血压" if households % 7 == 0 else "",
                "disability_type": "", "disability_grade": "", "self_care": "完全自理", "employment": "灵活就业",
                "school_stage": "", "status": "在户",
            }
            sheet.append([values[k] for k in keys])
        n += size
    book.save(path)
    return households


def _remove_earlier_run() -> None:
    """Households of an earlier run on the same database (their ID numbers use AREA), so runs repeat; with
    what later sections attached to them (the policy match's leads, the overdue scan's alerts)."""
    from households.models import Household
    from households.selectors import members_matching_id

    # Listed first: once their members are gone, a subquery would no longer find these households.
    households = list(members_matching_id(AREA).values_list("household_id", flat=True).distinct())
    _raw_delete_with_dependents(Household.objects.filter(pk__in=households))


def _raw_delete_with_dependents(queryset, depth: int = 0) -> None:
    """Delete the rows and, first, every row that refers to them, in SQL: the collector would load and
    audit-log tens of thousands of synthetic rows one by one."""
    from django.db import models

    if depth > 6:
        raise RuntimeError(f"references nested too deep under {queryset.model.__name__}")
    # Hidden relations too: a foreign key with related_name="+" (a household event's member) still refers.
    for relation in queryset.model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)):
            continue
        referring = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": queryset.values("pk")})
        if relation.on_delete is models.SET_NULL:
            referring.update(**{relation.field.name: None})
        elif relation.on_delete is not models.DO_NOTHING:
            _raw_delete_with_dependents(referring, depth + 1)
    queryset._raw_delete(queryset.db)


def run(out, households: int = 0, rows: int | None = None, **_kwargs):
    """50,000 rows for a district of 100,000 households or more; a smaller district imports half as many rows
    as it has households (at least 200), so a small run stays small."""
    rows = rows or (50_000 if households >= 100_000 or not households else max(200, households // 2))
    in_fresh_process(out, f"from imports.bench import measure_here; measure_here({rows})", prefix="imports_")


def measure_here(rows: int) -> None:
    """The child's side of run(): the district admin uploads, checks and imports the file."""
    measure(LineWriter, rows)


class _Kept:
    """Relays a child's lines and keeps them, for a figure the parent compares with."""

    def __init__(self, out):
        self.out, self.lines = out, []

    def write(self, line: str) -> None:
        self.lines.append(line)
        self.out.write(line)

    def rate(self, name: str) -> float | None:
        for line in self.lines:
            if line.startswith(f"{name}: "):
                return float(line.split()[1])
        return None


def measure(out, rows: int) -> None:
    from relief.demo import load_demo_district
    from relief.models import JurisdictionLevel, User

    from . import services
    from .models import ImportStatus

    load_demo_district()
    _remove_earlier_run()
    admin = User.objects.get(username="admin")
    villages = list(admin.jurisdiction.children.filter(level=JurisdictionLevel.TOWNSHIP).values_list(
        "children__code", flat=True)) if admin.jurisdiction else []
    villages = [v for v in villages if v]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "roster.xlsx")
        started = time.perf_counter()
        count = write_file(path, rows, villages)
        out.write(f"imports_file_write: {time.perf_counter() - started:.1f} s ({rows} rows, {count} households, "
                  f"{os.path.getsize(path) / 1024 / 1024:.1f} MB)")
        with open(path, "rb") as handle:
            content = handle.read()
        # First, rolled back, and in a process of its own: the registry the project's import meets is the same
        # either way, and the memory the library leaves behind would hide the import's peak below.
        library = _Kept(out)
        in_fresh_process(library, f"from imports.bench_baseline import measure_here; measure_here({path!r})",
                         prefix="imports_library_")
    baseline = library.rate("imports_library_rows_per_s")
    baseline_end_to_end = library.rate("imports_library_end_to_end_rows_per_s")
    with PeakMemory() as memory:
        started = time.perf_counter()
        batch = services.batch_upload(actor=admin, kind="households", upload=SimpleUploadedFile("roster.xlsx", content))
        del content
        batch = services.batch_validate(batch_id=batch.pk)
        dry = time.perf_counter() - started
        if batch.status != ImportStatus.READY:
            out.write(f"imports_error: dry run ended {batch.status}: {batch.message} {batch.errors[:3]}")
            return
        started = time.perf_counter()
        services.batch_confirm(actor=admin, batch=batch)
        batch = services.batch_import(batch_id=batch.pk)
        wet = time.perf_counter() - started
    out.write(f"imports_dry_run_rows_per_s: {batch.total_rows / dry:.0f} rows/s ({batch.total_rows} rows in {dry:.1f} s)")
    from auditlog.models import LogEntry

    checked = LogEntry.objects.filter(additional_data__event="import", additional_data__what="imported",
                                      additional_data__batch=batch.pk).values_list("additional_data", flat=True).first()
    out.write(f"imports_import_rows_per_s: {batch.total_rows / wet:.0f} rows/s ({batch.status}, {wet:.1f} s, "
              f"checked against the {(checked or {}).get('checked', '?')})")
    out.write(f"imports_end_to_end_rows_per_s: {batch.total_rows / (dry + wet):.0f} rows/s")
    if baseline and baseline_end_to_end:
        out.write(f"imports_vs_library: {batch.total_rows / (dry + wet) / baseline_end_to_end:.2f} x end to end "
                  f"(check and import against its preview and import), {batch.total_rows / wet / baseline:.2f} x "
                  "the import alone")
    out.write(f"imports_peak_rss: {memory.peak_mb:.0f} MB (whole process, Django loaded: "
              f"{memory.baseline / 1024 / 1024:.0f} MB before the upload)")
