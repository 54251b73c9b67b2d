"""困难救助信息采集组成员花名册: each township's collection group."""
from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import LedgerKind
from relief.xlsx import Column, Sheet
from .base import Ledger, _villages_in_order


class CollectorRoster(Ledger):
    """困难救助信息采集组成员花名册 (seed 002 attachment 4): per township, leader first."""

    kind = LedgerKind.COLLECTORS
    title = str(LedgerKind.COLLECTORS.label)
    sources = ("plans.TeamMember",)
    columns = [Column("序号", 6, "int"), Column("乡镇（街道）", 14), Column("姓名", 10), Column("性别", 5),
               Column("组内职务", 10), Column("现任职务", 18), Column("联系电话", 14), Column("负责村/社区", 30)]

    def townships(self):
        villages = _villages_in_order(self.request)
        seen, result = set(), []
        for v in villages:
            if v.parent_id not in seen:
                seen.add(v.parent_id)
                result.append(v.parent)
        return result

    def count(self) -> int:
        return len(self.townships())

    def sheets(self):
        from plans.selectors import collection_group_members

        townships = self.townships()
        groups = collection_group_members(townships)
        allowed = self.request.village_ids

        def rows():
            number = 0
            for township in townships:
                for m in groups[township.pk]:
                    number += 1
                    yield [number, township.name, m.name, m.get_sex_display(), "组长" if m.is_leader else "成员",
                           m.position, m.phone, "、".join(v.name for v in m.villages.all() if v.pk in allowed)]

        without = [t.name for t in townships if not any(m.is_leader for m in groups[t.pk])]
        notes = [_("尚未指定信息采集组组长的乡镇（街道）：%(t)s") % {"t": "、".join(without)}] if without else []
        yield Sheet(title=self.title, columns=self.columns, rows=rows(), notes=notes)
