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


@dataclass(frozen=True)
class ReadLimits:
    """What a spreadsheet may hold. The archive's directory is checked before anything is inflated
    (its sizes are the writer's claims: every read is also counted against them); rows, columns and
    cells are counted while the sheet streams (a sheet's <dimension> is a claim too)."""

    uncompressed_bytes: int = 200 * 1024 * 1024
    compression_ratio: int = 100
    archive_members: int = 1000
    rows: int = 100_000
    columns: int = 100
    cell_chars: int = 1000
    # Excel's own width: a row with more cell elements was not written by a spreadsheet program.
    cells_per_row: int = 16_384
    # Parts this small are never the bomb, however well they compress (styles, themes, a blank sheet).
    ratio_checked_from: int = 1024 * 1024

    @classmethod
    def from_settings(cls) -> "ReadLimits":
        defaults = cls()
        return cls(
            uncompressed_bytes=int(getattr(settings, "RELIEF_IMPORT_MAX_UNCOMPRESSED_BYTES", defaults.uncompressed_bytes)),
            compression_ratio=int(getattr(settings, "RELIEF_IMPORT_MAX_COMPRESSION_RATIO", defaults.compression_ratio)),
            archive_members=int(getattr(settings, "RELIEF_IMPORT_MAX_ARCHIVE_MEMBERS", defaults.archive_members)),
            rows=int(getattr(settings, "RELIEF_IMPORT_MAX_ROWS", defaults.rows)),
            columns=int(getattr(settings, "RELIEF_IMPORT_MAX_COLUMNS", defaults.columns)),
            cell_chars=int(getattr(settings, "RELIEF_IMPORT_MAX_CELL_CHARS", defaults.cell_chars)),
        )


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f}"


def check_archive(package: zipfile.ZipFile, limits: ReadLimits) -> None:
    """Refuse a zip bomb from the archive's directory alone: nothing is inflated here."""
    members = package.infolist()
    if len(members) > limits.archive_members:
        raise FileRejected(_("Excel 文件内含 %(n)d 个部件，超过 %(max)d 个的上限，不是正常的表格文件。") % {
            "n": len(members), "max": limits.archive_members})
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise FileRejected(_("Excel 文件的部件“%(part)s”已加密，无法读取。请去掉密码后另存为 .xlsx 再上传。") % {
                "part": member.filename})
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileRejected(_("Excel 文件的部件“%(part)s”使用了表格软件不会使用的压缩方式，不予导入。") % {
                "part": member.filename})
        total += member.file_size
        if total > limits.uncompressed_bytes:
            raise FileRejected(_("Excel 文件解压后超过 %(max)s MB 的上限（压缩包声明的大小），"
                                 "请删除多余的行、列或工作表，或分成几个文件导入。") % {"max": _mb(limits.uncompressed_bytes)})
        if (member.file_size >= limits.ratio_checked_from
                and member.file_size > limits.compression_ratio * max(member.compress_size, 1)):
            raise FileRejected(_("Excel 文件的部件“%(part)s”压缩比为 %(ratio).0f 倍，超过 %(max)d 倍的上限，"
                                 "不是正常的表格文件。") % {
                "part": member.filename, "ratio": member.file_size / max(member.compress_size, 1),
                "max": limits.compression_ratio})


# The shared-strings table is held whole while the sheet is read: its size follows from the row limit.
SHARED_STRINGS_PER_ROW = 20
SHARED_CHARS_PER_ROW = 400
# Parts read whole rather than streamed. Styles can grow large in files copied between workbooks for years.
PART_MAX_BYTES = 4 * 1024 * 1024
STYLES_MAX_BYTES = 32 * 1024 * 1024


def _read_at_most(part, limit: int) -> bytes:
    """Up to `limit` bytes, in chunks (read(limit) would allocate the whole limit up front)."""
    chunks, size = [], 0
    while size < limit and (chunk := part.read(min(64 * 1024, limit - size))):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _part_too_large(name: str) -> FileRejected:
    return FileRejected(_("Excel 文件的部件“%(part)s”异常庞大，不是正常的表格文件。请在 Excel 中另存为新文件后再上传。") % {
        "part": name})


