"""Hostile spreadsheets are refused in bounded time and memory, with a Chinese message naming the limit.

Every file is built here, small on disk; "bounded" is asserted by what was inflated from the archive
(every zip part read is counted) and by Python's peak allocation, never by the clock.
"""
import io
import struct
import tracemalloc
import zipfile

import pytest
from django.urls import reverse

from households import models as hh
from imports import services
from imports.models import ImportStatus
from imports.reader import BoundedMember, FileRejected, InflateBudget, ReadLimits, SheetReader, SniffResult

from .helpers import HOUSEHOLD_HEADERS, csv_bytes, household_row, id_for, upload, xlsx_bytes

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


@pytest.fixture
def inflated(monkeypatch):
    """Bytes inflated from zip parts while the test runs."""
    counter = {"bytes": 0}
    original = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = original(self, n)
        counter["bytes"] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    return counter


@pytest.fixture
def any_ratio(settings):
    """These rows compress a thousandfold and the ratio check alone would refuse them; a wide row of
    varied content compresses far less, so the limits that count as the sheet streams must hold alone."""
    settings.RELIEF_IMPORT_MAX_COMPRESSION_RATIO = 1_000_000


def _good_xlsx() -> bytes:
    return xlsx_bytes(HOUSEHOLD_HEADERS, [household_row(id_for(1))])


