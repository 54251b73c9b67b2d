"""巡查记录台账，一户一页: a village's visits, one sheet per household."""
from __future__ import annotations

from django.utils.translation import gettext as _

from relief.models import JurisdictionLevel

from ..models import LedgerKind
from relief.xlsx import Column, Sheet
from .visits import VisitLedger


class VisitByHouseholdLedger(VisitLedger):
    """巡查记录台账，一户一页 (seed 002 §三(一)): a village's visits, one sheet per household."""

    kind = LedgerKind.VISITS_BY_HOUSEHOLD
    title = str(LedgerKind.VISITS.label)
    MAX_HOUSEHOLDS = 1000

    def problems(self):
        r = self.request
        if r.jurisdiction.level != JurisdictionLevel.VILLAGE:
            return [_("“一户一页”台账按村/社区导出，请在“辖区”中选择一个村/社区。")]
        households = self.queryset().values("household").distinct().count()
        if households > self.MAX_HOUSEHOLDS:
            return [_("该村本期有 %(n)s 户走访记录，超过一户一页台账的上限 %(m)s 户，请缩短期间。") % {
                "n": households, "m": self.MAX_HOUSEHOLDS}]
        return []

    def sheets(self):
        r = self.request
        cells = self.cell_maker()
        by_household: dict[int, list] = {}
        for record in self.records():  # at most MAX_HOUSEHOLDS households of one village
            by_household.setdefault(record[0][1], []).append(record)
        columns = [Column("序号", 6, "int")] + self.visit_columns
        for household_id, records in by_household.items():
            first, head, _people = records[0]
            name = head[0] if head else str(household_id)
            number = r.id_number(first[2], head[1]) if head else ""
            yield Sheet(
                title=f"{name}-{household_id}", columns=columns,
                heading=_("巡查记录台账（一户一页）：%(n)s　%(id)s　%(a)s") % {"n": name, "id": number, "a": first[3]},
                rows=([i, *cells(row, people)] for i, (row, _head, people) in enumerate(records, start=1)))

    def filename(self):
        return super().filename().replace(self.title, self.title + "_一户一页")