class BoundedMember(io.RawIOBase):
    """A part of the archive that gives at most the size its directory entry declares.

    zipfile stops at the declared size and checks the CRC at the end; this says so in Chinese and
    counts what every part has given against the archive's budget, so a lying entry or a part read
    more than once cannot inflate more than the limit."""

    def __init__(self, package: zipfile.ZipFile, name: str, budget: "InflateBudget"):
        super().__init__()
        self._info = package.getinfo(name)
        self._part = package.open(self._info)
        self._budget = budget
        self._given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._part.read(len(buffer))
        self._given += len(data)
        if self._given > self._info.file_size:
            raise FileRejected(_("Excel 文件的部件“%(part)s”比它声明的大小更大，文件已损坏或被篡改。") % {
                "part": self._info.filename})
        self._budget.spend(len(data))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._part.close()
        super().close()


class InflateBudget:
    """Bytes inflated from one archive, across all its parts and reads."""

    def __init__(self, limit: int):
        self.limit = limit
        self.inflated = 0

    def spend(self, size: int) -> None:
        self.inflated += size
        if self.inflated > self.limit:
            raise FileRejected(_("Excel 文件解压后超过 %(max)s MB 的上限，请删除多余的行、列或工作表，"
                                 "或分成几个文件导入。") % {"max": _mb(self.limit)})


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
    limits = ReadLimits.from_settings()
    try:
        with zipfile.ZipFile(handle) as package:
            check_archive(package, limits)
            names = set(package.namelist())
            if "xl/vbaProject.bin" in names:
                raise FileRejected(_("文件中含有宏（VBA），为安全起见不予导入。请另存为不含宏的 .xlsx 文件。"))
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise FileRejected(_("这是一个压缩包，不是 Excel 表格。"))
            # Nothing but this small part is inflated in the request; the sheet is read (and its CRC
            # checked) by the dry run, within the limits.
            budget = InflateBudget(limits.uncompressed_bytes)
            with io.BufferedReader(BoundedMember(package, "[Content_Types].xml", budget)) as part:
                content_types = _read_at_most(part, PART_MAX_BYTES + 1)
            if len(content_types) > PART_MAX_BYTES:
                raise _part_too_large("[Content_Types].xml")
            if b"macroEnabled" in content_types:
                raise FileRejected(_("文件中含有宏，为安全起见不予导入。请另存为 .xlsx 文件。"))
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
            by_size = package.getinfo(name).file_size // 150
            if match:
                # The tag is the writer's claim: a sheet far larger than the rows it claims is estimated by
                # its size (a real row takes well under 4,000 bytes), so it is not read in the request.
                return max(int(match.group(1)) - 1, by_size // 25, 0)
            return by_size
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
        limits = ReadLimits.from_settings()
        self.handle.seek(0)
        text = io.TextIOWrapper(self.handle, encoding=self.sniffed.encoding, newline="")
        try:
            lines = _bounded_lines(text, limits)
            for number, values in enumerate(csv.reader(lines, delimiter=self.sniffed.delimiter), start=1):
                filled = [position for position, value in enumerate(values, start=1) if value]
                if filled:
                    if number > limits.rows:
                        raise _too_many_rows(limits)
                    for position in filled:
                        _check_cell(values[position - 1], number, position, limits)
                yield number, tuple(values)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FileRejected(_("CSV 文件读取出错：%(error)s") % {"error": exc}) from None
        finally:
            text.detach()


def _bounded_lines(text, limits: ReadLimits):
    """The file's lines, none longer than a full row of full cells could be: a file without line breaks
    is refused at that length instead of being read whole."""
    longest = limits.columns * (limits.cell_chars + 3)
    lines = 0
    while line := text.readline(longest + 1):
        if len(line) > longest:
            raise FileRejected(_("CSV 文件中有一行超过 %(max)d 个字（%(cols)d 列、每格 %(chars)d 字的上限），"
                                 "不是正常的表格文件。") % {"max": longest, "cols": limits.columns,
                                                     "chars": limits.cell_chars})
        lines += 1
        if lines > 2 * limits.rows:
            raise _too_many_rows(limits)
        yield line


def check_readable(content: bytes, name: str) -> None:
    """Read a whole file through this reader's limits, keeping nothing: for code that must hand the file
    to a library which would inflate it whole (django-import-export's tablib), to refuse it first."""
    handle = io.BytesIO(content)
    reader = SheetReader(handle, sniff(handle, name, len(content)))
    try:
        for _row in reader.rows():
            pass
    finally:
        reader.close()


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
        self.limits = ReadLimits.from_settings()
        check_archive(self.package, self.limits)
        # The sheet's first bytes are read twice (for its width): a little slack over the archive's limit.
        self.budget = InflateBudget(self.limits.uncompressed_bytes + 64 * 1024)
        names = set(self.package.namelist())
        workbook = etree.fromstring(self._read("xl/workbook.xml"), _parser())
        properties = workbook.find(f"{{{_MAIN}}}workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        sheets = [(s.get("name"), s.get(f"{{{_REL}}}id")) for s in workbook.iter(f"{{{_MAIN}}}sheet")]
        if not sheets:
            raise FileRejected(_("Excel 文件中没有工作表。"))
        targets = {}
        if "xl/_rels/workbook.xml.rels" in names:
            rels = etree.fromstring(self._read("xl/_rels/workbook.xml.rels"), _parser())
            for rel in rels.iter(f"{{{_PKG_REL}}}Relationship"):
                target = rel.get("Target", "")
                targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        wanted = next((rid for name, rid in sheets if name == str(_("数据"))), sheets[0][1])
        self.sheet_path = targets.get(wanted, "")
        if self.sheet_path not in names:
            raise FileRejected(_("Excel 文件中找不到工作表的内容，文件可能已损坏。"))

        self.strings: list[str] = []
        if "xl/sharedStrings.xml" in names:
            self._read_shared_strings()
        self.date_styles: set[int] = set()
        self.timedelta_styles: set[int] = set()
        if "xl/styles.xml" in names:
            styles = etree.fromstring(self._read("xl/styles.xml", STYLES_MAX_BYTES), _parser())
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

    def _read_shared_strings(self) -> None:
        """The workbook's table of distinct texts, held in memory for the whole read: bounded in count and
        characters by the row limit (a real 100,000-row roster has some 400,000 distinct texts of about
        8 million characters), and a text repeated in the table is held once."""
        from lxml import etree

        limits = self.limits
        max_count, max_chars = limits.rows * SHARED_STRINGS_PER_ROW, limits.rows * SHARED_CHARS_PER_ROW
        held: dict[str, str] = {}
        chars = 0
        with self._open("xl/sharedStrings.xml") as part:
            for _event, item in etree.iterparse(part, events=("end",), tag=f"{{{_MAIN}}}si",
                                                resolve_entities=False, no_network=True, load_dtd=False):
                text = _string_of(item)
                if len(text) > limits.cell_chars:
                    raise FileRejected(_("表格中有单元格的内容长达 %(n)d 个字，超过每格 %(max)d 字的上限。") % {
                        "n": len(text), "max": limits.cell_chars})
                text = held.setdefault(text, text)
                chars += len(text)
                self.strings.append(text)
                if len(self.strings) > max_count or chars > max_chars:
                    raise FileRejected(_("表格中的文字超过了 %(rows)d 行表格所能容纳的数量，不是正常的表格文件；"
                                         "请分成几个文件导入。") % {"rows": limits.rows})
                item.clear()
                while item.getprevious() is not None:
                    del item.getparent()[0]

    def _open(self, name: str):
        return io.BufferedReader(BoundedMember(self.package, name, self.budget), 64 * 1024)

    def _read(self, name: str, limit: int = PART_MAX_BYTES) -> bytes:
        """A part parsed whole (the workbook, its relationships, the styles): a few kilobytes in real files."""
        with self._open(name) as part:
            content = _read_at_most(part, limit + 1)
        if len(content) > limit:
            raise _part_too_large(name)
        return content

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

    def _row_events(self, part):
        """("start" | "end", row element) as the sheet is parsed in chunks. Between chunks the row being
        parsed is measured: a row of millions of cells is refused at the limit, not built in memory first
        (an "end" event would only come once the whole row had been built)."""
        from lxml import etree

        parser = etree.XMLPullParser(events=("start", "end"), tag=_ROW, resolve_entities=False,
                                     no_network=True, load_dtd=False, huge_tree=False)
        open_row = None
        limit = self.limits.cells_per_row

        def parsed():
            nonlocal open_row
            for event, row in parser.read_events():
                open_row = row if event == "start" else None
                yield event, row

        while chunk := part.read(64 * 1024):
            parser.feed(chunk)
            yield from parsed()
            if open_row is not None and len(open_row) > limit:
                raise FileRejected(_("第 %(row)s 行有超过 %(max)d 个单元格，不是正常的表格文件。") % {
                    "row": open_row.get("r") or "?", "max": limit})
        parser.close()
        yield from parsed()

    def rows(self):
        from openpyxl.utils import get_column_letter
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        strings, date_styles, columns, limits = self.strings, self.date_styles, {}, self.limits
        max_columns, max_chars, max_rows = limits.columns, limits.cell_chars, limits.rows
        shared: dict = {}
        number = row_elements = 0
        # Rows are padded to the sheet's width (its <dimension>, else the widest row so far) like openpyxl's;
        # a <dimension> wider than the column limit is a claim, not a reason to allocate.
        with self._open(self.sheet_path) as part:
            match = _WIDTH.search(part.read(4096))
        width = _column_index(match.group(1).decode(), columns) if match else 0
        if width > max_columns:
            width = 0
        with self._open(self.sheet_path) as part:
            for event, row in self._row_events(part):
                if event == "start":
                    row_elements += 1
                    if row_elements > 2 * max_rows:
                        raise _too_many_rows(limits)
                    continue
                if len(row) > limits.cells_per_row:
                    raise FileRejected(_("第 %(row)s 行有超过 %(max)d 个单元格，不是正常的表格文件。") % {
                        "row": row.get("r") or "?", "max": limits.cells_per_row})
                declared = row.get("r")
                current = int(declared) if declared else number + 1
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
                        value = Formula(self._formula(cell[0], reference or f"{get_column_letter(position)}{current}",
                                                      shared), value)
                    if value is not None:
                        if position > max_columns or (value.__class__ is str and len(value) > max_chars):
                            _check_cell(value, current, position, limits)
                        elif value.__class__ is Formula:
                            _check_cell(value, current, position, limits)
                        if position > len(values):
                            values.extend([None] * (position - len(values)))
                        values[position - 1] = value
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
                if current > max_rows:
                    if values:
                        raise _too_many_rows(limits)
                    continue  # an empty formatted row below the limit's end: nothing to read
                while number + 1 < current:  # rows absent from the file are empty rows, as openpyxl gives them
                    number += 1
                    yield number, (None,) * width
                number = current
                if len(values) < width:
                    values.extend([None] * (width - len(values)))
                else:
                    width = len(values)
                yield number, tuple(values)


def _too_many_rows(limits: ReadLimits) -> FileRejected:
    return FileRejected(_("表格超过 %(max)d 行的上限，请分成几个文件导入。") % {"max": limits.rows})


def _check_cell(value, row: int, position: int, limits: ReadLimits) -> None:
    """A cell with content beyond the column limit, or longer than a cell may be, refuses the file."""
    if position > limits.columns:
        from openpyxl.utils import get_column_letter

        letter = get_column_letter(position) if position <= 16_384 else str(position)
        raise FileRejected(_("第 %(row)d 行 %(col)s 列有内容，超过 %(max)d 列的上限；请删除多余的列后再上传。") % {
            "row": row, "col": letter, "max": limits.columns})
    text = value.text if isinstance(value, Formula) else value
    if isinstance(text, str) and len(text) > limits.cell_chars:
        raise FileRejected(_("第 %(row)d 行第 %(col)d 列的内容有 %(n)d 个字，超过每格 %(max)d 字的上限。") % {
            "row": row, "col": position, "n": len(text), "max": limits.cell_chars})
