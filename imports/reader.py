"""Reading uploaded spreadsheets: .xlsx (openpyxl read-only, stored values) and CSV (UTF-8 / GBK detected).

Nothing here knows about households; it turns a file into (row number, tuple of cell values) and says
in Chinese what is wrong with a file it cannot read. Formulas are never evaluated: the workbook is
opened with `data_only=True`, which returns the value Excel stored when it last saved the file.
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

    def _sheet(self):
        if self._workbook is None:
            from openpyxl import load_workbook

            self.handle.seek(0)
            try:
                self._workbook = load_workbook(self.handle, read_only=True, data_only=True, keep_links=False)
            except Exception as exc:  # openpyxl raises many kinds for damaged packages
                raise FileRejected(_("Excel 文件无法打开（%(error)s）。请在 Excel 中重新保存后再上传。") % {
                    "error": exc.__class__.__name__}) from None
        names = self._workbook.sheetnames
        if not names:
            raise FileRejected(_("Excel 文件中没有工作表。"))
        return self._workbook[str(_("数据"))] if str(_("数据")) in names else self._workbook[names[0]]

    def _xlsx_rows(self):
        sheet = self._sheet()
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, values
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
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
