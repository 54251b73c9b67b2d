"""归类汇总表: the month's figures per township (per village within a township)."""
from __future__ import annotations

from django.db.models import Count

from plans.service_models import ServiceType
from plans.service_selectors import kind_counts_on
from relief.models import JurisdictionLevel

from ..models import LedgerKind
from relief.xlsx import Column, Sheet
from .base import _villages_in_order
from .monthly import OUTCOME_COLUMNS, MonthlyLedger, outcome_column


class SummaryLedger(MonthlyLedger):
    """归类汇总表 (seed 004: by the 5th of the next month): the month's figures per township (per village
    when the jurisdiction is a township)."""

    kind = LedgerKind.SUMMARY
    title = str(LedgerKind.SUMMARY.label)

    def groups(self):
        r = self.request
        villages = _villages_in_order(r)
        if r.jurisdiction.level == JurisdictionLevel.DISTRICT:
            groups: dict[int, tuple[str, set]] = {}
            for v in villages:
                groups.setdefault(v.parent_id, (v.parent.name, set()))[1].add(v.pk)
            return list(groups.values())
        return [(v.name, {v.pk}) for v in villages]

    def count(self) -> int:
        return len(self.groups())

    def sheets(self):
        level = "乡镇（街道）" if self.request.jurisdiction.level == JurisdictionLevel.DISTRICT else "村（社区）"
        headers = [level, "受理线索", "转办决定", *[label for _, label in OUTCOME_COLUMNS], "不符合条件",
                   "列入观察名单", "已办结", "未办结", "其中超期",
                   *[f"期末{label}（户）" for _, label in ServiceType.choices]]
        leads = dict(self._leads().values("village").annotate(n=Count("pk")).values_list("village", "n"))
        observed = dict(self._observed().values("household__village").annotate(n=Count("pk"))
                        .values_list("household__village", "n"))
        decided = list(self._decided().values("village", "department", "assistance_type", "status"))
        closed = dict(self._closed().values("village").order_by("village").annotate(n=Count("pk"))
                      .values_list("village", "n"))
        unfinished = list(self._unfinished().values("village", "late"))
        served = kind_counts_on(self.request.village_ids, self.request.end)

        class Row:
            def __init__(self, d):
                self.department, self.assistance_type = d["department"], d["assistance_type"]

        rows, totals = [], None
        for name, ids in self.groups():
            mine = [d for d in decided if d["village"] in ids]
            open_items = [u for u in unfinished if u["village"] in ids]
            row = [name, sum(leads.get(i, 0) for i in ids), len(mine),
                   *[sum(1 for d in mine if d["status"] == "eligible" and outcome_column(Row(d)) == key)
                     for key, _ in OUTCOME_COLUMNS],
                   sum(1 for d in mine if d["status"] == "ineligible"), sum(observed.get(i, 0) for i in ids),
                   sum(closed.get(i, 0) for i in ids), len(open_items), sum(1 for u in open_items if u["late"]),
                   *[sum(served.get((i, kind), 0) for i in ids) for kind in ServiceType.values]]
            rows.append(row)
            totals = row[1:] if totals is None else [a + b for a, b in zip(totals, row[1:])]
        if totals is not None:
            rows.append(["合计", *totals])
        yield Sheet(title=self.title, columns=[Column(h, 16 if i == 0 else 10, "text" if i == 0 else "int")
                                               for i, h in enumerate(headers)], rows=iter(rows))
