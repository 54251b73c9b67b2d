"""Bad and unusual files: each gets a clear Chinese message, is recorded, and writes nothing."""
import io
import zipfile

import pytest
from openpyxl import Workbook

from households.models import Household, Member
from imports import services
from imports.models import ImportBatch, ImportStatus

from .helpers import HOUSEHOLD_HEADERS, csv_bytes, household_row, id_for, upload, with_cached_values, xlsx_bytes

pytestmark = pytest.mark.django_db


def _run(demo, content, name="名单.xlsx", kind="households"):
    batch = services.batch_upload(actor=demo.township1, kind=kind, upload=upload(content, name))
    if batch.status == ImportStatus.VALIDATING:
        batch = services.batch_validate(batch_id=batch.pk)
    return batch


def _good_rows(n=2):
    return [household_row(id_for(1))] + [household_row(id_for(1), id_for(i), name=f"成员{i}") for i in range(2, n + 1)]


@pytest.mark.parametrize("content,name,message", [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 50, "名单.xlsx", "不是 Excel"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 50, "名单.csv", "二进制"),
    (b"", "名单.xlsx", "空的"),
    (b"PK\x03\x04" + b"\x00" * 200, "名单.xlsx", "损坏"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "名单.xls", ".xls"),
])
def test_files_that_are_not_spreadsheets_are_rejected(demo, content, name, message):
    """A renamed .exe, an empty file, a corrupt zip or a legacy .xls: refused with the reason, nothing kept."""
    batch = _run(demo, content, name)
    assert batch.status == ImportStatus.REJECTED
    assert message in batch.message
    assert not batch.file
    assert Household.objects.count() == 0


def test_a_zip_that_is_not_a_workbook_is_rejected(demo):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("readme.txt", "hello")
    batch = _run(demo, buffer.getvalue())
    assert batch.status == ImportStatus.REJECTED and "压缩包" in batch.message


