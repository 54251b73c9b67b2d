"""Writing .xlsx files: the import templates and the copy of a file with its errors marked.

Every cell we write is typed as text or number explicitly, and every text goes through the ledgers'
writer (relief.xlsx.safe_text): a value that starts with = + - @ can never become a formula in the
user's Excel, not even once a cell is edited there (OWASP “CSV injection”), and ID numbers stay text.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from relief.xlsx import new_workbook, safe_text, save_workbook, text_cell

from .columns import ENUMS, Column, normalize_header
from .reader import Formula
from .validation import COLUMNS

HEADER_FILL = PatternFill("solid", fgColor="DDE8F5")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
ERROR_FILL = PatternFill("solid", fgColor="F8CBAD")
TEXT_FORMAT = "@"
OPTIONS_SHEET = "选项"


def _value_cell(sheet, value, refused: bool = False):
    if isinstance(value, Formula):
        # A formula the import refused is copied as its text, so the importer sees what the cell held; one
        # it accepted, as the value it stood for. Written as text or value, never as a formula.
        if refused or value.value is None:
            return text_cell(sheet, value.text)
        value = value.value
    if isinstance(value, bool) or value is None:
        return text_cell(sheet, "" if value is None else value)
    if isinstance(value, (int, float, Decimal)):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, (dt.date, dt.datetime)):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return text_cell(sheet, value)


def table_workbook(headers, rows, title: str = "", *, watermark: str = "") -> bytes:
    """A plain sheet of headers and rows (the Django admin's export), every string a text cell."""
    book = new_workbook()
    sheet = book.create_sheet((title or _("导出"))[:31])
    sheet.append([text_cell(sheet, header, font=Font(bold=True)) for header in headers])
    for row in rows:
        sheet.append([_value_cell(sheet, value) for value in row])
    return save_workbook(book, watermark=watermark)


def template_workbook(kind: str, *, watermark: str) -> bytes:
    """Data sheet (headers, one example row, dropdowns), an explanation sheet and a hidden options sheet;
    `watermark` (who downloads it, when) in every sheet's printed header and footer."""
    columns: list[Column] = COLUMNS[kind]
    book = new_workbook(write_only=False)
    data = book.active
    data.title = _("数据")
    notes = book.create_sheet(_("填写说明"))
    options = book.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"

    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        header = data.cell(row=1, column=position, value=safe_text(column.header_text))
        header.font = Font(bold=True)
        header.fill = REQUIRED_FILL if column.required else HEADER_FILL
        header.alignment = Alignment(wrap_text=True, vertical="center")
        example = data.cell(row=2, column=position)
        example.value = safe_text(str(column.example))
        example.data_type = "s"
        data.column_dimensions[letter].width = max(12, len(column.header_text) * 2 + 2)
        if column.kind in ("id", "text", "name", "village", "group", "user"):
            # Text format for the whole column: ID numbers keep all 18 digits and the X.
            data.column_dimensions[letter].number_format = TEXT_FORMAT
            example.number_format = TEXT_FORMAT
        if column.kind in ("enum", "multi"):
            labels = [label for label in ENUMS[column.key].labels if label]
            for index, label in enumerate(labels, start=1):
                options.cell(row=index, column=position, value=safe_text(str(label)))
            if column.kind == "enum":
                validation = DataValidation(
                    type="list", formula1=f"'{OPTIONS_SHEET}'!${letter}$1:${letter}${len(labels)}",
                    allow_blank=not column.required, showErrorMessage=True,
                    errorTitle=_("不是可选项"), error=_("请从下拉列表中选择。"))
                validation.add(f"{letter}2:{letter}50000")
                data.add_data_validation(validation)
    data.freeze_panes = "A2"

    notes.append([_("列名"), _("是否必填"), _("填写说明"), _("可选值")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for column in columns:
        choices = ""
        if column.kind in ("enum", "multi"):
            choices = "、".join(label for label in ENUMS[column.key].labels if label)
        notes.append([safe_text(str(text)) for text in (
            column.header_text, _("必填") if column.required else _("选填"), column.help, choices)])
    notes.append([])
    for line in (
        _("第1行为列名，请勿修改；第2行是示例，导入前请删除或改成真实数据。"),
        _("日期可写成 2024-03-05、2024/3/5、2024年3月5日，或使用 Excel 日期格式。"),
        _("身份证号请保持“文本”格式，否则 Excel 会把18位号码的末几位变成0。"),
        _("村/社区可填写名称或12位区划代码，只能是您辖区内的村/社区。"),
        _("含公式的单元格按文件中保存的计算结果导入，没有保存计算结果的公式不予导入；姓名须直接填写文字，不能用公式。"),
        _("含宏的文件（.xlsm）不予接收。"),
        _("一行有错，整个文件都不会导入；请按错误报告修改后重新上传。"),
    ):
        notes.append([safe_text(str(line))])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 60
    notes.column_dimensions["D"].width = 60
    return save_workbook(book, watermark=watermark)


def error_workbook(rows, errors: list, truncated: bool, *, watermark: str) -> bytes:
    """A copy of the uploaded rows with an “错误说明” column; rows with errors are highlighted.

    `rows` yields (row number, values) as read from the upload; `errors` is [[row, column, message]].
    Every row of the file is copied, the rows with errors among them; each cell is written as text or a
    value, never as a formula (a formula is copied as its text when the import refused it). `watermark`: who
    downloads it and when, in the printed header and footer.
    """
    by_row: dict[int, list[str]] = {}
    columns_of: dict[int, set[str]] = {}
    for row, column, message in errors:
        by_row.setdefault(int(row), []).append(f"{column}：{message}" if column else message)
        if column:
            columns_of.setdefault(int(row), set()).add(normalize_header(column))
    named = set().union(*columns_of.values()) if columns_of else set()
    book = new_workbook()
    sheet = book.create_sheet(_("错误报告"))
    header_done = False
    headers: list[str] = []  # of the header row: which column a refused cell is in
    for number, values in rows:
        messages = by_row.get(number)
        if not headers and named:
            texts = [normalize_header(value) for value in values]
            if named & set(texts):
                headers = texts
        flagged = columns_of.get(number, set())
        cells = [_value_cell(sheet, value, refused=position < len(headers) and headers[position] in flagged)
                 for position, value in enumerate(values)]
        if not header_done:
            header_done = True
            cells.append(text_cell(sheet, _("错误说明"), font=Font(bold=True, color="C00000")))
            sheet.append(cells)
            continue
        if messages:
            for cell in cells:
                cell.fill = ERROR_FILL
            text = "；".join(message.rstrip("。") for message in messages) + "。"
            cells.append(text_cell(sheet, text, font=Font(color="C00000")))
        sheet.append(cells)
    if truncated:
        sheet.append([text_cell(sheet, _("错误太多，只列出了前 %(n)d 条；请先改正这些再重新上传。") % {"n": len(errors)})])
    return save_workbook(book, watermark=watermark)
