"""The rules of a department data file (部门数据比对): one row per person, matched within the importer's villages."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..columns import FEED_COLUMNS
from ..models import ImportKind
from .validator import _Validator


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
