"""The streaming .xlsx reader gives the values openpyxl's read-only mode gives (data_only=True)."""
import datetime as dt
import io

from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from imports.reader import SheetReader, SniffResult
from imports.spreadsheets import template_workbook


def _openpyxl_rows(content: bytes, sheet=None):
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    ws = book[sheet] if sheet else book[book.sheetnames[0]]
    return [_trim(values) for values in ws.iter_rows(values_only=True)]


def _stream_rows(content: bytes):
    reader = SheetReader(io.BytesIO(content), SniffResult("xlsx"))
    try:
        return list(reader.rows())
    finally:
        reader.close()


def _trim(values):
    values = list(values)
    while values and values[-1] is None:
        values.pop()
    return tuple(values)


def _save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_values_match_openpyxl():
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "出生日期", "金额", "整数", "是否", "时间", "备注"])
    sheet.append(["张三", "310105195001010011", dt.date(1950, 1, 1), 1200.5, 3, True, dt.datetime(2024, 3, 5, 8, 30),
                  "a\tb\nc <&> 'x'"])
    sheet.append([None, 310105195001010011, 45356, "1,200", 0, False, None, "  空格  "])
    sheet.append([])  # an empty row in between
    sheet["C5"] = dt.date(2024, 3, 5)
    sheet["C5"].number_format = "yyyy年m月d日"
    sheet["D5"] = 0.1
    sheet["D5"].number_format = "0.00%"
    sheet["A6"] = CellRichText(["富", TextBlock(InlineFont(b=True), "文本")])
    sheet["H7"] = "最后一列"
    content = _save(book)
    stream = _stream_rows(content)
    assert [number for number, _values in stream] == list(range(1, 8))
    assert [_trim(values) for _number, values in stream] == _openpyxl_rows(content)
    assert stream[1][1][2] == dt.datetime(1950, 1, 1) and stream[5][1][0] == "富文本"
    assert len({len(values) for _n, values in stream}) == 1  # padded to the sheet's width, like openpyxl


def test_the_data_sheet_is_chosen_and_the_template_reads_back():
    content = template_workbook("households", watermark="")
    stream = _stream_rows(content)
    assert [_trim(values) for _number, values in stream] == _openpyxl_rows(content, "数据")
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["这不是数据"])
    book.create_sheet("数据").append(["数据表"])
    assert _stream_rows(_save(book))[0][1] == ("数据表",)


def test_shared_strings_and_1904_dates_match_openpyxl():
    book = Workbook()
    book.epoch = dt.datetime(1904, 1, 1)
    sheet = book.active
    for n in range(300):
        sheet.append([f"名字{n % 50}", dt.date(2000, 1, 1) + dt.timedelta(days=n), n * 1.5])
    content = _save(book)
    assert [_trim(values) for _number, values in _stream_rows(content)] == _openpyxl_rows(content)
