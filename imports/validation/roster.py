"""The rules of a key-person roster file (重点人群花名册): one row per household already registered."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from households import models as hh

from ..columns import ROSTER_COLUMNS
from ..models import ImportKind
from .validator import _Validator


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
