"""The ledgers themselves: what rows each holds, read straight from the database within the user's jurisdiction.

A ledger is built from a `LedgerRequest` (who asks, for which jurisdiction, period and category) and
yields `Sheet`s whose rows come from `queryset.iterator()` with per-chunk prefetching, so a ledger of
100,000 rows costs a fixed number of queries per 2,000 rows and constant memory.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Iterator

from django.apps import apps
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from households.idcard import mask_id_number
from households.models import (
    AssistanceRecord, AssistanceType, Household, Member, MemberStatus, Relation, RosterEntry, TargetKind,
)
from relief import access
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel

from .models import LedgerKind
from .xlsx import Column, Sheet

CHUNK = 2000


# ---------------------------------------------------------------- periods and jurisdictions
def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_label(start: dt.date, end: dt.date) -> str:
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    return f"{start.year}年{start.month}月至{end.year}年{end.month}月"


def villages_under(jurisdiction: Jurisdiction) -> Q:
    """Villages that are, or lie under, the jurisdiction."""
    pk = jurisdiction.pk
    return Q(level=JurisdictionLevel.VILLAGE) & (Q(pk=pk) | Q(parent=pk) | Q(parent__parent=pk))


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
        under = frozenset(Jurisdiction.objects.filter(villages_under(self.jurisdiction)).values_list("pk", flat=True))
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


def active_in(start: dt.date, end: dt.date, prefix: str = "") -> Q:
    """Assistance running at some point of the period."""
    return Q(**{f"{prefix}start_date__lte": end}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": start}))


TYPE_LABELS = dict(AssistanceType.choices)


# ---------------------------------------------------------------- ledgers
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
    """重点人群花名册 (seed 002 attachment 1): every household on the roster at some time in the period."""

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
            qs = qs.filter(Exists(AssistanceRecord.objects.filter(
                active_in(r.start, r.end), household=OuterRef("household"), type=r.category)))
        return qs

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[list]:
        r = self.request
        qs = self.queryset().select_related(
            "household__village__parent", "caseworker", "household__caseworker",
        ).prefetch_related(
            "reasons",
            Prefetch("household__members", queryset=Member.objects.order_by("pk")),
            Prefetch("household__assistance", queryset=AssistanceRecord.objects.filter(
                active_in(r.start, r.end)).order_by("type", "pk")),
        ).order_by("household__village__code", "household_id", "pk")
        number = 0
        for entry in qs.iterator(chunk_size=CHUNK):
            number += 1
            household = entry.household
            village = household.village
            members = list(household.members.all())
            head = head_of(members)
            present = sum(1 for m in members if m.status == MemberStatus.PRESENT)
            assistance = "、".join(dict.fromkeys(str(TYPE_LABELS.get(a.type, a.type)) for a in household.assistance.all()))
            caseworker = entry.caseworker or household.caseworker
            yield [
                number, village.parent.name if village.parent else "", village.name,
                head.name if head else "", r.id_number(village.pk, head.id_number) if head else "",
                head.get_sex_display() if head else "", age_on(head.birth_date, r.end) if head else None,
                present, household.residence_address, household.phone, household.get_hukou_type_display(),
                household.residence_differs, household.per_capita_income, assistance or _("无"),
                entry.get_target_kind_display(), "、".join(str(t) for t in entry.reasons.all()),
                entry.get_cadence_display(), caseworker.display_name if caseworker else "",
                entry.entered_on, entry.exited_on, entry.exit_reason, entry.note,
            ]

    def sheets(self):
        yield Sheet(title=self.title, columns=self.columns, rows=self.rows())


LEDGERS: dict[str, type[Ledger]] = {
    LedgerKind.ROSTER: RosterLedger,
}


def ledger_for(request: LedgerRequest) -> Ledger:
    return LEDGERS[request.kind](request)


def available_kinds() -> list[tuple[str, str]]:
    return [(kind, label) for kind, label in LedgerKind.choices if kind in LEDGERS and LEDGERS[kind].available()]


TARGET_KIND_CHOICES = TargetKind.choices
