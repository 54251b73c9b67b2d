"""Reading a file's rows: finding the header, and turning each row's cells into field values (one error per
bad cell), and values back into the labels the preview shows."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from households.idcard import mask_id_number
from households.validators import validate_person_name
from relief import punctuation

from ..columns import (
    ENUMS, CellError, Column, normalize_header, parse_bool, parse_date, parse_datetime, parse_decimal, parse_id,
    parse_multi, text_of,
)
from ..reader import Formula
from .context import Context
from .outcome import _Errors

# The key under which a parsed row keeps the text of cells that failed to parse, for the preview.
RAW = "_raw"


class HeaderError(Exception):
    """The header row is missing, or names unknown / lacks required columns."""


def read_header(rows: Iterable[tuple[int, tuple]], columns: list[Column]):
    """Find the header row among the first few rows (a title row above it is allowed).

    Returns (iterator over the remaining rows, {column key: cell index}).
    """

    iterator = iter(rows)
    by_header = {normalize_header(c.header): c for c in columns}
    required = [c for c in columns if c.required]
    scanned = 0
    for number, values in iterator:
        scanned += 1
        headers = [normalize_header(v) for v in values]
        if any(normalize_header(c.header) in headers for c in required):
            index: dict[str, int] = {}
            unknown, duplicated = [], []
            for position, header in enumerate(headers):
                if not header:
                    continue
                column = by_header.get(header)
                if column is None:
                    unknown.append(text_of(values[position]))
                elif column.key in index:
                    duplicated.append(text_of(values[position]))
                else:
                    index[column.key] = position
            missing = [c.header_text for c in required if c.key not in index]
            problems = []
            if unknown:
                problems.append(_("第 %(row)d 行有无法识别的列：%(names)s。") % {"row": number, "names": punctuation.mark("、").join(unknown)})
            if duplicated:
                problems.append(_("这些列出现了不止一次：%(names)s。") % {"names": punctuation.mark("、").join(duplicated)})
            if missing:
                problems.append(_("缺少必填列：%(names)s。") % {"names": punctuation.mark("、").join(missing)})
            if problems:
                problems.append(_("请使用本页提供的模板，表头须与模板一致。"))
                raise HeaderError("".join(problems))
            return iterator, index
        if scanned >= 5:
            break
    raise HeaderError(_("在文件前 %(n)d 行没有找到表头。请使用本页提供的模板，第一行为列名（如 %(names)s）。") % {
        "n": 5, "names": punctuation.mark("、").join(c.header_text for c in required)})


class RowParser:
    """Turns a row's cells into field values, collecting one error per bad cell."""

    def __init__(self, columns: list[Column], index: dict[str, int], context: Context, errors: _Errors):
        self.columns = [c for c in columns if c.key in index]
        self.index = index
        self.context = context
        self.errors = errors
        self.headers = {c.key: c.header_text for c in columns}

    def parse(self, number: int, values: tuple) -> dict | None:
        """None for an empty row; else {key: value} for the columns present (blank cells as None)."""
        size = len(values)
        cells = {}
        empty = True
        for column in self.columns:
            position = self.index[column.key]
            raw = values[position] if position < size else None
            if isinstance(raw, Formula):  # never empty: its stored value is checked below
                cells[column.key] = raw
                empty = False
                continue
            if raw is not None and raw != "":
                if isinstance(raw, str):
                    raw = raw.strip()
                    if not raw:
                        cells[column.key] = None
                        continue
                empty = False
            else:
                raw = None
            cells[column.key] = raw
        if empty:
            return None
        row = {}
        for column in self.columns:
            raw = cells[column.key]
            if isinstance(raw, Formula):
                try:
                    raw = self.formula_value(column, raw)
                except CellError as exc:
                    self.errors.add(number, column.header_text, str(exc))
                    row[column.key] = None
                    row.setdefault(RAW, {})[column.key] = cells[column.key].text
                    continue
            if raw is None:
                if column.required and column.each_row:
                    self.errors.add(number, column.header_text, _("必填，不能为空。"))
                row[column.key] = None
                continue
            try:
                row[column.key] = self.parse_cell(column, raw)
            except CellError as exc:
                self.errors.add(number, column.header_text, str(exc))
                row[column.key] = None
                # What the cell held, for the preview (ID numbers masked there as everywhere).
                text = text_of(raw)
                row.setdefault(RAW, {})[column.key] = mask_id_number(text) if column.kind == "id" else text
        return row

    def formula_value(self, column: Column, formula: Formula):
        """The value a formula cell stands for: the result Excel stored with it. Refused for a person's
        name, which is typed, never computed, and when the file holds no result (nothing here evaluates
        formulas): the message names the formula, so the importer finds it."""
        value = formula.value
        if column.kind == "name":
            message = _("单元格中是公式 %(formula)s，不是姓名本身。姓名须直接填写文字；"
                        "请在 Excel 中复制该列后“选择性粘贴 → 数值”，再重新上传。")
        elif value is None or (isinstance(value, str) and not value.strip()):
            message = _("单元格中是公式 %(formula)s，文件中没有保存它的计算结果（本系统不计算公式）。"
                        "请把公式改成数值（“选择性粘贴 → 数值”），或在 Excel 中打开并保存文件后重新上传。")
        else:
            return value.strip() if isinstance(value, str) else value
        raise CellError(message % {"formula": formula.text})

    def parse_cell(self, column: Column, raw):
        kind = column.kind
        if kind == "name":
            text = text_of(raw)
            if column.max_length and len(text) > column.max_length:
                raise CellError(_("最多 %(n)d 个字，当前 %(m)d 个。") % {"n": column.max_length, "m": len(text)})
            try:
                validate_person_name(text)
            except ValidationError as exc:
                raise CellError(exc.messages[0]) from None
            return text
        if kind == "text":
            text = text_of(raw)
            if column.max_length and len(text) > column.max_length:
                raise CellError(_("最多 %(n)d 个字，当前 %(m)d 个。") % {"n": column.max_length, "m": len(text)})
            return text
        if kind == "id":
            return parse_id(raw)
        if kind == "enum":
            return ENUMS[column.key].parse(raw)
        if kind == "multi":
            return parse_multi(ENUMS[column.key], raw)
        if kind == "date":
            return parse_date(raw)
        if kind in ("datetime", "deadline"):
            return parse_datetime(raw, end_of_day=kind == "deadline")
        if kind == "decimal":
            return parse_decimal(raw)
        if kind == "bool":
            return parse_bool(raw)
        if kind == "village":
            text = text_of(raw)
            by_code, by_name = self.context.villages()
            if text in by_code:
                return by_code[text]
            key = normalize_header(text)
            if key in by_name:
                if by_name[key] is None:
                    raise CellError(_("“%(v)s”对应多个村/社区，请填写12位区划代码。") % {"v": text})
                return by_name[key]
            raise CellError(_("“%(v)s”不是您辖区内的村/社区（按名称或12位区划代码查找）。") % {"v": text})
        if kind == "group":
            return text_of(raw)  # resolved with the row's village (see HouseholdValidator)
        if kind == "user":
            text = text_of(raw)
            people = self.context.caseworkers()
            if text not in people:
                raise CellError(_("找不到辖区内名为“%(v)s”的协理员（填写姓名或登录名）。") % {"v": text})
            if people[text] is None:
                raise CellError(_("辖区内有多名协理员叫“%(v)s”，请填写登录名。") % {"v": text})
            return people[text]
        raise AssertionError(kind)


def _label(column: Column, value) -> str:
    """A value as the template would show it (Chinese label), for the preview."""
    if value is None:
        return ""
    if column.kind == "enum":
        return ENUMS[column.key].label_of.get(value, str(value))
    if column.kind == "multi":
        return punctuation.mark("、").join(ENUMS[column.key].label_of.get(v, v) for v in value)
    if column.kind == "id":
        return mask_id_number(value)
    if column.kind == "bool":
        return _("是") if value else _("否")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
