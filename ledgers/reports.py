"""The ledgers themselves: what rows each holds, read straight from the database within the user's jurisdiction.

A ledger is built from a `LedgerRequest` (who asks, for which jurisdiction, period and category) and
yields `Sheet`s whose rows come from `queryset.iterator()` with per-chunk prefetching, so a ledger of
100,000 rows costs a fixed number of queries per 2,000 rows and constant memory.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

from django.apps import apps
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from households.idcard import mask_id_number
from households.models import (
    AssistanceRecord, AssistanceType, Cadence, FocusReason, HukouType, Member, MemberStatus, ObservationEntry, Relation,
    RosterEntry, Sex, TargetKind,
)
from relief import access
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel

from .models import LedgerKind
from .xlsx import Column, Sheet

CHUNK = 2000


# ---------------------------------------------------------------- periods and jurisdictions
def period_label(start: dt.date, end: dt.date) -> str:
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    return f"{start.year}年{start.month}月至{end.year}年{end.month}月"


@dataclass
class LedgerRequest:
    """Who asks for which ledger: everything a ledger needs to decide its rows and its masking."""

    user: object
    kind: str
    jurisdiction: Jurisdiction
    start: dt.date
    end: dt.date
    category: str = ""
    target_kind: str = ""

    def __post_init__(self):
        under = frozenset(Jurisdiction.objects.villages().under(self.jurisdiction).values_list("pk", flat=True))
        self.author = self.user
        self.generated_at = timezone.localtime()
        if self.user is None:
            # The system (the month-end job): every village of the jurisdiction, ID numbers masked.
            self.village_ids, self.personal_ids, self.full_access = under, frozenset(), False
            return
        access.check(self.user, Action.EXPORT_LEDGERS, self.jurisdiction)
        self.full_access = bool(self.user.is_superuser)
        allowed = under if self.full_access else access.village_ids_for(self.user, Action.EXPORT_LEDGERS)
        self.village_ids = frozenset(pk for pk in under if pk in allowed)
        self.personal_ids = frozenset(access.village_ids_for(self.user, Action.VIEW_PERSONAL_DATA))

    def params(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "category": self.category,
                "target_kind": self.target_kind}

    @classmethod
    def from_params(cls, *, user, kind, jurisdiction, params: dict) -> "LedgerRequest":
        return cls(user=user, kind=kind, jurisdiction=jurisdiction,
                   start=dt.date.fromisoformat(params["start"]), end=dt.date.fromisoformat(params["end"]),
                   category=params.get("category", ""), target_kind=params.get("target_kind", ""))

    def id_number(self, village_id: int, number: str) -> str:
        """Full ID numbers only where the user may see personal data; masked everywhere else."""
        if self.full_access or village_id in self.personal_ids:
            return number
        return mask_id_number(number)

    @property
    def shows_personal_data(self) -> bool:
        return self.full_access or self.village_ids <= self.personal_ids

    def subtitle(self) -> str:
        author = self.author.display_name if self.author is not None else _("系统（月末自动月结）")
        return _("辖区：%(j)s　期间：%(p)s　生成时间：%(t)s　生成人：%(u)s") % {
            "j": self.jurisdiction.full_name, "p": period_label(self.start, self.end),
            "t": self.generated_at.strftime("%Y-%m-%d %H:%M"), "u": author}


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def head_of(members: list[Member]) -> Member | None:
    present = [m for m in members if m.status == MemberStatus.PRESENT] or members
    for member in present:
        if member.relation == Relation.HEAD:
            return member
    return present[0] if present else None


def labels(choices) -> dict[str, str]:
    """Choice labels resolved once per ledger: get_FOO_display() costs a translation lookup per cell."""
    return {key: str(label) for key, label in choices}




# ---------------------------------------------------------------- ledgers
def _chunked(iterable, size=CHUNK):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Ledger:
    kind: str
    title: str
    sources: tuple[str, ...] = ()  # models (app_label.Model) this ledger reads besides households

    def __init__(self, request: LedgerRequest):
        self.request = request

    @classmethod
    def available(cls) -> bool:
        for label in cls.sources:
            try:
                apps.get_model(label)
            except LookupError:
                return False
        return True

    def problems(self) -> list[str]:
        """Reasons this request cannot be served (shown to the user beside the form)."""
        return []

    def count(self) -> int:
        raise NotImplementedError

    def sheets(self) -> Iterator[Sheet]:
        raise NotImplementedError

    def filename(self) -> str:
        r = self.request
        period = f"{r.start:%Y%m}" if (r.start.year, r.start.month) == (r.end.year, r.end.month) \
            else f"{r.start:%Y%m}-{r.end:%Y%m}"
        return f"{self.title}_{r.jurisdiction.name}_{period}.xlsx"


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
                    sum(1 for m in people if m[6] == MemberStatus.PRESENT), address, phone,
                    hukou.get(hukou_type, ""), differs, income,
                    "、".join(dict.fromkeys(assistance.get(household_id, []))) or none,
                    kinds.get(target_kind, ""), "、".join(entry_reasons.get(pk, [])), cadences.get(cadence, ""),
                    caseworker, entered, exited, exit_reason, note,
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


def _villages_in_order(request: LedgerRequest):
    return list(Jurisdiction.objects.filter(pk__in=request.village_ids).select_related("parent").order_by("code"))


def _heads(household_ids) -> dict[int, Member]:
    """The head of each household (one query for a chunk)."""
    by_household: dict[int, list[Member]] = {}
    for member in Member.objects.filter(household_id__in=household_ids).order_by("household_id", "pk"):
        by_household.setdefault(member.household_id, []).append(member)
    return {pk: head_of(members) for pk, members in by_household.items()}


def _head_values(household_ids) -> dict[int, tuple[str, str]]:
    """(name, ID number) of the head of each household, as plain values (one query for a chunk): the head
    among present members, else the first present member, else the first member."""
    by_household: dict[int, list[tuple]] = {}
    for row in (Member.objects.filter(household_id__in=household_ids).order_by("household_id", "pk")
                .values_list("household_id", "name", "relation", "id_number", "status")):
        by_household.setdefault(row[0], []).append(row)
    heads = {}
    for household_id, people in by_household.items():
        present = [m for m in people if m[4] == MemberStatus.PRESENT] or people
        head = next((m for m in present if m[2] == Relation.HEAD), present[0])
        heads[household_id] = (head[1], head[3])
    return heads


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


# What an eligible referral's assistance counts as in the monthly ledger (seed 002 §二(四)).
OUTCOME_COLUMNS = [("tekun", "新增特困"), ("dibao", "新增低保"), ("low_income", "新增低收入"),
                   ("temporary", "临时救助"), ("special", "其他专项救助"), ("referral_org", "转介")]
SPECIAL = {"medical", "education", "housing", "employment", "disaster"}


def outcome_column(referral) -> str:
    if referral.assistance_type in SPECIAL:
        return "special"
    if referral.department == "charity" and not referral.assistance_type:
        return "referral_org"
    return referral.assistance_type or "special"


class MonthlyLedger(Ledger):
    """救助台账 (seed 004 §二(四)): per month and department, leads, decisions, observation list, unfinished."""

    kind = LedgerKind.MONTHLY
    title = str(LedgerKind.MONTHLY.label)
    sources = ("referrals.Lead", "referrals.Referral")

    def _leads(self):
        from referrals.models import Lead

        r = self.request
        return Lead.objects.filter(village_id__in=r.village_ids, received_at__date__range=(r.start, r.end))

    def _decided(self):
        from referrals.models import DECIDED_STATUSES, Referral

        r = self.request
        return Referral.objects.filter(village_id__in=r.village_ids, status__in=DECIDED_STATUSES,
                                       decided_at__date__range=(r.start, r.end))

    def _observed(self):
        r = self.request
        return ObservationEntry.objects.filter(household__village_id__in=r.village_ids,
                                               decided_on__range=(r.start, r.end))

    def _unfinished(self):
        """Referrals open at the end of the period (made by then, not decided by then), each with `late`:
        overdue by the period's end, or by today while the period runs (the rule of referrals.models)."""
        from referrals.models import Referral, referral_overdue_q

        r = self.request
        return Referral.objects.filter(village_id__in=r.village_ids).open_on(r.end).annotate(
            late=ExpressionWrapper(referral_overdue_q(r.end), output_field=BooleanField()))

    def _closed(self):
        """Referrals closed in the period (已办结): decided, and the family told — an eligible decision grants
        the assistance; an ineligible one is closed once the family is informed (at the decision or by the
        later 告知家庭 step)."""
        from referrals.models import DECIDED_STATUSES, Referral, ReferralStatus, ReferralStep, StepAction

        r = self.request
        informed = ReferralStep.objects.filter(referral=OuterRef("pk"), action=StepAction.INFORM).order_by("at")
        return (Referral.objects.filter(village_id__in=r.village_ids, status__in=DECIDED_STATUSES)
                .filter(Q(status=ReferralStatus.ELIGIBLE) | Q(family_informed=True))
                .annotate(closed_at=Coalesce(Subquery(informed.values("at")[:1]), "decided_at"))
                .filter(closed_at__date__range=(r.start, r.end)))

    def count(self) -> int:
        return (self._leads().count() + self._decided().count() + self._observed().count()
                + self._unfinished().count())

    def summary_rows(self):
        from referrals.models import Department

        decided = list(self._decided().values("department", "assistance_type", "status"))
        unfinished = list(self._unfinished().values_list("department", flat=True))
        departments = [d for d in Department.values if any(x["department"] == d for x in decided) or d in unfinished]
        if any(not x["department"] for x in decided) or "" in unfinished:
            departments.append("")
        labels = dict(Department.choices)
        headers = ["项目", *[str(labels.get(d, "未交办")) for d in departments], "合计"]

        class Row:  # a referral-like view of a values() dict for outcome_column
            def __init__(self, d):
                self.department, self.assistance_type = d["department"], d["assistance_type"]

        lines = [["受理线索", *[None] * len(departments), self._leads().count()]]
        per = lambda pred: [sum(1 for x in decided if x["department"] == d and pred(x)) for d in departments]
        eligible = lambda x: x["status"] == "eligible"
        lines.append(["转办决定", *per(lambda x: True), len(decided)])
        for key, label in OUTCOME_COLUMNS:
            counts = per(lambda x, key=key: eligible(x) and outcome_column(Row(x)) == key)
            lines.append([label, *counts, sum(counts)])
        counts = per(lambda x: x["status"] == "ineligible")
        lines.append(["不符合条件", *counts, sum(counts)])
        lines.append(["列入观察名单", *[None] * len(departments), self._observed().count()])
        counts = [sum(1 for u in unfinished if u == d) for d in departments]
        lines.append(["未办结", *counts, len(unfinished)])
        return headers, lines

    def sheets(self):
        r = self.request
        headers, lines = self.summary_rows()
        yield Sheet(title="汇总", columns=[Column(h, 14 if i else 16, "text" if not i else "int")
                                         for i, h in enumerate(headers)], rows=iter(lines),
                    heading=_("%(t)s（按部门汇总）") % {"t": self.title})
        yield Sheet(title="受理线索", columns=[
            Column("序号", 6, "int"), Column("村（社区）", 16), Column("接收时间", 16, "datetime"),
            Column("线索来源", 14), Column("困难群众", 10), Column("住址", 24), Column("反映情况", 36),
            Column("紧急程度", 10), Column("状态", 8), Column("关闭原因", 20)],
            rows=self.lead_rows())
        decided = list(self._decided().select_related("village", "household").order_by("decided_at", "pk"))
        heads = _heads({x.household_id for x in decided})
        yield Sheet(title="转办决定", columns=[
            Column("序号", 6, "int"), Column("村（社区）", 16), Column("户主姓名", 10), Column("身份证号", 21),
            Column("承办部门", 12), Column("决定结果", 14), Column("救助方式", 12), Column("救助金额（元/月）", 12, "money"),
            Column("救助开始日期", 11, "date"), Column("转介机构", 14), Column("不符合条件的原因", 30),
            Column("决定层级", 10), Column("决定时间", 16, "datetime")],
            rows=([i, x.village.name, heads[x.household_id].name if heads.get(x.household_id) else "",
                   r.id_number(x.village_id, heads[x.household_id].id_number) if heads.get(x.household_id) else "",
                   x.get_department_display(), x.get_status_display(), x.get_assistance_type_display(), x.amount,
                   x.start_date, x.organisation, x.ineligible_reason, x.get_decision_level_display(), x.decided_at]
                  for i, x in enumerate(decided, start=1)))
        observed = list(self._observed().select_related("household__village").order_by("decided_on", "pk"))
        heads = _heads({x.household_id for x in observed})
        yield Sheet(title="救助观察名单", columns=[
            Column("序号", 6, "int"), Column("村（社区）", 16), Column("户主姓名", 10), Column("身份证号", 21),
            Column("未纳入救助的原因", 30), Column("实际困难", 30), Column("认定日期", 11, "date"),
            Column("下次复核日期", 11, "date")],
            rows=([i, x.household.village.name, heads[x.household_id].name if heads.get(x.household_id) else "",
                   r.id_number(x.household.village_id, heads[x.household_id].id_number)
                   if heads.get(x.household_id) else "", x.reason_not_eligible, x.difficulty, x.decided_on,
                   x.next_review_on] for i, x in enumerate(observed, start=1)))
        unfinished = list(self._unfinished().select_related("village").prefetch_related("steps")
                          .order_by("deadline", "pk"))
        heads = _heads({x.household_id for x in unfinished})
        yield Sheet(title="未办结事项", columns=[
            Column("序号", 6, "int"), Column("村（社区）", 16), Column("户主姓名", 10), Column("承办部门", 12),
            Column("当前状态", 14), Column("办结期限", 11, "date"), Column("是否超期", 8), Column("未办结原因", 40)],
            rows=([i, x.village.name, heads[x.household_id].name if heads.get(x.household_id) else "",
                   x.get_department_display(), x.get_status_display(), x.deadline, x.late, self.reason(x)]
                  for i, x in enumerate(unfinished, start=1)))

    def lead_rows(self) -> Iterator[list]:
        """The leads of the period; a lead linked to a household and naming no one of its own shows the
        household's head and residence address."""
        leads = (self._leads().select_related("village", "household").order_by("received_at", "pk")
                 .iterator(chunk_size=CHUNK))
        number = 0
        for chunk in _chunked(leads):
            heads = _head_values({lead.household_id for lead in chunk if lead.household_id})
            for lead in chunk:
                number += 1
                head = heads.get(lead.household_id)
                name = lead.subject_name or (head[0] if head else "")
                address = lead.subject_address or (lead.household.residence_address if lead.household else "")
                yield [number, lead.village.name, lead.received_at, lead.get_channel_display(), name, address,
                       lead.description, lead.get_urgency_display(), lead.get_status_display(), lead.close_reason]

    def reason(self, referral) -> str:
        steps = list(referral.steps.all())
        last = steps[-1] if steps else None
        text = str(referral.get_status_display())
        if last and last.comment:
            text += "：" + last.comment
        return text


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
                   "列入观察名单", "已办结", "未办结", "其中超期"]
        leads = dict(self._leads().values("village").annotate(n=Count("pk")).values_list("village", "n"))
        observed = dict(self._observed().values("household__village").annotate(n=Count("pk"))
                        .values_list("household__village", "n"))
        decided = list(self._decided().values("village", "department", "assistance_type", "status"))
        closed = dict(self._closed().values("village").order_by("village").annotate(n=Count("pk"))
                      .values_list("village", "n"))
        unfinished = list(self._unfinished().values("village", "late"))

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
                   sum(closed.get(i, 0) for i in ids), len(open_items), sum(1 for u in open_items if u["late"])]
            rows.append(row)
            totals = row[1:] if totals is None else [a + b for a, b in zip(totals, row[1:])]
        if totals is not None:
            rows.append(["合计", *totals])
        yield Sheet(title=self.title, columns=[Column(h, 16 if i == 0 else 10, "text" if i == 0 else "int")
                                               for i, h in enumerate(headers)], rows=iter(rows))


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


LEDGERS: dict[str, type[Ledger]] = {
    LedgerKind.ROSTER: RosterLedger,
    LedgerKind.VISITS: VisitLedger,
    LedgerKind.VISITS_BY_HOUSEHOLD: VisitByHouseholdLedger,
    LedgerKind.MONTHLY: MonthlyLedger,
    LedgerKind.SUMMARY: SummaryLedger,
    LedgerKind.ASSISTANTS: AssistantRoster,
    LedgerKind.COLLECTORS: CollectorRoster,
}


def ledger_for(request: LedgerRequest) -> Ledger:
    return LEDGERS[request.kind](request)


def available_kinds() -> list[tuple[str, str]]:
    return [(kind, label) for kind, label in LedgerKind.choices if kind in LEDGERS and LEDGERS[kind].available()]


TARGET_KIND_CHOICES = TargetKind.choices
