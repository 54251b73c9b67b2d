"""Set-based validation of an import: every row checked, nothing written.

Row-by-row import (django-import-export's default path) queries the database for every row. Here the
lookups are loaded once (villages in the importer's jurisdiction by code and name, caseworkers, labels
of enumerations) and existing ID numbers are fetched in one query per chunk of rows, so 50,000 rows
validate in seconds with memory bounded by what the import itself must keep.

`validate(kind, rows, context)` returns an Outcome: counts (new / updated / unchanged / error), the
errors by row and column (capped), the first rows as they will be stored, and — when asked — the plan
that `imports.services` writes in one transaction.

A validation is a pure function of the file, the context (the importer's villages, groups and
caseworkers, today's date) and a handful of set-based database reads, each made through `Reads`.
`Reads` keeps a short digest of every answer, so a confirm can ask the same questions again in a
few queries (`Reads.still_hold`) and, if every answer is the same, reuse the dry run's plan instead
of reading and validating the whole file a second time.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from households import models as hh
from households.idcard import ID_NUMBER_TAKEN, birth_date_of, mask_id_number, sex_of
from households.validators import validate_person_name
from relief.models import Jurisdiction, JurisdictionLevel, Role, User

from .columns import (
    ENUMS, FEED_COLUMNS, HOUSEHOLD_COLUMNS, ROSTER_COLUMNS, CellError, Column, normalize_header, parse_bool,
    parse_date, parse_decimal, parse_id, parse_multi, text_of,
)
from .models import ImportKind
from .reader import Formula

CHUNK = 2000
PREVIEW_ROWS = 20
# Rows with errors past the first PREVIEW_ROWS are added to the preview too, up to this many, so the
# importer sees the bad row itself and not only its number.
PREVIEW_ERROR_ROWS = 20
# The key under which a parsed row keeps the text of cells that failed to parse, for the preview.
RAW = "_raw"
DEFAULT_MAX_ERRORS = 2000

COLUMNS = {ImportKind.HOUSEHOLDS: HOUSEHOLD_COLUMNS, ImportKind.ROSTER: ROSTER_COLUMNS,
           ImportKind.FEED: FEED_COLUMNS}

HOUSEHOLD_FIELDS = ("village_id", "group_id", "residence_address", "hukou_address", "hukou_type",
                    "residence_differs", "per_capita_income", "medical_expense", "education_expense",
                    "other_expense", "housing", "phone")
MEMBER_FIELDS = ("name", "relation", "birth_date", "sex", "ethnicity", "marital_status", "serious_illness",
                 "chronic_illness", "disability_type", "disability_grade", "self_care", "employment",
                 "school_stage", "status")
# What a file leaves blank for a new household. Hukou type, housing and income nobody recorded stay unknown
# (未登记), never a guess that would be compared with the 低保 standard.
HOUSEHOLD_DEFAULTS = {"group_id": None, "hukou_address": "", "hukou_type": "",
                      "residence_differs": False, "per_capita_income": None, "medical_expense": 0,
                      "education_expense": 0, "other_expense": 0, "housing": "", "phone": ""}
MEMBER_DEFAULTS = {"ethnicity": "", "marital_status": "", "serious_illness": "", "chronic_illness": "",
                   "disability_type": "", "disability_grade": "", "self_care": hh.SelfCare.FULL, "employment": "",
                   "school_stage": "", "status": hh.MemberStatus.PRESENT}
# The key of a column → the model field it fills.
FIELD_OF = {"village": "village_id", "group": "group_id"}


def max_errors() -> int:
    return int(getattr(settings, "RELIEF_IMPORT_MAX_ERRORS", DEFAULT_MAX_ERRORS))


class HeaderError(Exception):
    """The header row is missing, or names unknown / lacks required columns."""


@dataclass
class Context:
    """What a validation may use: the importer's villages, caseworkers and the feed's description."""

    actor: User
    village_ids: frozenset[int]
    today: dt.date = field(default_factory=timezone.localdate)
    on_progress: Callable[[int], None] | None = None
    _villages: dict | None = None
    _groups: dict | None = None
    _caseworkers: dict | None = None

    def villages(self) -> tuple[dict, dict]:
        """(by code, by name) — a name shared by two villages maps to None (ambiguous)."""
        if self._villages is None:
            by_code, by_name = {}, {}
            for pk, code, name in Jurisdiction.objects.filter(pk__in=self.village_ids).values_list("pk", "code", "name"):
                by_code[code] = pk
                key = normalize_header(name)
                by_name[key] = None if key in by_name else pk
            self._villages = (by_code, by_name)
        return self._villages

    def village_names(self) -> dict:
        if getattr(self, "_village_names", None) is None:
            self._village_names = dict(Jurisdiction.objects.filter(pk__in=self.village_ids).values_list("pk", "name"))
        return self._village_names

    def caseworker_names(self) -> dict:
        return {pk: name for name, pk in self.caseworkers().items() if pk}

    def groups(self) -> dict:
        if self._groups is None:
            groups: dict = {}
            for pk, code, name, parent in Jurisdiction.objects.filter(
                    level=JurisdictionLevel.GROUP, parent__in=self.village_ids).values_list("pk", "code", "name", "parent"):
                groups[(parent, code)] = pk
                groups[(parent, normalize_header(name))] = pk
            self._groups = groups
        return self._groups

    def snapshot(self) -> dict:
        """What this validation took from the context, to compare with a later one (see `matches`)."""
        return {"village_ids": sorted(self.village_ids), "today": self.today, "villages": self._villages,
                "groups": self._groups, "caseworkers": self._caseworkers}

    def matches(self, snapshot: dict) -> bool:
        """Would a validation in this context see what the snapshotted one saw? (Loads the same lookups.)"""
        if snapshot.get("village_ids") != sorted(self.village_ids) or snapshot.get("today") != self.today:
            return False
        loaders = {"villages": self.villages, "groups": self.groups, "caseworkers": self.caseworkers}
        return all(snapshot.get(name) is None or loader() == snapshot[name] for name, loader in loaders.items())

    def caseworkers(self) -> dict:
        if self._caseworkers is None:
            people: dict = {}
            for pk, username, full_name in User.objects.filter(
                    role=Role.CASEWORKER, is_active=True, jurisdiction__in=self.village_ids
            ).values_list("pk", "username", "full_name"):
                people[username] = pk
                if full_name:
                    people[full_name] = None if full_name in people and people[full_name] != pk else pk
            self._caseworkers = people
        return self._caseworkers


# ---------------------------------------------------------------- database reads, recorded
def _read_members(keys, fields) -> dict:
    return {values["id_number"]: values for values in hh.Member.objects.filter(id_number__in=keys).values(
        "pk", "id_number", "household_id", "household__village_id", *fields)}


def _read_households(keys) -> dict:
    return {values.pop("pk"): values for values in hh.Household.objects.filter(pk__in=keys).values(
        "pk", *HOUSEHOLD_FIELDS)}


def _read_roster_heads(keys) -> dict:
    return {id_number: (household_pk, village_pk) for id_number, household_pk, village_pk in hh.Member.objects.filter(
        id_number__in=keys, relation=hh.Relation.HEAD).values_list("id_number", "household_id", "household__village_id")}


def _read_open_entries(keys) -> dict:
    entries = {}
    for entry in hh.RosterEntry.objects.filter(household__in=keys, exited_on__isnull=True).values(
            "pk", "household_id", "target_kind", "cadence", "caseworker_id", "note"):
        entry["reasons"] = []
        entries[entry["household_id"]] = entry
    through = hh.RosterEntry.reasons.through
    for household_pk, code in through.objects.filter(rosterentry__in=[e["pk"] for e in entries.values()]).values_list(
            "rosterentry__household_id", "focusreasontag__code"):
        entries[household_pk]["reasons"].append(code)
    for entry in entries.values():
        entry["reasons"].sort()  # a stable order, so the same reasons give the same digest
    return entries


def _read_feed_members(keys, village_ids) -> dict:
    # Matched only within the importer's villages: people registered elsewhere are not theirs to act on.
    return {id_number: (pk, household_pk, village_pk) for id_number, pk, household_pk, village_pk in
            hh.Member.objects.filter(id_number__in=keys, household__village__in=village_ids).values_list(
                "id_number", "pk", "household_id", "household__village_id")}


READERS = {"members": _read_members, "households": _read_households, "roster_heads": _read_roster_heads,
           "open_entries": _read_open_entries, "feed_members": _read_feed_members}
RECHECK_CHUNK = 5000


def _digest(value) -> bytes:
    # 8 bytes of BLAKE2b over the answer's repr: values()/values_list() give the same repr for the same row.
    return b"" if value is None else hashlib.blake2b(repr(value).encode(), digest_size=8).digest()


class Reads:
    """The database reads a validation depended on: {(reader, params): {key: digest of the answer}}."""

    def __init__(self, seen: dict | None = None):
        self.seen: dict[tuple, dict] = seen if seen is not None else {}

    def fetch(self, name: str, params: tuple, keys) -> dict:
        keys = list(keys)
        if not keys:
            return {}
        result = READERS[name](keys, *params)
        store = self.seen.setdefault((name, params), {})
        for key in keys:
            store[key] = _digest(result.get(key))
        return result

    def still_hold(self) -> bool:
        """Ask every question again, in chunks: True if every answer is what the validation saw."""
        for (name, params), store in self.seen.items():
            keys = list(store)
            for start in range(0, len(keys), RECHECK_CHUNK):
                part = keys[start:start + RECHECK_CHUNK]
                result = READERS[name](part, *params)
                if any(store[key] != _digest(result.get(key)) for key in part):
                    return False
        return True


@dataclass
class Outcome:
    kind: str
    total_rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    error_rows: int = 0
    matched: int = 0
    unmatched: int = 0
    errors: list = field(default_factory=list)  # [row, column header, message]
    errors_truncated: bool = False
    file_error: str = ""
    preview_headers: list = field(default_factory=list)
    preview: list = field(default_factory=list)
    plan: object = None
    reads: Reads | None = None

    @property
    def ok(self) -> bool:
        return not self.file_error and self.error_rows == 0 and self.total_rows > 0


class _Errors:
    def __init__(self, outcome: Outcome):
        self.outcome = outcome
        self.limit = max_errors()
        self.rows_with_errors: set[int] = set()

    def add(self, row: int, column: str, message: str) -> None:
        if row not in self.rows_with_errors:
            self.rows_with_errors.add(row)
            self.outcome.error_rows += 1
        if len(self.outcome.errors) < self.limit:
            self.outcome.errors.append([row, str(column), str(message)])
        else:
            self.outcome.errors_truncated = True

    def has(self, row: int) -> bool:
        return row in self.rows_with_errors


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
                problems.append(_("第 %(row)d 行有无法识别的列：%(names)s。") % {"row": number, "names": "、".join(unknown)})
            if duplicated:
                problems.append(_("这些列出现了不止一次：%(names)s。") % {"names": "、".join(duplicated)})
            if missing:
                problems.append(_("缺少必填列：%(names)s。") % {"names": "、".join(missing)})
            if problems:
                problems.append(_("请使用本页提供的模板，表头须与模板一致。"))
                raise HeaderError("".join(problems))
            return iterator, index
        if scanned >= 5:
            break
    raise HeaderError(_("在文件前 %(n)d 行没有找到表头。请使用本页提供的模板，第一行为列名（如 %(names)s）。") % {
        "n": 5, "names": "、".join(c.header_text for c in required)})


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
        return "、".join(ENUMS[column.key].label_of.get(v, v) for v in value)
    if column.kind == "id":
        return mask_id_number(value)
    if column.kind == "bool":
        return _("是") if value else _("否")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _Validator:
    kind: str
    columns: list[Column]

    def __init__(self, context: Context, keep_plan: bool):
        self.context = context
        self.keep_plan = keep_plan
        self.outcome = Outcome(kind=self.kind)
        self.errors = _Errors(self.outcome)
        self.reads = self.outcome.reads = Reads()
        # Each data row's bucket (new / updated / unchanged, or matched / unmatched for a feed). The counts
        # are taken from it at the end, leaving out rows with errors, since an error can be found after the
        # row was classified (a household is checked as a whole once all its rows are read).
        self.buckets: dict[int, str] = {}

    def classify(self, number: int, bucket: str) -> None:
        self.buckets[number] = bucket

    def run(self, rows: Iterable[tuple[int, tuple]]) -> Outcome:
        try:
            iterator, index = read_header(rows, self.columns)
        except HeaderError as exc:
            self.outcome.file_error = str(exc)
            return self.outcome
        self.index = index
        self.present = set(index)
        self.parser = RowParser(self.columns, index, self.context, self.errors)
        self.outcome.preview_headers = [c.header_text for c in self.columns if c.key in index]
        chunk: list[tuple[int, dict]] = []
        self.previewed: set[int] = set()
        for number, values in iterator:
            row = self.parser.parse(number, values)
            if row is None:
                continue
            self.outcome.total_rows += 1
            if len(self.outcome.preview) < PREVIEW_ROWS:
                self._preview(number, row)
            self.check_row(number, row)
            chunk.append((number, row))
            if len(chunk) >= CHUNK:
                self._check(chunk)
                chunk = []
                if self.context.on_progress:
                    self.context.on_progress(self.outcome.total_rows)
        if chunk:
            self._check(chunk)
        self.finish()
        self._count()
        if self.outcome.total_rows == 0 and not self.outcome.file_error:
            self.outcome.file_error = _("文件中只有表头，没有数据行。")
        self.outcome.preview.sort(key=lambda r: r[0])
        self.outcome.errors.sort(key=lambda e: e[0])
        return self.outcome

    def _check(self, chunk) -> None:
        self.check_chunk(chunk)
        added = len(self.previewed) - min(len(self.previewed), PREVIEW_ROWS)
        for number, row in chunk:
            if added >= PREVIEW_ERROR_ROWS:
                break
            if number not in self.previewed and self.errors.has(number):
                self._preview(number, row)
                added += 1

    def _preview(self, number: int, row: dict) -> None:
        raw = row.get(RAW, {})
        self.previewed.add(number)
        self.outcome.preview.append([number] + [
            raw[c.key] if c.key in raw else self.label(c, row.get(c.key)) for c in self.columns if c.key in self.index])

    def _count(self) -> None:
        """Every data row in exactly one bucket: an error row counts only as an error."""
        with_errors = self.errors.rows_with_errors
        counts = {"new": 0, "updated": 0, "unchanged": 0, "matched": 0, "unmatched": 0}
        for number, bucket in self.buckets.items():
            if number not in with_errors:
                counts[bucket] += 1
        outcome = self.outcome
        outcome.error_rows = len(with_errors)
        outcome.matched, outcome.unmatched = counts["matched"], counts["unmatched"]
        outcome.new = counts["new"] + counts["matched"] + counts["unmatched"]
        outcome.updated, outcome.unchanged = counts["updated"], counts["unchanged"]

    def label(self, column: Column, value) -> str:
        if value is not None and column.kind == "village":
            return self.context.village_names().get(value, "")
        if value is not None and column.kind == "user":
            return self.context.caseworker_names().get(value, "")
        return _label(column, value)

    def check_row(self, number: int, row: dict) -> None:
        raise NotImplementedError

    def check_chunk(self, chunk: list[tuple[int, dict]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        pass

    def header(self, key: str) -> str:
        return self.parser.headers[key]


# ---------------------------------------------------------------- households with members
@dataclass
class HouseholdPlan:
    new_households: dict = field(default_factory=dict)  # head id → {field: value}
    changed_households: dict = field(default_factory=dict)  # household pk → ({field: new}, {field: old})
    new_members: list = field(default_factory=list)  # (household pk | None, head id, member id, {field: value})
    changed_members: list = field(default_factory=list)  # (member pk, household pk, {field: new}, {field: old})


class HouseholdValidator(_Validator):
    kind = ImportKind.HOUSEHOLDS
    columns = HOUSEHOLD_COLUMNS

    def __init__(self, context, keep_plan):
        super().__init__(context, keep_plan)
        self.seen_ids: dict[str, int] = {}  # member id → first row
        self.groups: dict[str, dict] = {}  # head id → {"row", "fields", "rows": {field: row}, "head_row"}
        self.existing_heads: dict[str, tuple | None] = {}  # head id → (household pk, village pk) or None
        self.plan = HouseholdPlan()
        self.household_values: dict[int, dict] = {}  # household pk → current field values
        self.unchanged_rows: dict[str, list[int]] = {}  # head id → rows whose member is unchanged

    def check_row(self, number, row):
        member_id, head_id = row.get("id_number"), row.get("head_id")
        if member_id:
            first = self.seen_ids.get(member_id)
            if first is not None:
                self.errors.add(number, self.header("id_number"),
                                _("身份证号与第 %(row)d 行重复。") % {"row": first})
            else:
                self.seen_ids[member_id] = number
            born = birth_date_of(member_id)
            if row.get("birth_date") and row["birth_date"] != born:
                self.errors.add(number, self.header("birth_date"), _("与身份证号中的出生日期 %(d)s 不一致。") % {"d": born})
            if row.get("sex") and row["sex"] != sex_of(member_id):
                self.errors.add(number, self.header("sex"), _("与身份证号显示的性别不一致。"))
        relation = row.get("relation")
        if member_id and head_id and relation:
            if member_id == head_id and relation != hh.Relation.HEAD:
                self.errors.add(number, self.header("relation"),
                                _("身份证号与户主身份证号相同，与户主关系应为“户主”。"))
            elif member_id != head_id and relation == hh.Relation.HEAD:
                self.errors.add(number, self.header("relation"),
                                _("与户主关系为“户主”，但身份证号与户主身份证号不同。"))
        if not head_id:
            return
        group = self.groups.get(head_id)
        if group is None:
            group = self.groups[head_id] = {"row": number, "fields": {}, "from": {}, "head_row": None}
        if member_id == head_id:
            group["head_row"] = number
        village = row.get("village")
        group_name = row.get("group")
        values = {}
        for key in ("village", "residence_address", "hukou_address", "hukou_type", "residence_differs",
                    "per_capita_income", "medical_expense", "education_expense", "other_expense", "housing", "phone"):
            if key in self.present and row.get(key) not in (None, ""):
                values[FIELD_OF.get(key, key)] = row[key]
        if group_name:
            village_pk = village or group["fields"].get("village_id")
            pk = self.context.groups().get((village_pk, group_name)) or self.context.groups().get(
                (village_pk, normalize_header(group_name)))
            if pk is None:
                self.errors.add(number, self.header("group"), _("“%(v)s”不是该村/社区下的村民小组。") % {"v": group_name})
            else:
                values["group_id"] = pk
        for key, value in values.items():
            known = group["fields"].get(key)
            if known is None:
                group["fields"][key] = value
                group["from"][key] = number
            elif known != value:
                header = {"village_id": self.header("village"), "group_id": self.header("group") if "group" in self.present else ""}.get(
                    key) or self.header(key)
                self.errors.add(number, header, _("同一户（户主身份证号相同）在第 %(row)d 行填写的不一致。") % {
                    "row": group["from"][key]})

    def check_chunk(self, chunk):
        ids = {row["id_number"] for _n, row in chunk if row.get("id_number")}
        heads = {row["head_id"] for _n, row in chunk if row.get("head_id")} - set(self.existing_heads)
        member_fields = tuple(sorted(set(f for f in MEMBER_FIELDS if f in self.present) | {"relation", "birth_date", "sex"}))
        existing = self.reads.fetch("members", (member_fields,), sorted(ids | heads))
        for head_id in heads:
            found = existing.get(head_id)
            self.existing_heads[head_id] = None if found is None else (
                found["household_id"], found["household__village_id"], found["relation"])
        self._load_households({v[0] for h in heads if (v := self.existing_heads.get(h))})
        for number, row in chunk:
            self._check_against_database(number, row, existing)

    def _load_households(self, pks):
        missing = pks - set(self.household_values)
        if missing:
            self.household_values.update(self.reads.fetch("households", (), sorted(missing)))

    def _check_against_database(self, number, row, existing):
        member_id, head_id = row.get("id_number"), row.get("head_id")
        if not member_id or not head_id:
            return
        head = self.existing_heads.get(head_id)
        if head is not None:
            household_pk, village_pk, head_relation = head
            if village_pk not in self.context.village_ids:
                self.errors.add(number, self.header("head_id"),
                                _("该户主已在其他辖区登记，不能在本辖区导入；如确已迁入，请联系原辖区办理迁移。"))
                return
            if head_relation != hh.Relation.HEAD:
                self.errors.add(number, self.header("head_id"), _("该身份证号在系统中不是户主，请核对户主身份证号。"))
                return
        found = existing.get(member_id)
        if found is not None and (head is None or found["household_id"] != head[0]):
            within = found["household__village_id"] in self.context.village_ids
            self.errors.add(number, self.header("id_number"),
                            _("该身份证号已登记在另一个家庭中，同一人不能登记两次。") if within else str(ID_NUMBER_TAKEN))
            return
        member = {key: row[key] for key in MEMBER_FIELDS if key in self.present and row.get(key) is not None}
        # Blank optional cells clear the field; birth date and sex always follow the ID number.
        for key, default in MEMBER_DEFAULTS.items():
            if key in self.present and key not in member:
                member[key] = default
        member["birth_date"] = birth_date_of(member_id)
        member["sex"] = sex_of(member_id)
        if found is None:
            self.classify(number, "new")
            if self.keep_plan and not self.errors.has(number):
                self.plan.new_members.append((head[0] if head else None, head_id, member_id,
                                              {**MEMBER_DEFAULTS, **member}))
            return
        changes = {k: v for k, v in member.items() if found.get(k) != v}
        if changes:
            self.classify(number, "updated")
            if self.keep_plan and not self.errors.has(number):
                self.plan.changed_members.append(
                    (found["pk"], found["household_id"], changes, {k: found.get(k) for k in changes}))
        else:
            self.classify(number, "unchanged")
            self.unchanged_rows.setdefault(head_id, []).append(number)

    def finish(self):
        for head_id, group in self.groups.items():
            head = self.existing_heads.get(head_id)
            fields = group["fields"]
            if head is None:
                if group["head_row"] is None:
                    self.errors.add(group["row"], self.header("head_id"),
                                    _("新登记的家庭须包含户主本人一行（身份证号与户主身份证号相同）。"))
                for key, column in (("village_id", "village"), ("residence_address", "residence_address")):
                    if not fields.get(key):
                        self.errors.add(group["row"], self.header(column), _("新登记的家庭必须填写此项。"))
                if self.keep_plan:
                    self.plan.new_households[head_id] = {**HOUSEHOLD_DEFAULTS, **fields}
                continue
            household_pk, village_pk, _relation = head
            if village_pk not in self.context.village_ids:
                continue
            current = self.household_values.get(household_pk, {})
            changes = {k: v for k, v in fields.items() if current.get(k) != v}
            if changes:
                # A row whose member is unchanged still changes its household: it counts as updated.
                for number in self.unchanged_rows.get(head_id, ()):
                    self.classify(number, "updated")
                if self.keep_plan:
                    self.plan.changed_households[household_pk] = (changes, {k: current.get(k) for k in changes})
        if self.keep_plan:
            self.outcome.plan = self.plan


# ---------------------------------------------------------------- key-person roster
@dataclass
class RosterPlan:
    new_entries: list = field(default_factory=list)  # (household pk, {field: value}, reasons)
    changed_entries: list = field(default_factory=list)  # (entry pk, household pk, {field: new}, {field: old}, reasons|None)


class RosterValidator(_Validator):
    kind = ImportKind.ROSTER
    columns = ROSTER_COLUMNS

    def __init__(self, context, keep_plan):
        super().__init__(context, keep_plan)
        self.seen: dict[str, int] = {}
        self.plan = RosterPlan()

    def check_row(self, number, row):
        head_id = row.get("head_id")
        if head_id:
            if head_id in self.seen:
                self.errors.add(number, self.header("head_id"), _("同一家庭在第 %(row)d 行已出现。") % {"row": self.seen[head_id]})
            else:
                self.seen[head_id] = number
        if row.get("entered_on") and row["entered_on"] > self.context.today:
            self.errors.add(number, self.header("entered_on"), _("纳入日期不能晚于今天。"))

    def check_chunk(self, chunk):
        heads = {row["head_id"] for _n, row in chunk if row.get("head_id")}
        households = self.reads.fetch("roster_heads", (), sorted(heads))
        open_entries = self.reads.fetch("open_entries", (), sorted({v[0] for v in households.values()}))
        for number, row in chunk:
            head_id = row.get("head_id")
            if not head_id:
                continue
            found = households.get(head_id)
            if found is None or found[1] not in self.context.village_ids:
                self.errors.add(number, self.header("head_id"), _("辖区内没有以此身份证号为户主的家庭，请先导入或登记该家庭。"))
                continue
            if self.errors.has(number):
                continue
            values = {"target_kind": row.get("target_kind"), "cadence": row.get("cadence"),
                      "caseworker_id": row.get("caseworker"), "note": row.get("note")}
            values = {k: v for k, v in values.items() if {"caseworker_id": "caseworker"}.get(k, k) in self.present
                      and v is not None}
            reasons = row.get("reasons") or []
            entry = open_entries.get(found[0])
            cadence = values.get("cadence") or (entry or {}).get("cadence") or hh.Cadence.MONTHLY
            cadence_error = hh.roster_cadence_error(cadence, reasons if reasons or entry is None else entry["reasons"])
            if cadence_error:
                self.errors.add(number, self.parser.headers.get("cadence", _("走访频次")), cadence_error)
                continue
            if entry is None:
                self.classify(number, "new")
                if self.keep_plan:
                    values.setdefault("cadence", hh.Cadence.MONTHLY)
                    values["entered_on"] = row.get("entered_on") or self.context.today
                    self.plan.new_entries.append((found[0], values, reasons))
            else:
                changes = {k: v for k, v in values.items() if entry.get(k) != v}
                reasons_changed = sorted(reasons) != sorted(entry["reasons"])
                if changes or reasons_changed:
                    self.classify(number, "updated")
                    if self.keep_plan:
                        old = {k: entry.get(k) for k in changes}
                        if reasons_changed:
                            old["reasons"] = entry["reasons"]
                        self.plan.changed_entries.append(
                            (entry["pk"], found[0], changes, old, reasons if reasons_changed else None))
                else:
                    self.classify(number, "unchanged")

    def finish(self):
        if self.keep_plan:
            self.outcome.plan = self.plan


# ---------------------------------------------------------------- department data comparison
@dataclass
class FeedPlan:
    records: list = field(default_factory=list)  # ({field: value}, member pk | None, household pk | None)


class FeedValidator(_Validator):
    kind = ImportKind.FEED
    columns = FEED_COLUMNS

    def __init__(self, context, keep_plan):
        super().__init__(context, keep_plan)
        self.seen: dict[str, int] = {}
        self.plan = FeedPlan()

    def check_row(self, number, row):
        id_number = row.get("id_number")
        if id_number:
            if id_number in self.seen:
                self.errors.add(number, self.header("id_number"), _("身份证号与第 %(row)d 行重复。") % {"row": self.seen[id_number]})
            else:
                self.seen[id_number] = number
        if row.get("occurred_on") and row["occurred_on"] > self.context.today:
            self.errors.add(number, self.header("occurred_on"), _("登记日期不能晚于今天。"))

    def check_chunk(self, chunk):
        ids = {row["id_number"] for _n, row in chunk if row.get("id_number")}
        members = self.reads.fetch("feed_members", (frozenset(self.context.village_ids),), sorted(ids))
        for number, row in chunk:
            if self.errors.has(number) or not row.get("id_number"):
                continue
            found = members.get(row["id_number"])
            self.classify(number, "matched" if found else "unmatched")
            if self.keep_plan:
                record = {"row_number": number, "name": row["name"], "id_number": row["id_number"],
                          "village_id": found[2] if found else row.get("village"), "phone": row.get("phone") or "",
                          "detail": row.get("detail") or "", "occurred_on": row.get("occurred_on")}
                self.plan.records.append((record, found[0] if found else None, found[1] if found else None))

    def finish(self):
        if self.keep_plan:
            self.outcome.plan = self.plan


VALIDATORS = {ImportKind.HOUSEHOLDS: HouseholdValidator, ImportKind.ROSTER: RosterValidator,
              ImportKind.FEED: FeedValidator}


def validate(kind: str, rows: Iterable[tuple[int, tuple]], context: Context, keep_plan: bool = False) -> Outcome:
    return VALIDATORS[kind](context, keep_plan).run(rows)
