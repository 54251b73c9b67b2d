"""Writing .xlsx with openpyxl — the one writer of every spreadsheet the app produces: the ledgers here (in
write-only mode: constant memory, rows streamed from the database), and through `new_workbook`,
`text_cell`, `safe_text` and `save_workbook` the import templates, import error reports and the admin's export
(imports.spreadsheets). Both ways put the viewer's watermark in every sheet's printed header and footer.

Every string goes through `safe_text`: a value a spreadsheet would run as a formula (starting with
= + - @, or a tab / carriage return, OWASP "CSV injection") is neutralised by replacing that first
character with its full-width twin (＝ ＋ － ＠), which reads the same to a person and can never start a
formula, and characters XML cannot hold are dropped. No apostrophe prefix: in an .xlsx file it would be
shown as part of the value.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Callable, Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .watermark import sheet_header_footer

FORMULA_STARTS = {"=": "＝", "+": "＋", "-": "－", "@": "＠"}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PROGRESS_EVERY = 500


def safe_text(value: str) -> str:
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    stripped = value.lstrip("\t\r\n")
    if stripped != value:
        value = stripped
    if value and value[0] in FORMULA_STARTS:
        value = FORMULA_STARTS[value[0]] + value[1:]
    return value


def new_workbook(*, write_only: bool = True) -> Workbook:
    """Every workbook the app writes starts here (tests/ledgers/test_xlsx_writer.py holds it to that), so
    that every cell put in it goes through `safe_text`."""
    return Workbook(write_only=write_only)


def save_workbook(book: Workbook, target=None, *, watermark: str):
    """Save a workbook built with `new_workbook` (to `target`, or return its bytes), every sheet watermarked.

    `watermark` (`relief.watermark.watermark_text(user)`) goes into each sheet's printed header and footer, as
    `write_workbook` puts it: an import template or an error report forwarded or printed says whose it was.
    The header and footer are written at the end of a sheet, so a write-only sheet may take them after its rows.
    """
    if watermark:
        for sheet in book.worksheets:
            sheet_header_footer(sheet, watermark)
    if target is not None:
        book.save(target)
        return None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def text_cell(ws, value, **style) -> WriteOnlyCell:
    """A write-only cell holding `value` as neutralised text (an ID number stays 18 characters of text)."""
    cell = WriteOnlyCell(ws, value=None)
    cell.value = safe_text("" if value is None else str(value))
    cell.data_type = "s"
    for key, item in style.items():
        setattr(cell, key, item)
    return cell


def cell_value(value):
    """A value as it goes into a cell: strings neutralised, aware datetimes made local and naive."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, (bool,)):
        return "是" if value else "否"
    return value


@dataclass
class Column:
    header: str
    width: float = 12
    kind: str = "text"  # text, date, datetime, int, money, percent


@dataclass
class Sheet:
    title: str
    columns: list[Column]
    rows: Iterable[list]
    heading: str = ""          # shown on the title row; defaults to the ledger title
    notes: list[str] = field(default_factory=list)  # lines written under the table


def sheet_title(text: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    cleaned = "".join("_" if c in '[]:*?/\\' else c for c in text).strip("'") or "Sheet"
    base = cleaned[:31]
    name, n = base, 2
    while name in used:
        suffix = f"({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def write_workbook(target, *, title: str, subtitle: str, sheets: Iterable[Sheet],
                   progress: Callable[[int], None] | None = None, watermark: str = "") -> int:
    """Write the sheets to `target` (a path or a binary file); return the number of data rows written.

    `watermark` (`relief.watermark.watermark_text(user)`: who downloads it and when) goes into every sheet's
    printed header and footer, so a forwarded or printed ledger says whose it was.
    """
    wb = new_workbook()
    bold = Font(bold=True)
    title_font = Font(bold=True, size=14)
    header_fill = PatternFill("solid", fgColor="DDE6F1")
    wrap = Alignment(wrap_text=True, vertical="center")
    used: set[str] = set()
    total = 0
    any_sheet = False
    for sheet in sheets:
        any_sheet = True
        ws = wb.create_sheet(title=sheet_title(sheet.title, used))
        for index, column in enumerate(sheet.columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = "A4"
        ws.print_title_rows = "3:3"
        if watermark:
            sheet_header_footer(ws, watermark)
        head = WriteOnlyCell(ws, value=safe_text(sheet.heading or title))
        head.font = title_font
        ws.append([head])
        ws.append([safe_text(subtitle)])
        headers = []
        for column in sheet.columns:
            cell = WriteOnlyCell(ws, value=safe_text(column.header))
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = wrap
            headers.append(cell)
        ws.append(headers)
        formats = [_format(column.kind) for column in sheet.columns]
        for row in sheet.rows:
            values = [cell_value(v) for v in row]
            if any(formats):
                values = [_formatted(ws, v, f) if f and v is not None else v for v, f in zip(values, formats)]
            ws.append(values)
            total += 1
            if progress and total % PROGRESS_EVERY == 0:
                progress(total)
        for line in sheet.notes:
            ws.append([])
            ws.append([safe_text(line)])
    if not any_sheet:
        ws = wb.create_sheet(title="Sheet")
        if watermark:
            sheet_header_footer(ws, watermark)
        ws.append([safe_text(title)])
        ws.append([safe_text(subtitle)])
        ws.append(["无数据"])
    wb.save(target)
    if progress:
        progress(total)
    return total


def _format(kind: str) -> str | None:
    return {"date": DATE_FORMAT, "datetime": DATETIME_FORMAT, "money": "#,##0.00", "percent": "0.0%"}.get(kind)


def _formatted(ws, value, number_format):
    if isinstance(value, str):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell
