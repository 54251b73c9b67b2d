"""村级社会救助协理员花名册: the assistants of each village."""
from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import LedgerKind
from relief.xlsx import Column, Sheet
from .base import Ledger, _villages_in_order


class AssistantRoster(Ledger):
    """村级社会救助协理员花名册 (seed 002 attachment 3), with the check that every village has one."""

    kind = LedgerKind.ASSISTANTS
    title = str(LedgerKind.ASSISTANTS.label)
    sources = ("plans.TeamMember",)
    columns = [Column("序号", 6, "int"), Column("乡镇（街道）", 14), Column("村（社区）", 16), Column("姓名", 10),
               Column("性别", 5), Column("现任职务", 18), Column("联系电话", 14), Column("系统账号", 12),
               Column("备注", 24)]

    def count(self) -> int:
        return len(self.request.village_ids)

    def sheets(self):
        from plans.selectors import village_assistants

        villages = _villages_in_order(self.request)
        assistants = village_assistants(villages)
        missing = [v for v in villages if not assistants[v.pk]]

        def rows():
            number = 0
            for village in villages:
                people = assistants[village.pk]
                if not people:
                    number += 1
                    yield [number, village.parent.name if village.parent else "", village.name, "", "", "", "", "",
                           "未配备社会救助协理员"]
                for person in people:
                    number += 1
                    yield [number, village.parent.name if village.parent else "", village.name, person.name,
                           {"M": "男", "F": "女"}.get(person.sex, ""), person.position, person.phone,
                           person.user.username if person.user else "", ""]

        notes = [_("共 %(n)s 个村/社区，其中 %(m)s 个尚未配备社会救助协理员：%(names)s") % {
            "n": len(villages), "m": len(missing), "names": "、".join(v.name for v in missing)}] if missing else [
            _("共 %(n)s 个村/社区，每个村/社区均已配备社会救助协理员。") % {"n": len(villages)}]
        yield Sheet(title=self.title, columns=self.columns, rows=rows(), notes=notes)
