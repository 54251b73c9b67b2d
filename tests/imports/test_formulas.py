"""A real Excel formula in a cell: read as a formula, refused in a name, reported with its text.

The files are real .xlsx workbooks written by openpyxl (which stores formulas without results, as a
program that does not calculate does); `with_cached_values` adds the result Excel would have stored.
"""
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from households import models as hh
from imports import services
from imports.models import ImportBatch, ImportStatus
from imports.reader import Formula, SheetReader, SniffResult

from .helpers import HOUSEHOLD_HEADERS, FEED_HEADERS, family, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

NAME = get_column_letter(HOUSEHOLD_HEADERS.index("姓名") + 1)
HUKOU_ADDRESS = get_column_letter(HOUSEHOLD_HEADERS.index("户籍地址") + 1)


def _workbook(rows, formulas: dict[str, str], headers=HOUSEHOLD_HEADERS, cached: dict | None = None) -> bytes:
    return xlsx_bytes(headers, rows, formulas=formulas, cached=cached)


def _dry_run(demo, content, kind="households", **extra) -> ImportBatch:
    batch = services.batch_upload(actor=demo.township1, kind=kind, upload=upload(content), **extra)
    return services.batch_validate(batch_id=batch.pk)


def _errors_at(batch, row, column) -> str:
    return "".join(m for r, c, m in batch.errors if (r, c) == (row, column))


def test_the_reader_gives_formulas_with_their_text_and_stored_value():
    content = _workbook(family(1, 3), {f"{NAME}2": '=A1&"x"', f"{NAME}3": "=UPPER(B3)"},
                        cached={f"{NAME}3": "李四"})
    reader = SheetReader(io.BytesIO(content), SniffResult("xlsx"))
    rows = dict(reader.rows())
    reader.close()
    position = HOUSEHOLD_HEADERS.index("姓名")
    assert rows[2][position] == Formula('=A1&"x"', None)
    assert rows[3][position] == Formula("=UPPER(B3)", "李四")
    assert rows[4][position] == "成员3"


def test_a_shared_formula_is_given_the_text_of_its_own_cell():
    """Excel stores a formula filled down once, as a “shared” formula; each cell gets its own text."""
    content = _workbook(family(1, 3), {})
    import re
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = re.sub(rf'<c r="{NAME}2"[^>]*>.*?</c>',
                              f'<c r="{NAME}2" t="str"><f t="shared" ref="{NAME}2:{NAME}3" si="0">B2&amp;"x"</f>'
                              f'<v>1x</v></c>', text, count=1)
                text = re.sub(rf'<c r="{NAME}3"[^>]*>.*?</c>', f'<c r="{NAME}3" t="str"><f t="shared" si="0"/>'
                              f'<v>2x</v></c>', text, count=1)
                data = text.encode()
            target.writestr(item, data)
    reader = SheetReader(io.BytesIO(buffer.getvalue()), SniffResult("xlsx"))
    rows = dict(reader.rows())
    reader.close()
    position = HOUSEHOLD_HEADERS.index("姓名")
    assert rows[2][position] == Formula('=B2&"x"', "1x")
    assert rows[3][position] == Formula('=B3&"x"', "2x")


@pytest.mark.parametrize("cached", [None, {f"{NAME}3": "成员2x"}], ids=["without a stored value", "with one"])
def test_a_formula_in_a_name_is_reported_as_a_formula_not_as_empty(demo, cached):
    content = _workbook(family(1, 3), {f"{NAME}3": '=A1&"x"'}, cached=cached)
    batch = _dry_run(demo, content)
    assert batch.status == ImportStatus.INVALID
    message = _errors_at(batch, 3, "姓名")
    assert "公式" in message and '=A1&"x"' in message
    assert "必填" not in message
    assert batch.error_count == 1 and batch.new_count == 2
    assert hh.Member.objects.count() == 0


def test_a_formula_without_a_stored_value_is_never_taken_as_blank(demo):
    """An optional column too: the cell is not empty, it holds a formula nobody calculated."""
    batch = _dry_run(demo, _workbook(family(1, 2), {f"{HUKOU_ADDRESS}2": '=CONCATENATE("华阳路","1号")'}))
    message = _errors_at(batch, 2, "户籍地址")
    assert "公式" in message and "没有保存它的计算结果" in message and "=CONCATENATE(" in message


def test_a_formula_in_a_feed_name_is_refused(demo):
    rows = [{"姓名": "王五", "身份证号": family(1, 1)[0]["身份证号"]}]
    content = _workbook(rows, {"A2": '=HYPERLINK("http://example.invalid/","王五")'}, headers=FEED_HEADERS,
                        cached={"A2": "王五"})
    batch = _dry_run(demo, content, kind="feed", feed_kind="unemployed")
    assert batch.status == ImportStatus.INVALID and "=HYPERLINK(" in _errors_at(batch, 2, "姓名")


def test_the_error_report_keeps_the_row_with_its_formula_as_text(client, demo):
    client.force_login(demo.township1)
    content = _workbook(family(1, 3), {f"{NAME}3": '=A1&"x"'}, cached={f"{NAME}3": "成员2x"})
    client.post(reverse("imports:index"), {"kind": "households", "file": upload(content)})
    batch = ImportBatch.objects.get()
    page = client.get(reverse("imports:detail", kwargs={"pk": batch.pk})).content.decode()
    assert "=A1&amp;&quot;x&quot;" in page and "必填" not in page  # the preview shows the formula too
    response = client.get(reverse("imports:error_report", kwargs={"pk": batch.pk}))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)).active
    rows = {row[0].row: row for row in sheet.iter_rows()}
    position = HOUSEHOLD_HEADERS.index("姓名")
    cell = rows[3][position]
    # The formula's text, written as neutralised text (full-width ＝): reads the same, never runs.
    assert cell.value == '＝A1&"x"' and cell.data_type == "s"
    assert "公式" in rows[3][len(HOUSEHOLD_HEADERS)].value
    assert len(rows) == 4  # header + every data row, the bad one included
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_the_django_admin_import_sees_the_formula_too(client, demo):
    """The admin reads a file through openpyxl (data_only: the formula is gone); the import still sees it."""
    client.force_login(demo.admin)
    content = _workbook(family(1, 2), {f"{NAME}3": '=A1&"x"'})
    url = reverse("admin:households_household_import")
    page = client.get(url).content.decode()
    assert "import_file" in page
    from django.contrib import admin

    from imports.admin import KeptXLSX

    formats = admin.site.get_model_admin(hh.Household).get_import_formats()
    response = client.post(url, {"format": formats.index(KeptXLSX), "import_file": upload(content, "户.xlsx"),
                                 "resource": 0})
    text = response.content.decode()
    assert response.status_code == 200
    assert "公式" in text and "=A1&amp;&quot;x&quot;" in text and "必填" not in text
    assert hh.Member.objects.count() == 0