def with_sheet(sheet_chunks, *, base: bytes | None = None, level: int = 9) -> bytes:
    """A real workbook whose first sheet is replaced by `sheet_chunks` (bytes, streamed into the zip)."""
    source = zipfile.ZipFile(io.BytesIO(base or _good_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as package:
        for info in source.infolist():
            if info.filename == SHEET:
                with package.open(SHEET, "w") as part:
                    for chunk in sheet_chunks:
                        part.write(chunk)
            else:
                package.writestr(info.filename, source.read(info.filename))
    return out.getvalue()


def sheet_rows(*rows: bytes, dimension: bytes = b"") -> list[bytes]:
    return [SHEET_HEAD, dimension, b"<sheetData>", *rows, b"</sheetData></worksheet>"]


def declare_size(content: bytes, name: str, size: int) -> bytes:
    """The archive with `name`'s declared uncompressed size in the central directory (what readers trust)
    replaced."""
    data = bytearray(content)
    end = data.rindex(b"PK\x05\x06")
    central = struct.unpack_from("<I", data, end + 16)[0]
    while data[central:central + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, central + 28)
        if bytes(data[central + 46:central + 46 + name_length]).decode() == name:
            struct.pack_into("<I", data, central + 24, size)
            return bytes(data)
        central += 46 + name_length + extra_length + comment_length
    raise AssertionError(f"{name} is not in the archive")


def _upload(demo, content, name="名单.xlsx"):
    return services.batch_upload(actor=demo.township1, kind="households", upload=upload(content, name))


def _read_all(content: bytes, sniffed=None):
    reader = SheetReader(io.BytesIO(content), sniffed or SniffResult("xlsx"))
    try:
        for _row in reader.rows():
            pass
    finally:
        reader.close()


def inline(text: str, ref: str = "") -> bytes:
    r = f' r="{ref}"' if ref else ""
    return f'<c{r} t="inlineStr"><is><t>{text}</t></is></c>'.encode()


# ---------------------------------------------------------------- the archive's directory, in the request

def test_a_sheet_declared_to_inflate_to_a_gigabyte_is_refused_in_the_request_without_inflating_it(demo, inflated):
    content = declare_size(with_sheet(sheet_rows(b"<row r=\"1\">" + inline("x") + b"</row>")), SHEET, 1100 * MB)
    inflated["bytes"] = 0
    batch = _upload(demo, content)
    assert batch.status == ImportStatus.REJECTED and not batch.file
    assert "解压后超过 200 MB 的上限" in batch.message
    assert inflated["bytes"] < 64 * 1024  # [Content_Types].xml at most, never the sheet


def test_a_part_compressed_beyond_the_ratio_is_refused_in_the_request(demo, inflated):
    rows = b"<row>" + b"<c/>" * 250 + b"</row>"
    content = with_sheet(sheet_rows(*[rows] * 5000))  # 5 MB of XML in a few kilobytes
    assert len(content) < 100 * 1024
    inflated["bytes"] = 0
    batch = _upload(demo, content)
    assert batch.status == ImportStatus.REJECTED
    assert "压缩比" in batch.message and "超过 100 倍的上限" in batch.message and SHEET in batch.message
    assert inflated["bytes"] < 64 * 1024


def test_an_archive_of_too_many_parts_is_refused(demo):
    base = zipfile.ZipFile(io.BytesIO(_good_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in base.infolist():
            package.writestr(info.filename, base.read(info.filename))
        for index in range(1001):
            package.writestr(f"xl/media/p{index}.bin", b"")
    batch = _upload(demo, out.getvalue())
    assert batch.status == ImportStatus.REJECTED and "超过 1000 个的上限" in batch.message


def test_a_bloated_content_types_part_is_not_inflated_in_the_request(demo, inflated, any_ratio):
    base = zipfile.ZipFile(io.BytesIO(_good_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in base.infolist():
            data = base.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"<Types", b"<!--" + b" " * (50 * MB) + b"--><Types", 1)
            package.writestr(info.filename, data)
    inflated["bytes"] = 0
    batch = _upload(demo, out.getvalue())
    assert batch.status == ImportStatus.REJECTED and "[Content_Types].xml”异常庞大" in batch.message
    assert inflated["bytes"] < 5 * MB


def test_an_ordinary_workbook_passes_the_archive_checks(demo):
    batch = services.batch_validate(batch_id=_upload(demo, _good_xlsx()).pk)
    assert batch.status == ImportStatus.READY, batch.message


def test_the_reader_checks_the_archive_itself_not_only_the_upload(settings, inflated):
    """The dry run and the error report read files uploaded earlier, perhaps under other limits."""
    settings.RELIEF_IMPORT_MAX_UNCOMPRESSED_BYTES = 2 * MB
    settings.RELIEF_IMPORT_MAX_COMPRESSION_RATIO = 10_000
    row = b"<row>" + b"<c/>" * 100 + b"</row>"
    content = with_sheet(sheet_rows(*[row] * 25_000))  # about 10 MB of XML
    inflated["bytes"] = 0
    with pytest.raises(FileRejected, match="解压后超过 2 MB 的上限"):
        _read_all(content)
    assert inflated["bytes"] == 0


def test_every_read_of_an_archive_counts_against_one_budget():
    """Parts read again (the sheet is opened twice) cannot together inflate more than the budget."""
    content = with_sheet(sheet_rows(*[b"<row>" + inline("x") + b"</row>"] * 2000))
    package = zipfile.ZipFile(io.BytesIO(content))
    size = package.getinfo(SHEET).file_size
    budget = InflateBudget(int(size * 1.5))
    with BoundedMember(package, SHEET, budget) as part:
        assert len(part.read()) == size
    with pytest.raises(FileRejected, match="解压后超过"):
        with BoundedMember(package, SHEET, budget) as part:
            part.read()
    assert budget.inflated <= budget.limit + 64 * 1024


def test_a_part_that_lies_about_its_size_gives_no_more_than_it_declares(demo, inflated):
    """The sheet declares 40 kB and inflates to 10 MB: reading stops at 40 kB and the file is refused."""
    row = b"<row>" + inline("x") + b"<c/>" * 100 + b"</row>"
    honest = with_sheet(sheet_rows(*[row] * 25_000))
    content = declare_size(honest, SHEET, 40_000)
    inflated["bytes"] = 0
    batch = _upload(demo, content)  # the directory is plausible: accepted for the dry run
    assert batch.status == ImportStatus.VALIDATING
    inflated["bytes"] = 0
    batch = services.batch_validate(batch_id=batch.pk)
    assert batch.status == ImportStatus.INVALID and "损坏" in batch.message
    assert inflated["bytes"] <= 2 * 40_000 + 64 * 1024  # the sheet twice (its width, its rows), no more
    assert hh.Household.objects.count() == 0


# ---------------------------------------------------------------- while the sheet streams

def test_a_row_of_a_million_cells_is_refused_at_the_excel_width_in_bounded_memory(inflated, any_ratio):
    content = with_sheet(sheet_rows(b'<row r="1">', *[b"<c/>" * 100_000] * 10, b"</row>"))
    assert len(content) < 200 * 1024
    tracemalloc.start()
    try:
        inflated["bytes"] = 0
        with pytest.raises(FileRejected, match="第 1 行有超过 16384 个单元格"):
            _read_all(content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert inflated["bytes"] < 1 * MB  # the 4 MB row was not read to its end
    assert peak < 32 * MB


def test_a_row_with_content_beyond_the_column_limit_is_refused(inflated, any_ratio):
    content = with_sheet(sheet_rows(b'<row r="1">', *[inline("x")] * 500, b"</row>"))
    inflated["bytes"] = 0
    with pytest.raises(FileRejected, match="第 1 行 CW 列有内容，超过 100 列的上限"):
        _read_all(content)
    cells = b"".join(inline("x") for _ in range(5000))
    content = with_sheet(sheet_rows(b'<row r="1">', *[cells] * 100, b"</row>"))  # half a million cells
    inflated["bytes"] = 0
    with pytest.raises(FileRejected, match="第 1 行有超过 16384 个单元格"):
        _read_all(content)
    assert inflated["bytes"] < 2 * MB  # of the 18 MB row


def test_a_cell_far_to_the_right_is_refused_without_padding_the_row_to_it():
    content = with_sheet(sheet_rows(b'<row r="1">' + inline("x", "A1") + inline("y", "ZZZZZZZ1") + b"</row>"))
    tracemalloc.start()
    try:
        with pytest.raises(FileRejected, match="超过 100 列的上限"):
            _read_all(content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MB


def test_a_dimension_that_lies_about_the_width_allocates_nothing():
    """<dimension> claims 8 billion columns; the sheet has two cells: it reads as those two cells."""
    content = with_sheet(sheet_rows(b'<row r="1">' + inline("a", "A1") + inline("b", "B1") + b"</row>",
                                    dimension=b'<dimension ref="A1:ZZZZZZZ2"/>'))
    reader = SheetReader(io.BytesIO(content), SniffResult("xlsx"))
    try:
        assert list(reader.rows()) == [(1, ("a", "b"))]
    finally:
        reader.close()


def test_more_rows_than_the_limit_are_refused_as_they_are_counted(demo, settings, inflated):
    settings.RELIEF_IMPORT_MAX_ROWS = 50
    content = xlsx_bytes(HOUSEHOLD_HEADERS, [household_row(id_for(1), id_for(i), name=f"成员{i}")
                                             for i in range(1, 500)])
    batch = services.batch_validate(batch_id=_upload(demo, content).pk)
    assert batch.status == ImportStatus.INVALID and "表格超过 50 行的上限" in batch.message
    assert hh.Household.objects.count() == 0


def test_a_row_numbered_beyond_the_limit_is_refused_without_the_empty_rows_before_it():
    content = with_sheet(sheet_rows(b'<row r="1">' + inline("a") + b"</row>",
                                    b'<row r="900000000">' + inline("b") + b"</row>"))
    reader = SheetReader(io.BytesIO(content), SniffResult("xlsx"))
    seen = []
    try:
        with pytest.raises(FileRejected, match="表格超过 100000 行的上限"):
            for number, _values in reader.rows():
                seen.append(number)
    finally:
        reader.close()
    assert seen == [1]


def test_formatted_empty_rows_below_the_limit_are_not_an_error():
    content = with_sheet(sheet_rows(b'<row r="1">' + inline("a") + b"</row>", b'<row r="1048576" ht="20"/>'))
    reader = SheetReader(io.BytesIO(content), SniffResult("xlsx"))
    try:
        assert list(reader.rows()) == [(1, ("a",))]
    finally:
        reader.close()


def test_a_cell_longer_than_the_limit_is_refused_inline_or_shared(settings):
    content = with_sheet(sheet_rows(b'<row r="1">' + inline("长" * 1001) + b"</row>"))
    with pytest.raises(FileRejected, match="第 1 行第 1 列的内容有 1001 个字，超过每格 1000 字的上限"):
        _read_all(content)
    from openpyxl import Workbook

    book = Workbook()  # openpyxl writes shared strings
    book.active.append(["长" * 1500])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(FileRejected, match="1500 个字，超过每格 1000 字的上限"):
        _read_all(buffer.getvalue())


def test_a_shared_strings_table_beyond_what_the_rows_could_hold_is_refused(settings, any_ratio):
    settings.RELIEF_IMPORT_MAX_ROWS = 100  # room for 2,000 texts of 40,000 characters
    base = _good_xlsx()
    source = zipfile.ZipFile(io.BytesIO(base))
    table = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main">' + b"".join(f"<si><t>{n}</t></si>".encode() for n in range(3000)) + b"</sst>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            package.writestr(info.filename, table if info.filename == "xl/sharedStrings.xml"
                             else source.read(info.filename))
        if "xl/sharedStrings.xml" not in source.namelist():
            package.writestr("xl/sharedStrings.xml", table)
    with pytest.raises(FileRejected, match="表格中的文字超过了 100 行表格所能容纳的数量"):
        _read_all(out.getvalue())


# ---------------------------------------------------------------- CSV

def test_a_csv_without_line_breaks_is_refused_at_the_longest_possible_line(demo):
    content = b"a," * (3 * MB)
    tracemalloc.start()
    try:
        batch = services.batch_validate(batch_id=_upload(demo, content, "名单.csv").pk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert batch.status == ImportStatus.INVALID and "CSV 文件中有一行超过" in batch.message
    # The file is 6 MB; the sniff keeps 64 kB, the sha256 and encoding check read it in 1 MB chunks.
    assert peak < 16 * MB


def test_csv_rows_columns_and_cells_are_limited(demo, settings):
    settings.RELIEF_IMPORT_MAX_ROWS = 20
    many = csv_bytes(HOUSEHOLD_HEADERS, [household_row(id_for(1), id_for(i), name=f"成员{i}")
                                         for i in range(1, 40)])
    batch = services.batch_validate(batch_id=_upload(demo, many, "名单.csv").pk)
    assert "表格超过 20 行的上限" in batch.message
    wide = ",".join(["x"] * 101).encode()
    with pytest.raises(FileRejected, match="第 1 行 CW 列有内容，超过 100 列的上限"):
        _read_all(wide, SniffResult("csv", "utf-8"))
    trailing_commas = ("a" + "," * 300 + "\n").encode()  # Excel's CSV pads rows with empty cells: fine
    _read_all(trailing_commas, SniffResult("csv", "utf-8"))
    with pytest.raises(FileRejected, match="第 2 行第 1 列的内容有 1200 个字"):
        _read_all(("a\n" + "长" * 1200 + "\n").encode(), SniffResult("csv", "utf-8"))


def test_the_limits_come_from_settings(settings):
    settings.RELIEF_IMPORT_MAX_UNCOMPRESSED_BYTES = 5 * MB
    settings.RELIEF_IMPORT_MAX_COMPRESSION_RATIO = 50
    settings.RELIEF_IMPORT_MAX_ARCHIVE_MEMBERS = 30
    settings.RELIEF_IMPORT_MAX_ROWS = 7
    settings.RELIEF_IMPORT_MAX_COLUMNS = 8
    settings.RELIEF_IMPORT_MAX_CELL_CHARS = 9
    assert ReadLimits.from_settings() == ReadLimits(5 * MB, 50, 30, 7, 8, 9)


# ---------------------------------------------------------------- the import page

def test_the_import_page_shows_why_a_bomb_was_refused(client, demo, inflated):
    client.force_login(demo.township1)
    content = declare_size(with_sheet(sheet_rows(b"<row r=\"1\">" + inline("x") + b"</row>")), SHEET, 1100 * MB)
    inflated["bytes"] = 0
    response = client.post(reverse("imports:index"), {"kind": "households", "file": upload(content)}, follow=True)
    assert "解压后超过 200 MB 的上限" in response.content.decode()
    assert inflated["bytes"] < 64 * 1024


def test_the_import_page_refuses_a_one_row_sheet_of_a_million_cells(client, demo, inflated, any_ratio):
    """A sheet this size is checked by the worker's task (the same dry run), not in the request."""
    from imports.models import ImportBatch

    client.force_login(demo.township1)
    content = with_sheet(sheet_rows(b'<row r="1">', *[b"<c/>" * 100_000] * 10, b"</row>"))
    inflated["bytes"] = 0
    client.post(reverse("imports:index"), {"kind": "households", "file": upload(content)})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.VALIDATING and inflated["bytes"] < 64 * 1024
    services.batch_validate(batch_id=batch.pk)  # what the worker's validate_batch runs
    page = client.get(reverse("imports:detail", kwargs={"pk": batch.pk})).content.decode()
    assert "第 1 行有超过 16384 个单元格" in page
    assert inflated["bytes"] < 1 * MB
    assert hh.Household.objects.count() == 0


# ---------------------------------------------------------------- the Django admin's import

def test_the_django_admin_import_refuses_a_bomb_before_tablib_inflates_it(client, demo, inflated):
    from django.contrib import admin
    from imports.admin import KeptXLSX

    client.force_login(demo.admin)
    content = declare_size(with_sheet(sheet_rows(b"<row r=\"1\">" + inline("x") + b"</row>")), SHEET, 1100 * MB)
    formats = admin.site.get_model_admin(hh.Household).get_import_formats()
    inflated["bytes"] = 0
    response = client.post(reverse("admin:households_household_import"),
                           {"format": formats.index(KeptXLSX), "import_file": upload(content, "户.xlsx"),
                            "resource": 0})
    assert response.status_code == 200
    assert "解压后超过 200 MB 的上限" in response.content.decode()
    assert inflated["bytes"] < 64 * 1024
    assert hh.Member.objects.count() == 0


def test_the_django_admin_import_refuses_a_row_of_a_million_cells(client, demo, inflated, any_ratio):
    from django.contrib import admin
    from imports.admin import KeptXLSX

    client.force_login(demo.admin)
    content = with_sheet(sheet_rows(b'<row r="1">', *[b"<c/>" * 100_000] * 10, b"</row>"))
    formats = admin.site.get_model_admin(hh.Household).get_import_formats()
    inflated["bytes"] = 0
    response = client.post(reverse("admin:households_household_import"),
                           {"format": formats.index(KeptXLSX), "import_file": upload(content, "户.xlsx"),
                            "resource": 0})
    assert "超过 16384 个单元格" in response.content.decode()
    assert inflated["bytes"] < 1 * MB
