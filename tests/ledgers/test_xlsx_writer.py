"""One writer for every .xlsx the app produces (relief.xlsx): text that a spreadsheet would run as a
formula is neutralised in the import error report and the admin's export as it is in the ledgers."""
import io
import pathlib
import re

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from imports import services
from imports.models import ImportStatus
from imports.spreadsheets import table_workbook, template_workbook
from tests.imports.helpers import HOUSEHOLD_HEADERS, family, upload

HOSTILE = ["=1+1", "+1", "-2", "@SUM(A1)"]
NEUTRAL = ["＝1+1", "＋1", "－2", "＠SUM(A1)"]


def _text_workbook(headers, rows) -> bytes:
    """An upload whose hostile cells are plain text cells (as a user's CSV-turned-xlsx would hold them)."""
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_the_import_error_report_neutralises_cells_that_start_a_formula(client, demo):
    rows = family(1, 4)
    rows[0]["身份证号"] = "123"  # one bad row: the file is refused and has an error report
    for row, text in zip(rows, HOSTILE):
        row["户籍地址"] = text
    batch = services.batch_upload(actor=demo.township1, kind="households",
                                  upload=upload(_text_workbook(HOUSEHOLD_HEADERS, rows)))
    batch = services.batch_validate(batch_id=batch.pk)
    assert batch.status == ImportStatus.INVALID
    client.force_login(demo.township1)
    response = client.get(reverse("imports:error_report", kwargs={"pk": batch.pk}))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    column = HOUSEHOLD_HEADERS.index("户籍地址") + 1
    cells = [sheet.cell(row=n, column=column) for n in range(2, 2 + len(HOSTILE))]
    assert [c.value for c in cells] == NEUTRAL
    assert all(c.data_type == "s" for c in cells)


def test_the_admin_export_and_the_template_go_through_the_same_writer():
    sheet = load_workbook(io.BytesIO(table_workbook(["姓名", "金额"], [[text, 5] for text in HOSTILE]))).active
    assert [row for row in sheet.iter_rows(min_row=2, values_only=True)] == [(text, 5) for text in NEUTRAL]
    book = load_workbook(io.BytesIO(template_workbook("households", watermark="")))
    assert not any(isinstance(c.value, str) and c.value[:1] in "=+-@"
                   for ws in book.worksheets for row in ws.iter_rows() for c in row)


# Files that stand in for what a user uploads (the demo's deliberately formula-bearing file, the
# benchmark's input, the department list the feed demo uploads), not files the app gives anyone.
UPLOAD_STAND_INS = {"imports/demo.py", "imports/bench.py", "referrals/demo_feed.py"}


def test_no_code_but_the_one_writer_makes_a_workbook():
    root = pathlib.Path(settings.BASE_DIR)
    makers = set()
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "tests/", "var/")) or relative in UPLOAD_STAND_INS:
            continue
        if re.search(r"\bWorkbook\(", path.read_text(encoding="utf-8")):
            makers.add(relative)
    assert makers == {"relief/xlsx.py"}
