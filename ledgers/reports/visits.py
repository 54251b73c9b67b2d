"""巡查记录台账: one row per visit in the period."""
from __future__ import annotations

from typing import Iterator

from django.db.models import Exists, OuterRef

from households.models import AssistanceRecord, RosterEntry

from ..models import LedgerKind
from relief.xlsx import Column, Sheet
from .base import CHUNK, Ledger, _chunked, _head_values, _villages_in_order, labels


class VisitLedger(Ledger):
    """巡查记录台账 (seed 002 attachment 2): one row per visit in the period.

    Rows are plain tuples from values_list().iterator(), with heads of household and visitors fetched
    per chunk: 360,000 visits cost three queries per chunk and no model instances."""

    kind = LedgerKind.VISITS
    title = str(LedgerKind.VISITS.label)
    sources = ("visits.Visit",)
    chunk_size = CHUNK
    CHECKS = ("food", "housing_safety", "heating_cooling", "medical", "income_change", "care", "schooling")
    FIELDS = ("pk", "household_id", "household__village_id", "household__residence_address", "visited_on", "method",
              "volunteers", "person_seen", "not_seen_reason", *CHECKS, "situation", "needs", "needs_text",
              "willingness", "ability", "help_offered", "actions_taken", "measures", "situation_clear",
              "next_follow_up_on", "case_open")
    lead_columns = [Column("序号", 6, "int"), Column("乡镇（街道）", 14), Column("村（社区）", 16),
                    Column("户主姓名", 10), Column("身份证号", 21), Column("居住地址", 26)]
    visit_columns = [
        Column("走访日期", 11, "date"), Column("走访方式", 9), Column("走访人员", 14), Column("见到本人", 8),
        Column("未见到本人原因", 16), Column("饮食", 7), Column("住房安全", 7), Column("取暖/防暑", 7),
        Column("就医及用药", 7), Column("收入变化", 7), Column("照料护理", 7), Column("子女就学", 7),
        Column("现实生活状况", 30), Column("发现的需求", 16), Column("需求说明", 24), Column("救助意愿", 10),
        Column("申请能力", 10), Column("协助申请情况", 20), Column("已做工作", 24), Column("对策建议", 24),
        Column("情况已调查清楚", 8), Column("下次跟进日期", 11, "date"), Column("仍需跟进", 8),
    ]

    @property
    def columns(self):
        return self.lead_columns + self.visit_columns

    def queryset(self):
        from visits.models import Visit

        r = self.request
        qs = Visit.objects.filter(household__village_id__in=r.village_ids, visited_on__range=(r.start, r.end))
        if r.category:
            qs = qs.filter(Exists(AssistanceRecord.objects.running_during(r.start, r.end).filter(
                household=OuterRef("household"), type=r.category)))
        if r.target_kind:
            qs = qs.filter(Exists(RosterEntry.objects.filter(household=OuterRef("household"),
                                                             exited_on__isnull=True, target_kind=r.target_kind)))
        return qs

    def count(self) -> int:
        return self.queryset().count()

    def records(self) -> Iterator[tuple[tuple, tuple[str, str] | None, list[str]]]:
        """(visit values in FIELDS order, (head name, head ID number) or None, visitor names) per visit, in
        ledger order: village code, household, date."""
        from visits.models import Visit

        rows = (self.queryset().order_by("household__village__code", "household_id", "visited_on", "pk")
                .values_list(*self.FIELDS))
        users = Visit.visitors.through.objects
        for chunk in _chunked(rows.iterator(chunk_size=self.chunk_size), self.chunk_size):
            heads = _head_values({row[1] for row in chunk})
            visitors: dict[int, list[str]] = {}
            for visit_id, full_name, username in (users.filter(visit_id__in=[row[0] for row in chunk])
                                                  .order_by("pk").values_list("visit_id", "user__full_name",
                                                                              "user__username")):
                visitors.setdefault(visit_id, []).append(full_name or username)
            for row in chunk:
                yield row, heads.get(row[1]), visitors.get(row[0], [])

    def cell_maker(self):
        """A function turning one record into the visit columns, with every choice label resolved once."""
        from visits.models import Ability, CheckResult, NeedKind, VisitMethod, Willingness

        methods, checks, needs = labels(VisitMethod.choices), labels(CheckResult.choices), labels(NeedKind.choices)
        checks[""] = ""  # an unanswered check is a blank cell, not "未了解"
        wills, abilities = labels(Willingness.choices), labels(Ability.choices)
        n_checks = len(self.CHECKS)

        def cells(row, people: list[str]) -> list:
            (_pk, _household, _village, _address, visited_on, method, volunteers, seen, not_seen_reason,
             *rest) = row
            results, rest = rest[:n_checks], rest[n_checks:]
            (situation, need_codes, needs_text, willingness, ability, help_offered, actions_taken, measures,
             clear, follow_up, case_open) = rest
            if volunteers:
                people = [*people, volunteers]
            return [
                visited_on, methods.get(method, ""), "、".join(people), seen, not_seen_reason,
                *[checks.get(result, result) for result in results],
                situation, "、".join(needs.get(code, code) for code in (need_codes or [])), needs_text,
                wills.get(willingness, ""), abilities.get(ability, ""), help_offered, actions_taken, measures,
                clear, follow_up, case_open,
            ]

        return cells

    def village_names(self) -> dict[int, tuple[str, str]]:
        """(township name, village name) per village of the request: one query instead of a join per row."""
        return {v.pk: (v.parent.name if v.parent else "", v.name) for v in _villages_in_order(self.request)}

    def rows(self) -> Iterator[list]:
        r = self.request
        cells = self.cell_maker()
        names = self.village_names()
        number = 0
        for row, head, people in self.records():
            number += 1
            village_id = row[2]
            township, village = names.get(village_id, ("", ""))
            yield [number, township, village, head[0] if head else "",
                   r.id_number(village_id, head[1]) if head else "", row[3], *cells(row, people)]

    def sheets(self):
        yield Sheet(title=self.title, columns=self.columns, rows=self.rows())
