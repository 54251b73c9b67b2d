"""重点人群花名册: the households on the roster during the period."""
from __future__ import annotations

from typing import Iterator

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from households.models import (
    AssistanceRecord, AssistanceType, Cadence, FocusReason, HukouType, Member, MemberStatus, Relation, RosterEntry,
    Sex, TargetKind,
)

from plans.service_models import ServiceType
from plans.service_selectors import kinds_on

from ..models import LedgerKind
from relief.xlsx import Column, Sheet
from .base import CHUNK, Ledger, _chunked, age_on, labels


class RosterLedger(Ledger):
    """重点人群花名册 (seed 002 attachment 1): every household on the roster at some time in the period, in two
    sheets: those still on it at the period's end (在册: the dashboard's roster figure for the current month)
    and those who left it during the period (本期退出), so each sheet's rows match a figure."""

    kind = LedgerKind.ROSTER
    title = str(LedgerKind.ROSTER.label)
    columns = [
        Column("序号", 6, "int"), Column("乡镇（街道）", 14), Column("村（社区）", 16), Column("户主姓名", 10),
        Column("身份证号", 21), Column("性别", 5), Column("年龄", 5, "int"), Column("家庭人口", 6, "int"),
        Column("居住地址", 28), Column("联系电话", 14), Column("户籍性质", 8), Column("人户分离", 8),
        Column("家庭月人均收入（元）", 12, "money"), Column("现享受救助", 22), Column("对象类型", 10),
        Column("关注原因", 24), Column("走访频次", 8), Column("责任协理员", 10), Column("纳入日期", 11, "date"),
        Column("退出日期", 11, "date"), Column("退出原因", 16), Column("备注", 24),
        Column("服务类型", 12),
    ]

    def queryset(self):
        r = self.request
        qs = RosterEntry.objects.filter(
            household__village_id__in=r.village_ids, entered_on__lte=r.end,
        ).filter(Q(exited_on__isnull=True) | Q(exited_on__gte=r.start))
        if r.target_kind:
            qs = qs.filter(target_kind=r.target_kind)
        if r.category:
            qs = qs.filter(Exists(AssistanceRecord.objects.running_during(r.start, r.end).filter(
                household=OuterRef("household"), type=r.category)))
        return qs

    def current(self):
        """Entries still open at the end of the period (an exit after it is a later event)."""
        return self.queryset().filter(Q(exited_on__isnull=True) | Q(exited_on__gt=self.request.end))

    def exited(self):
        return self.queryset().filter(exited_on__range=(self.request.start, self.request.end))

    def count(self) -> int:
        return self.queryset().count()

    FIELDS = ("pk", "household_id", "household__village_id", "household__village__name",
              "household__village__parent__name", "household__residence_address", "household__phone",
              "household__hukou_type", "household__residence_differs", "household__per_capita_income",
              "target_kind", "cadence", "caseworker__full_name", "caseworker__username",
              "household__caseworker__full_name", "household__caseworker__username", "entered_on", "exited_on",
              "exit_reason", "note")

    def rows(self, queryset) -> Iterator[list]:
        """Plain tuples, with members, assistance and reasons fetched per chunk: at 100,000 rows building
        model instances dominated the time."""
        r = self.request
        types, sexes, hukou = labels(AssistanceType.choices), labels(Sex.choices), labels(HukouType.choices)
        kinds, cadences, reasons = labels(TargetKind.choices), labels(Cadence.choices), labels(FocusReason.choices)
        service_types = labels(ServiceType.choices)
        none = _("无")
        rows = queryset.order_by("household__village__code", "household_id", "pk").values_list(*self.FIELDS)
        number = 0
        for chunk in _chunked(rows.iterator(chunk_size=CHUNK)):
            household_ids = [row[1] for row in chunk]
            members: dict[int, list] = {}
            for m in (Member.objects.filter(household_id__in=household_ids).order_by("household_id", "pk")
                      .values_list("household_id", "name", "relation", "id_number", "birth_date", "sex", "status")):
                members.setdefault(m[0], []).append(m)
            assistance: dict[int, list] = {}
            for household_id, kind in (AssistanceRecord.objects.running_during(r.start, r.end)
                                       .filter(household_id__in=household_ids)
                                       .order_by("type", "pk").values_list("household_id", "type")):
                assistance.setdefault(household_id, []).append(types.get(kind, kind))
            entry_reasons: dict[int, list] = {}
            for entry_id, code in (RosterEntry.reasons.through.objects.filter(rosterentry_id__in=[row[0] for row in chunk])
                                   .order_by("focusreasontag_id").values_list("rosterentry_id", "focusreasontag__code")):
                entry_reasons.setdefault(entry_id, []).append(reasons.get(code, code))
            # The service kind running at the period's end (seed 003 §二(三)2), one query per chunk.
            services = kinds_on(household_ids, r.end)
            for (pk, household_id, village_id, village, township, address, phone, hukou_type, differs, income,
                 target_kind, cadence, cw_name, cw_user, hcw_name, hcw_user, entered, exited, exit_reason,
                 note) in chunk:
                number += 1
                people = members.get(household_id, [])
                present = [m for m in people if m[6] == MemberStatus.PRESENT] or people
                head = next((m for m in present if m[2] == Relation.HEAD), present[0] if present else None)
                caseworker = (cw_name or cw_user) if cw_user else (hcw_name or hcw_user or "")
                yield [
                    number, township or "", village, head[1] if head else "",
                    r.id_number(village_id, head[3]) if head else "", sexes.get(head[5], "") if head else "",
                    age_on(head[4], r.end) if head else None,
                    sum(1 for m in people if m[6] == MemberStatus.PRESENT), address, r.phone(village_id, phone),
                    hukou.get(hukou_type, ""), differs, income,
                    "、".join(dict.fromkeys(assistance.get(household_id, []))) or none,
                    kinds.get(target_kind, ""), "、".join(entry_reasons.get(pk, [])), cadences.get(cadence, ""),
                    caseworker, entered, exited, exit_reason, note,
                    service_types.get(services.get(household_id, ""), ""),
                ]

    def sheets(self):
        current, exited = self.current().count(), self.exited().count()
        yield Sheet(title=self.title, columns=self.columns, rows=self.rows(self.current()),
                    heading=_("%(t)s（期末在册）") % {"t": self.title},
                    notes=[_("期末在册 %(n)s 户；本期退出花名册 %(m)s 户，见“本期退出”工作表。") % {
                        "n": current, "m": exited}])
        yield Sheet(title=_("本期退出"), columns=self.columns, rows=self.rows(self.exited()),
                    heading=_("%(t)s（本期退出）") % {"t": self.title},
                    notes=[_("本期退出花名册 %(m)s 户。") % {"m": exited}])