def test_a_workbook_truncated_in_the_middle_is_rejected(demo):
    content = xlsx_bytes(HOUSEHOLD_HEADERS, _good_rows())
    batch = _run(demo, content[: len(content) // 2])
    assert batch.status == ImportStatus.REJECTED and "损坏" in batch.message


def test_files_over_the_size_limit_are_rejected(demo, settings):
    settings.RELIEF_IMPORT_MAX_BYTES = 1000
    batch = _run(demo, xlsx_bytes(HOUSEHOLD_HEADERS, _good_rows()))
    assert batch.status == ImportStatus.REJECTED
    assert "超过了" in batch.message and "上限" in batch.message


def test_the_size_limit_defaults_to_20_mb(settings):
    from imports.reader import max_upload_bytes

    del settings.RELIEF_IMPORT_MAX_BYTES
    assert max_upload_bytes() == 20 * 1024 * 1024


def test_macro_workbooks_are_refused_by_name_and_by_content(demo):
    content = xlsx_bytes(HOUSEHOLD_HEADERS, _good_rows())
    assert "宏" in _run(demo, content, "名单.xlsm").message
    # The same workbook with a VBA project inside, renamed .xlsx.
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"\x00" * 64)
    batch = _run(demo, buffer.getvalue(), "名单.xlsx")
    assert batch.status == ImportStatus.REJECTED and "宏" in batch.message


def test_formulas_are_read_as_their_stored_values_never_evaluated(demo):
    """A formula cell imports as the value Excel stored; the formula itself is never run."""
    rows = _good_rows()
    address_col = HOUSEHOLD_HEADERS.index("居住地址")
    book = Workbook()
    sheet = book.active
    sheet.append(HOUSEHOLD_HEADERS)
    for row in rows:
        sheet.append([row.get(h) for h in HOUSEHOLD_HEADERS])
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(address_col + 1)
    # If it were evaluated it would read another cell; the stored result is what the user saw.
    sheet[f"{letter}2"] = '=CONCATENATE("华阳路","9号")'
    sheet[f"{letter}3"] = '=HYPERLINK("http://evil.example/","x")'
    buffer = io.BytesIO()
    book.save(buffer)
    content = with_cached_values(buffer.getvalue(), {f"{letter}2": "华阳路9号", f"{letter}3": "华阳路9号"})
    batch = _run(demo, content)
    assert batch.status == ImportStatus.READY, batch.errors
    services.batch_confirm(actor=demo.township1, batch=batch)
    services.batch_import(batch_id=batch.pk)
    assert Household.objects.get().residence_address == "华阳路9号"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_encodings_are_detected(demo, encoding):
    """CSV from Chinese Excel (GBK/GB18030) and UTF-8 with or without BOM read the same."""
    rows = _good_rows(3)
    address = "江苏路街道镇宁路㙟1号" if encoding != "gbk" else "江苏路镇宁路1号"  # 㙟 exists in GB18030 only
    for row in rows:
        row["居住地址"] = address
    batch = _run(demo, csv_bytes(HOUSEHOLD_HEADERS, rows, encoding=encoding), "名单.csv")
    assert batch.status == ImportStatus.READY, (batch.message, batch.errors)
    assert batch.file_format.startswith("csv")
    assert batch.new_count == 3
    services.batch_confirm(actor=demo.township1, batch=batch)
    services.batch_import(batch_id=batch.pk)
    assert Household.objects.get().residence_address == rows[0]["居住地址"]
    assert sorted(Member.objects.values_list("name", flat=True)) == ["张三", "成员2", "成员3"]


def test_excel_serial_dates_and_written_dates_are_understood(demo):
    """Dates as Excel serial numbers, 2024-03-05, 2024/3/5 and 2024年3月5日 all parse to the same day."""
    from imports.columns import parse_date
    import datetime as dt

    day = dt.date(2024, 3, 5)
    for value in (45356, 45356.0, "45356", "2024-03-05", "2024/3/5", "2024年3月5日", "2024.3.5", "20240305",
                  dt.datetime(2024, 3, 5, 0, 0)):
        assert parse_date(value) == day, value
    # A birth date given as a serial in the sheet is checked against the ID number like any other.
    head = id_for(7)
    born = (dt.date(int(head[6:10]), int(head[10:12]), int(head[12:14])) - dt.date(1899, 12, 30)).days
    rows = [household_row(head, **{"出生日期": born})]
    batch = _run(demo, xlsx_bytes(HOUSEHOLD_HEADERS, rows))
    assert batch.status == ImportStatus.READY, batch.errors
    rows = [household_row(head, **{"出生日期": born + 1})]
    batch = _run(demo, xlsx_bytes(HOUSEHOLD_HEADERS, rows))
    assert batch.status == ImportStatus.INVALID
    assert batch.errors[0][:2] == [2, "出生日期"] and "不一致" in batch.errors[0][2]


def test_unreadable_dates_are_reported_at_the_cell():
    from imports.columns import CellError, parse_date

    for value in ("2024-02-30", "三月五日", "5/3/24"):
        with pytest.raises(CellError):
            parse_date(value)


def test_thousands_of_bad_rows_come_back_as_a_capped_report(demo, settings):
    settings.RELIEF_IMPORT_MAX_ERRORS = 500
    rows = [household_row("31010519800101001X", id_for(i), name="") for i in range(3000)]
    batch = _run(demo, csv_bytes(HOUSEHOLD_HEADERS, rows), "名单.csv")
    assert batch.status == ImportStatus.INVALID
    assert batch.error_count == 3000
    assert len(batch.errors) == 500 and batch.errors_truncated
    assert Household.objects.count() == 0


def test_the_same_file_uploaded_twice_is_recognised(demo):
    content = xlsx_bytes(HOUSEHOLD_HEADERS, _good_rows())
    first = _run(demo, content)
    second = _run(demo, content, "名单(1).xlsx")
    assert first.sha256 == second.sha256 and len(first.sha256) == 64
    assert second.duplicate_of == first
    # Another township does not learn about township 1's files.
    other = services.batch_upload(actor=demo.township2, kind="households", upload=upload(content))
    assert other.duplicate_of is None


def test_headers_unknown_missing_or_only_header(demo):
    headers = HOUSEHOLD_HEADERS[:] + ["备注栏"]
    headers.remove("姓名")
    batch = _run(demo, xlsx_bytes(headers, [{"户主身份证号": id_for(1)}]))
    assert batch.status == ImportStatus.INVALID
    assert "备注栏" in batch.message and "缺少必填列：姓名" in batch.message
    batch = _run(demo, xlsx_bytes(HOUSEHOLD_HEADERS, []))
    assert batch.status == ImportStatus.INVALID and "没有数据行" in batch.message
    # A title row above the header is fine.
    batch = _run(demo, xlsx_bytes(HOUSEHOLD_HEADERS, _good_rows(), title_row="华一居委会困难家庭花名册"))
    assert batch.status == ImportStatus.READY, batch.message
    assert ImportBatch.objects.filter(status=ImportStatus.INVALID).count() == 2
