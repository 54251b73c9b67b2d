"""Reading uploaded spreadsheets: .xlsx (openpyxl read-only, stored values) and CSV (UTF-8 / GBK detected).

Nothing here knows about households; it turns a file into (row number, tuple of cell values) and says
in Chinese what is wrong with a file it cannot read. Formulas are never evaluated: a formula cell of an
.xlsx gives a `Formula`, holding the formula's text and the value Excel stored when it last saved the file
(what openpyxl's `data_only=True` gives, None if the file was saved without results); the validation
decides whether that stored value may stand in for the cell.

Worksheets are read by `XlsxStream`, one lxml pass over the sheet's XML with openpyxl's rules for
numbers, dates (by the cell's number format), shared and inline strings: the same values as openpyxl's
read-only mode, about four times faster, which is most of a 50,000-row dry run.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from typing import IO, Iterator

from django.conf import settings
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .et
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
HEADER_SCAN_ROWS = 5


class FileRejected(Exception):
    """The file cannot be read as a spreadsheet; the message says why, in Chinese."""


class Formula:
    """A formula cell: its text as typed (with the leading “=”) and the value stored with it, if any."""

    __slots__ = ("text", "value")

    def __init__(self, text: str, value=None):
        self.text = text
        self.value = value

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Formula({self.text!r}, {self.value!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Formula) and (self.text, self.value) == (other.text, other.value)

    def __hash__(self) -> int:
        return hash((self.text, self.value))


def max_upload_bytes() -> int:
    return int(getattr(settings, "RELIEF_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass
class SniffResult:
    format: str  # "xlsx" or "csv"
    encoding: str = ""  # CSV only
    delimiter: str = ","

    @property
    def label(self) -> str:
        return f"csv ({self.encoding})" if self.format == "csv" else self.format


def sniff(handle: IO[bytes], name: str, size: int) -> SniffResult:
    """Decide what the file is from its content (the extension only decides .xlsm and .xls)."""
    lower = (name or "").lower()
    if size == 0:
        raise FileRejected(_("文件是空的（0 字节），请检查是否选错了文件。"))
    limit = max_upload_bytes()
    if size > limit:
        raise FileRejected(_("文件大小 %(size).1f MB，超过了 %(limit).0f MB 的上限；请分成几个文件导入。") % {
            "size": size / 1024 / 1024, "limit": limit / 1024 / 1024})
    if lower.endswith((".xlsm", ".xltm", ".xlam")):
        raise FileRejected(_("不接受含宏的 Excel 文件（.xlsm）。请在 Excel 中“另存为”.xlsx 格式后再上传。"))
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(XLSX_MAGIC):
        _check_xlsx_package(handle)
        return SniffResult("xlsx")
    if head.startswith(OLE2_MAGIC):
        raise FileRejected(_("这是旧版 Excel（.xls）或 WPS 格式的文件，请另存为 .xlsx 格式后再上传。"))
    if lower.endswith((".xlsx", ".xls")):
        raise FileRejected(_("文件扩展名是 Excel，但内容不是 Excel 表格，文件可能已损坏。"))
    return _sniff_csv(handle)


def _check_xlsx_package(handle) -> None:
    try:
        with zipfile.ZipFile(handle) as package:
            names = set(package.namelist())
            if "xl/vbaProject.bin" in names:
                raise FileRejected(_("文件中含有宏（VBA），为安全起见不予导入。请另存为不含宏的 .xlsx 文件。"))
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise FileRejected(_("这是一个压缩包，不是 Excel 表格。"))
            content_types = package.read("[Content_Types].xml")
            if b"macroEnabled" in content_types:
                raise FileRejected(_("文件中含有宏，为安全起见不予导入。请另存为 .xlsx 文件。"))
            bad = package.testzip()
            if bad is not None:
                raise FileRejected(_("Excel 文件已损坏（%(part)s 无法读取），请重新保存后再上传。") % {"part": bad})
    except zipfile.BadZipFile:
        raise FileRejected(_("Excel 文件已损坏，无法打开。请在 Excel 中重新保存后再上传。")) from None
    finally:
        handle.seek(0)


def _sniff_csv(handle) -> SniffResult:
    sample = handle.read(64 * 1024)
    handle.seek(0)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        if b"\x00" in sample:
            raise FileRejected(_("这不是表格文件（内容是二进制数据）。请上传 .xlsx 或 .csv 文件。"))
        encoding = _detect_text_encoding(handle)
    text = sample.decode(encoding, errors="ignore")
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max([",", "\t", "，", ";"], key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    return SniffResult("csv", encoding, delimiter)


def _detect_text_encoding(handle) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as UTF-8, else GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        handle.seek(0)
        try:
            while chunk := handle.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
        finally:
            handle.seek(0)
    raise FileRejected(_("无法识别文件的文字编码（既不是 UTF-8 也不是 GBK）。请用 Excel 另存为 .xlsx 后再上传。"))


_WIDTH = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:([A-Z]+)\d+"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')


def _xlsx_estimated_rows(handle) -> int:
    """Rows of the first worksheet from its <dimension> tag, without parsing the sheet.

    openpyxl's `max_row` scans the whole sheet when the tag is missing; files without it are
    estimated from the sheet's uncompressed size (about 150 bytes a row is typical of rosters).
    """
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as package:
            sheets = sorted(n for n in package.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
            if not sheets:
                return 0
            name = "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in sheets else sheets[0]
            with package.open(name) as part:
                head = part.read(4096)
            match = _DIMENSION.search(head)
            if match:
                return max(int(match.group(1)) - 1, 0)
            return package.getinfo(name).file_size // 150
    except (zipfile.BadZipFile, KeyError, ValueError):
        return 0
    finally:
        handle.seek(0)


class SheetReader:
    """Iterate over the data rows of the first worksheet (or the one named “数据”)."""

    def __init__(self, handle: IO[bytes], sniffed: SniffResult):
        self.handle = handle
        self.sniffed = sniffed
        self._workbook = None

    def estimated_rows(self) -> int:
        """A cheap estimate of the number of data rows, to decide whether to run in the background."""
        if self.sniffed.format == "csv":
            self.handle.seek(0)
            count = sum(chunk.count(b"\n") for chunk in iter(lambda: self.handle.read(1024 * 1024), b""))
            self.handle.seek(0)
            return max(count - 1, 0)
        return _xlsx_estimated_rows(self.handle)

    def rows(self) -> Iterator[tuple[int, tuple]]:
        """(1-based spreadsheet row number, values) for every row, header rows included."""
        if self.sniffed.format == "csv":
            yield from self._csv_rows()
        else:
            yield from self._xlsx_rows()

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    def _sheet(self) -> "XlsxStream":
        if self._workbook is None:
            from lxml import etree

            self.handle.seek(0)
            try:
                self._workbook = XlsxStream(self.handle)
            except FileRejected:
                raise
            except (zipfile.BadZipFile, KeyError, ValueError, OSError, etree.LxmlError) as exc:
                raise FileRejected(_("Excel 文件无法打开（%(error)s）。请在 Excel 中重新保存后再上传。") % {
                    "error": exc.__class__.__name__}) from None
        return self._workbook

    def _xlsx_rows(self):
        from lxml import etree

        sheet = self._sheet()
        try:
            yield from sheet.rows()
        except (zipfile.BadZipFile, KeyError, ValueError, IndexError, OSError, EOFError, etree.LxmlError) as exc:
            raise FileRejected(_("Excel 文件在读取中途出错（%(error)s），文件可能已损坏。") % {
                "error": exc.__class__.__name__}) from None

    def _csv_rows(self):
        self.handle.seek(0)
        text = io.TextIOWrapper(self.handle, encoding=self.sniffed.encoding, newline="")
        try:
            for number, values in enumerate(csv.reader(text, delimiter=self.sniffed.delimiter), start=1):
                yield number, tuple(values)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FileRejected(_("CSV 文件读取出错：%(error)s") % {"error": exc}) from None
        finally:
            text.detach()


# ---------------------------------------------------------------- a streaming .xlsx reader (lxml)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_ROW, _CELL, _VALUE = f"{{{_MAIN}}}row", f"{{{_MAIN}}}c", f"{{{_MAIN}}}v"
_TEXT, _PHONETIC, _INLINE = f"{{{_MAIN}}}t", f"{{{_MAIN}}}rPh", f"{{{_MAIN}}}is"
_FORMULA = f"{{{_MAIN}}}f"


def _parser():
    from lxml import etree

    # No entities, no network, no DTD: a workbook is data, never instructions to the parser.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _string_of(element) -> str:
    """The text of a shared or inline string: its plain or rich-text runs, without phonetic guides."""
    return "".join(t.text or "" for t in element.iter(_TEXT) if t.getparent().tag != _PHONETIC)


def _column_index(reference: str, cache: dict) -> int:
    letters = reference.rstrip("0123456789")
    index = cache.get(letters)
    if index is None:
        index = 0
        for char in letters:
            index = index * 26 + ord(char) - 64
        cache[letters] = index
    return index


class XlsxStream:
    """The rows of one worksheet as (row number, values), the way openpyxl's read-only mode gives them
    with `data_only=True` (a formula's stored value, dates by their number format), several times
    faster: one lxml pass over the sheet, no cell objects. Memory stays bounded: parsed rows are freed."""

    def __init__(self, handle):
        from lxml import etree
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        self.package = zipfile.ZipFile(handle)
        names = set(self.package.namelist())
        workbook = etree.fromstring(self.package.read("xl/workbook.xml"), _parser())
        properties = workbook.find(f"{{{_MAIN}}}workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        sheets = [(s.get("name"), s.get(f"{{{_REL}}}id")) for s in workbook.iter(f"{{{_MAIN}}}sheet")]
        if not sheets:
            raise FileRejected(_("Excel 文件中没有工作表。"))
        targets = {}
        if "xl/_rels/workbook.xml.rels" in names:
            rels = etree.fromstring(self.package.read("xl/_rels/workbook.xml.rels"), _parser())
            for rel in rels.iter(f"{{{_PKG_REL}}}Relationship"):
                target = rel.get("Target", "")
                targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        wanted = next((rid for name, rid in sheets if name == str(_("数据"))), sheets[0][1])
        self.sheet_path = targets.get(wanted, "")
        if self.sheet_path not in names:
            raise FileRejected(_("Excel 文件中找不到工作表的内容，文件可能已损坏。"))

        self.strings: list[str] = []
        if "xl/sharedStrings.xml" in names:
            with self.package.open("xl/sharedStrings.xml") as part:
                for _event, item in etree.iterparse(part, events=("end",), tag=f"{{{_MAIN}}}si",
                                                    resolve_entities=False, no_network=True, load_dtd=False):
                    self.strings.append(_string_of(item))
                    item.clear()
        self.date_styles: set[int] = set()
        self.timedelta_styles: set[int] = set()
        if "xl/styles.xml" in names:
            styles = etree.fromstring(self.package.read("xl/styles.xml"), _parser())
            formats = dict(BUILTIN_FORMATS)
            for fmt in styles.iter(f"{{{_MAIN}}}numFmt"):
                formats[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
            cell_xfs = styles.find(f"{{{_MAIN}}}cellXfs")
            for index, xf in enumerate(cell_xfs if cell_xfs is not None else ()):
                code = formats.get(int(xf.get("numFmtId", "0")), "")
                if code and is_date_format(code):
                    self.date_styles.add(index)
                    if is_timedelta_format(code):
                        self.timedelta_styles.add(index)

    def close(self) -> None:
        self.package.close()

    def _formula(self, element, reference: str | None, shared: dict) -> str:
        """The formula's text; a cell of a shared formula carries only its group's id, so the group's
        first formula is moved to this cell the way Excel fills a formula down (openpyxl's Translator)."""
        text = element.text or ""
        if element.get("t") != "shared":
            return f"={text}"
        group = element.get("si")
        if text:
            shared[group] = (reference, f"={text}")
            return f"={text}"
        origin = shared.get(group)
        if origin is None:
            return "="
        from openpyxl.formula.translate import Translator

        try:
            return Translator(origin[1], origin=origin[0]).translate_formula(reference)
        except Exception:  # a formula openpyxl cannot parse: its group's text still says what it is
            return origin[1]

    def rows(self):
        from lxml import etree
        from openpyxl.utils import get_column_letter
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        strings, date_styles, columns = self.strings, self.date_styles, {}
        shared: dict = {}
        number = 0
        # Rows are padded to the sheet's width (its <dimension>, else the widest row so far) like openpyxl's.
        with self.package.open(self.sheet_path) as part:
            match = _WIDTH.search(part.read(4096))
        width = _column_index(match.group(1).decode(), columns) if match else 0
        with self.package.open(self.sheet_path) as part:
            for _event, row in etree.iterparse(part, events=("end",), tag=_ROW, resolve_entities=False,
                                               no_network=True, load_dtd=False):
                declared = row.get("r")
                current = int(declared) if declared else number + 1
                while number + 1 < current:  # rows absent from the file are empty rows, as openpyxl gives them
                    number += 1
                    yield number, (None,) * width
                number = current
                values: list = []
                position = 0
                for cell in row.iterchildren(_CELL):
                    reference = cell.get("r")
                    position = _column_index(reference, columns) if reference else position + 1
                    kind = cell.get("t", "n")
                    if kind == "inlineStr":
                        inline = cell.find(_INLINE)
                        value = _string_of(inline) if inline is not None else None
                    else:
                        value = cell.findtext(_VALUE) or None
                        if value is not None:
                            if kind == "n":
                                value = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                                style = int(cell.get("s", "0"))
                                if style in date_styles:
                                    try:
                                        value = from_excel(value, self.epoch, timedelta=style in self.timedelta_styles)
                                    except (OverflowError, ValueError):
                                        value = "#VALUE!"
                            elif kind == "s":
                                value = strings[int(value)]
                            elif kind == "b":
                                value = bool(int(value))
                            elif kind == "d":
                                value = from_ISO8601(value)
                            # "str" (a formula's stored text) and "e" (an error such as #N/A) stay text.
                    if len(cell) and cell[0].tag == _FORMULA:  # <f> comes first in a cell (ECMA-376 18.3.1.4)
                        value = Formula(self._formula(cell[0], reference or f"{get_column_letter(position)}{number}",
                                                      shared), value)
                    if value is not None:
                        if position > len(values):
                            values.extend([None] * (position - len(values)))
                        values[position - 1] = value
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
                if len(values) < width:
                    values.extend([None] * (width - len(values)))
                else:
                    width = len(values)
                yield number, tuple(values)
