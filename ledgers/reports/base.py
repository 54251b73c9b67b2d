"""What every ledger shares: the request (who asks for what, and the masking that follows), the base class,
chunked iteration and the lookups of heads of household and villages several ledgers make.

A ledger is built from a `LedgerRequest` (who asks, for which jurisdiction, period and category) and
yields `Sheet`s whose rows come from `queryset.iterator()` with per-chunk prefetching, so a ledger of
100,000 rows costs a fixed number of queries per 2,000 rows and constant memory.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from households.idcard import mask_id_number
from households.models import Member, MemberStatus, Relation, TargetKind
from relief import access
from relief.access import Action
from relief.dates import year_month
from relief.models import Jurisdiction
from relief.reveal import mask_phone

from relief.xlsx import Sheet

CHUNK = 2000


# ---------------------------------------------------------------- periods and jurisdictions
def period_label(start: dt.date, end: dt.date) -> str:
    if (start.year, start.month) == (end.year, end.month):
        return year_month(start)
    return _("%(s)s至%(e)s") % {"s": year_month(start), "e": year_month(end)}


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
    # Why full personal data is exported (relief.reveal.PersonalDataPurpose); blank: every ID number masked,
    # whatever the user may see (PIPL: full data only on purpose, and the audit entry says which).
    purpose: str = ""

    def __post_init__(self):
        under = frozenset(Jurisdiction.objects.villages().under(self.jurisdiction).values_list("pk", flat=True))
        self.author = self.user
        self.generated_at = timezone.localtime()
        if self.user is None:
            # The system (the month-end job): every village of the jurisdiction, ID numbers masked.
            self.village_ids, self.personal_ids, self.full_access = under, frozenset(), False
            return
        access.check(self.user, Action.EXPORT_LEDGERS, self.jurisdiction)
        superuser = bool(self.user.is_superuser)
        allowed = under if superuser else access.village_ids_for(self.user, Action.EXPORT_LEDGERS)
        self.village_ids = frozenset(pk for pk in under if pk in allowed)
        self.full_access = superuser and bool(self.purpose)
        self.personal_ids = frozenset(access.village_ids_for(self.user, Action.VIEW_PERSONAL_DATA)) \
            if self.purpose else frozenset()

    def params(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "category": self.category,
                "target_kind": self.target_kind, "purpose": self.purpose}

    @classmethod
    def from_params(cls, *, user, kind, jurisdiction, params: dict) -> "LedgerRequest":
        return cls(user=user, kind=kind, jurisdiction=jurisdiction,
                   start=dt.date.fromisoformat(params["start"]), end=dt.date.fromisoformat(params["end"]),
                   category=params.get("category", ""), target_kind=params.get("target_kind", ""),
                   purpose=params.get("purpose", ""))

    def id_number(self, village_id: int, number: str) -> str:
        """Full ID numbers only where the user may see personal data; masked everywhere else."""
        if self.full_access or village_id in self.personal_ids:
            return number
        return mask_id_number(number)

    def phone(self, village_id: int, phone: str) -> str:
        """A family's phone number by the same rule as its ID number: in full only on purpose, where the user may
        see personal data; otherwise as the screen shows it (first three and last four digits)."""
        if self.full_access or village_id in self.personal_ids:
            return phone or ""
        return mask_phone(phone or "")

    @property
    def shows_personal_data(self) -> bool:
        """Whether any full ID number is in the file (the audit entry says so, with the purpose)."""
        return self.full_access or bool(self.village_ids & self.personal_ids)

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


# ---------------------------------------------------------------- the base class and shared lookups
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


TARGET_KIND_CHOICES = TargetKind.choices
