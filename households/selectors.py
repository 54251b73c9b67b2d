"""Reads of the household registry shared by views, home cards, ledgers and other apps.

    households_for(user, action=Action.VIEW) -> QuerySet[Household]       every household the user may act on
    household_get(user, pk, action=Action.VIEW) -> Household                 404 outside the user's villages
    household_list(user, *, q="", township=None, village=None, category="", reason="", target_kind="",
                   on_roster=None, on_observation=None, review_due=False, sort="") -> QuerySet[Household]
        Filters read the kept copies on Household (categories, roster_kind, roster_reasons,
        observation_review_on; see services.household_refresh_flags), not the records themselves.
    with_list_details(queryset) -> QuerySet                                    what a list row shows
    members_matching_id(term) -> QuerySet[Member]                              the one ID-number look-up: whole, first 6, last 4/6
    current_categories(household, on=None) -> list[str]                       AssistanceType values running today
    dibao_standard_for(household, on=None) -> DibaoStandard | None            the standard in force
    income_band(household, on=None) -> IncomeBand                              under the line / low income / above
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Case, F, Func, OuterRef, Prefetch, Q, QuerySet, Subquery, TextField, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief import access, data_version, figure_cache
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel
from relief.selectors import attach_jurisdictions

from .pii import lookup_hashes
from .models import (
    AssistanceRecord, AssistanceType, DibaoStandard, Household, Member, MemberStatus, Relation,
)
from .pinyin import pinyin_term
from .standards import StandardTable


# By village id, not by the village's code: ("village_id", "id") walks the (village, id) indexes, while
# ordering by the code joins and sorts every matching household before the first page.
SORTS = {
    "": ("village_id", "id"),
    "village": ("village_id", "id"),
    "-updated": ("-updated_at", "-id"),
    "-created": ("-created_at", "-id"),
    # Unrecorded incomes last either way (databases disagree where NULL sorts).
    "income": (F("per_capita_income").asc(nulls_last=True), "id"),
    "-income": (F("per_capita_income").desc(nulls_last=True), "-id"),
    "address": ("residence_address", "id"),
}
SORT_CHOICES = [
    ("", _("按村/社区")),
    ("-updated", _("最近更新")),
    ("-created", _("最近登记")),
    ("income", _("月人均收入从低到高")),
    ("-income", _("月人均收入从高到低")),
    ("address", _("按居住地址")),
]


def households_for(user, action: str = Action.VIEW) -> QuerySet[Household]:
    return access.scope(Household.objects.all(), user, action, field="village")


def household_count(user) -> int:
    """How many households the user may see: the registry's total when nothing narrows it, kept between
    looks under the records' stamp, which every household created, moved or imported replaces
    (relief/figure_cache.py). Counting a township's tens of thousands of rows on every look is the list's
    dearest query."""
    village_ids = access.village_ids_for(user, Action.VIEW)
    return figure_cache.cached(data_version.RECORDS, f"household-count-{figure_cache.scope_key(village_ids)}",
                               lambda: households_for(user, Action.VIEW).count())


def household_get(user, pk, action: str = Action.VIEW) -> Household:
    """The household if the user may act on it, else 404 (it does not exist for them)."""
    household = get_object_or_404(households_for(user, action).select_related("caseworker"), pk=pk)
    attach_jurisdictions([household], "village__parent__parent", "group", "hukou_township__parent")
    return household


def household_list(
    user, *, q: str = "", township: Jurisdiction | int | None = None, village: Jurisdiction | int | None = None,
    category: str = "", reason: str = "", target_kind: str = "", on_roster: bool | None = None,
    on_observation: bool | None = None, review_due: bool = False, sort: str = "", on: dt.date | None = None,
) -> QuerySet[Household]:
    """Households the user may see, searched and filtered as on the list page.

    `township` (a Jurisdiction or its pk) narrows to its villages; it never widens the user's scope.
    """
    on = on or timezone.localdate()
    qs = households_for(user, Action.VIEW)
    if township:
        township_id = getattr(township, "pk", township)
        qs = qs.filter(village__in=Jurisdiction.objects.filter(parent_id=township_id,
                                                              level=JurisdictionLevel.VILLAGE).values("pk"))
    if village:
        qs = qs.filter(village=village)
    q = (q or "").strip()
    if q:
        qs = qs.filter(search_filter(q))
    if category:
        qs = qs.filter(categories__contains=f",{category},")
    if reason:
        qs = qs.filter(roster_reasons__contains=f",{reason},")
    if target_kind:
        qs = qs.filter(roster_kind=target_kind)
    if on_roster is not None:
        qs = qs.exclude(roster_kind="") if on_roster else qs.filter(roster_kind="")
    if on_observation is not None:
        qs = qs.filter(observation_review_on__isnull=not on_observation)
    if review_due:
        qs = qs.filter(observation_review_on__lte=on)
    return qs.order_by(*SORTS.get(sort, SORTS[""]))


def household_list_narrows(filters: dict) -> bool:
    """Would household_list(user, **filters) leave out any household the user may see? `sort` only orders;
    on_roster and on_observation narrow when True or False (None: either), the others when set."""
    return any(value is not None if name in ("on_roster", "on_observation") else bool(value)
               for name, value in filters.items() if name != "sort")


# ------------------------------------------------------------------------------------------ search
# What a search box takes for part of an ID number: the whole number, its leading digits (6 to 17: the area
# code, the birth date), or its last 4 to 6 characters (the check digit may be X), often all staff have.
# Six digits may be either end: both are searched.
ID_WHOLE = re.compile(r"^\d{17}[\dX]$")
ID_LEADING = re.compile(r"^\d{6,17}$")
ID_TRAILING = re.compile(r"^\d{3,5}[\dX]$")


def id_term(term: str) -> str:
    """The term as part of an ID number (spaces gone, x upper-cased), or "" when it cannot be one."""
    compact = "".join((term or "").split()).upper()
    if ID_WHOLE.match(compact) or ID_LEADING.match(compact) or ID_TRAILING.match(compact):
        return compact
    return ""


def members_matching_id(term: str) -> QuerySet[Member]:
    """Members whose ID number is the term (18 characters), starts with it (6 to 17 digits) or ends with
    it (its last 4 to 6 characters). The ONE place any search matches ID numbers: every search box comes
    here (the household list, the lead picker, the lead, referral, alert and audit lists), so that how
    numbers are stored can change here alone. A term that cannot be part of an ID number matches nobody.

    The numbers are encrypted at rest (households/pii_fields.py): the whole number, its first 6 and its last
    4 or 6 are matched by their keyed hashes (indexed, under every configured key while a rotation runs).
    Longer leading terms add the birth date they contain (digits 7-14, kept in clear as birth_date and bound
    to the number by the registry's rules); what that leaves, and a last-5 term, is checked by decrypting
    the few candidates."""
    number = id_term(term)
    if not number:
        return Member.objects.none()
    if ID_WHOLE.match(number):
        return Member.objects.filter(id_hash__in=lookup_hashes(number, part="full"))
    match = Q()
    if ID_LEADING.match(number):
        match |= _leading_match(number)
    if ID_TRAILING.match(number):
        match |= _trailing_match(number)
    return Member.objects.filter(match)


class NameGrams(Func):
    """households_name_grams(name): the name's one- and two-character pieces (PostgreSQL only, GIN-indexed by
    migration 0018_member_name_grams)."""

    function = "households_name_grams"
    output_field = ArrayField(TextField())


# The longest term the piece index answers; from three characters on the trigram index does.
NAME_GRAM_MAX = 2


def name_or_pinyin_q(term: str, *, name: str, pinyin: str) -> Q:
    """The one rule of a name search box, over a model's `name` and its kept pinyin column `pinyin` (filled from
    households/pinyin.py by the model's writers): the name contains the term anywhere (建国 finds 王建国), or,
    for a term in Latin letters, one of the pinyin readings contains it (zhangjianguo, zjg, zeng/ceng for 曾)."""
    term = (term or "").strip()
    if not term:
        return Q(pk__in=[])
    spelled = pinyin_term(term)
    if spelled:
        # A name in Latin letters is kept lower-cased in the pinyin column too: one column answers both.
        return Q(**{f"{pinyin}__contains": spelled})
    return Q(**{f"{name}__contains": term})


def _leading_match(number: str) -> Q:
    head = Q(id_head6__in=lookup_hashes(number[:6], part="head6"))
    if len(number) == 6:
        return head
    born = _birth_dates_starting(number[6:14])
    if born is None:
        return Q(pk__in=[])
    if len(number) <= 14:
        return head & Q(birth_date__range=born)
    candidates = Member.objects.filter(head, birth_date__range=born)
    return Q(pk__in=_decrypted_matching(candidates, lambda n: n.startswith(number)))


def _trailing_match(number: str) -> Q:
    if len(number) in (4, 6):
        part = f"tail{len(number)}"
        return Q(**{f"id_{part}__in": lookup_hashes(number, part=part)})
    candidates = Member.objects.filter(id_tail4__in=lookup_hashes(number[-4:], part="tail4"))
    return Q(pk__in=_decrypted_matching(candidates, lambda n: n.endswith(number)))


def _decrypted_matching(candidates: QuerySet[Member], test) -> list[int]:
    return [pk for pk, n in candidates.values_list("pk", "id_number") if test(n)]


def _birth_dates_starting(digits: str) -> tuple[dt.date, dt.date] | None:
    """The range of birth dates whose YYYYMMDD starts with `digits` (1 to 8 of them), None if none does:
    dates sort as their YYYYMMDD strings, so the range runs from the first date at or after the prefix
    filled with 0s to the last at or before it filled with 9s."""
    low, high = _date_at_or_after(digits.ljust(8, "0")), _date_at_or_before(digits.ljust(8, "9"))
    return (low, high) if low and high and low <= high else None


def _date_at_or_after(text: str) -> dt.date | None:
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:8])
    if year == 0:
        return dt.date(1, 1, 1)
    if month == 0:
        month, day = 1, 1
    if month > 12:
        return dt.date(year + 1, 1, 1) if year < 9999 else None
    last = calendar.monthrange(year, month)[1]
    if day > last:
        return dt.date(year, month, last) + dt.timedelta(days=1) if (year, month) < (9999, 12) else None
    return dt.date(year, month, max(day, 1))


def _date_at_or_before(text: str) -> dt.date | None:
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:8])
    if year == 0:
        return None
    if month == 0:
        return dt.date(year - 1, 12, 31) if year > 1 else None
    if month > 12:
        month, day = 12, 31
    if day == 0:
        return dt.date(year, month, 1) - dt.timedelta(days=1) if (year, month) > (1, 1) else None
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def members_with_id_numbers(numbers) -> QuerySet[Member]:
    """Members holding any of the whole ID numbers `numbers` (a set of normalized numbers): the import's and
    the feed's bulk look-ups, one indexed query by the keyed hashes. Read `id_number` off the rows to map
    them back (it decrypts)."""
    hashes = [h for n in numbers if n for h in lookup_hashes(n, part="full")]
    return Member.objects.filter(id_hash__in=hashes)


def members_matching_name(term: str) -> QuerySet[Member]:
    """Members whose name contains the term anywhere (建国 finds 王建国), or, for a term in Latin letters,
    one of whose pinyin readings contains it (zhangjianguo, zjg, zeng/ceng for 曾: Member.name_pinyin)."""
    term = (term or "").strip()
    if not term:
        return Member.objects.none()
    if pinyin_term(term):
        return Member.objects.filter(name_or_pinyin_q(term, name="name", pinyin="name_pinyin"))
    if len(term) <= NAME_GRAM_MAX and connection.vendor == "postgresql":
        # Served by the index of the name's pieces (households_name_grams): a trigram needs three characters.
        return Member.objects.alias(name_grams=NameGrams("name")).filter(name_grams__contains=[term])
    return Member.objects.filter(name__contains=term)


def members_matching(term: str) -> QuerySet[Member]:
    """Members a search box finds: by part of an ID number (members_matching_id), else by name or pinyin."""
    if id_term(term):
        return members_matching_id(term)
    return members_matching_name(term)


def audit_search_q(q: str) -> Q:
    """Audit entries (auditlog's LogEntry) about the members or households a search term finds: registered
    with relief.selectors.register_audit_search, as relief may not import households."""
    from django.contrib.contenttypes.models import ContentType

    members = members_matching(q)
    return (Q(content_type=ContentType.objects.get_for_model(Member), object_id__in=members.values("pk"))
            | Q(content_type=ContentType.objects.get_for_model(Household), object_id__in=members.values("household_id")))


def households_at_address(term: str) -> QuerySet[Household]:
    """The ids (`values("pk")`) of households whose residence or hukou address contains the term.

    On PostgreSQL each address is found through the GIN index of its one- and two-character pieces
    (households_name_grams, migration 0019_household_address_grams): a term of one or two characters is
    one of the pieces; a longer one must hold all of its two-character pieces, and LIKE checks the rows
    the index gives. A plain LIKE read every address of the jurisdiction (24x from 100,000 to 1,000,000
    households for the last six digits of an ID number). SQLite has no such index and asks LIKE."""
    found = None
    for field in ADDRESS_FIELDS:
        if connection.vendor == "postgresql":
            pieces = [term] if len(term) <= NAME_GRAM_MAX else sorted({term[i:i + 2] for i in range(len(term) - 1)})
            matching = Household.objects.alias(pieces=NameGrams(field)).filter(pieces__contains=pieces)
            if len(term) > NAME_GRAM_MAX:
                matching = matching.filter(**{f"{field}__contains": term})
        else:
            matching = Household.objects.filter(**{f"{field}__contains": term})
        matching = matching.order_by().values("pk")
        found = matching if found is None else found.union(matching, all=True)
    return found


ADDRESS_FIELDS = ("residence_address", "hukou_address")


def search_filter(q: str, household: str = "pk") -> Q:
    """Households (reached by the path `household`, "pk" on Household itself) a search box finds: a member
    by name, pinyin or ID number, or the residence or hukou address containing the term."""
    q = (q or "").strip()
    members = members_matching(q).order_by().values("household_id")
    if pinyin_term(q) or ID_WHOLE.match(id_term(q)):
        # Addresses are written in Han characters and hold no 18-character ID number: either term would only
        # read the address index in vain (a whole number is otherwise one index probe).
        return Q(**{f"{household}__in": members})
    # One list of ids, each part through its own index: an OR of the member subquery and the addresses
    # left the planner no index for the addresses, and it read every household of the jurisdiction.
    return Q(**{f"{household}__in": members.union(households_at_address(q), all=True)})


def with_list_details(queryset: QuerySet[Household], on: dt.date | None = None) -> QuerySet[Household]:
    """What a row of the household list shows, in a fixed number of queries whatever the page size:
    the village and the present members (head first). Categories, roster and observation come from the
    kept copies on the row itself (Household.category_codes, roster_kind, roster_reason_codes,
    observation_review_on)."""
    return queryset.select_related("village").prefetch_related(
        Prefetch("members", to_attr="present_members",
                 queryset=Member.objects.filter(status=MemberStatus.PRESENT).only(
                     "id", "household_id", "name", "relation", "id_number").order_by("pk")),
    )


def list_match_note(members: list[Member], head: Member | None, q: str) -> str:
    """Why the household list's search found a row the row does not show it for: another member's ID number or
    name (the row names the head, with the head's masked number). From the members the page loaded; the rules
    are members_matching's (a whole number, its leading or its trailing digits; a name holding the term)."""
    from django.utils.translation import gettext

    q = (q or "").strip()
    if not q or not members:
        return ""
    number = id_term(q)
    if number:
        def matches(member):  # as members_matching_id: the whole number, its leading or its trailing part
            value = (member.id_number or "").upper()
            if ID_WHOLE.match(number):
                return value == number
            return ((ID_LEADING.match(number) and value.startswith(number))
                    or (ID_TRAILING.match(number) and value.endswith(number)))

        found = [m for m in members if matches(m)]
        if found and head not in found:
            return gettext("匹配：%(name)s的身份证号") % {"name": found[0].name}
        return ""
    if head is not None and q in head.name:
        return ""
    found = [m for m in members if q in m.name]
    return gettext("匹配：家庭成员 %(name)s") % {"name": found[0].name} if found else ""


def head_of(household: Household) -> Member | None:
    """The head of household among its present members (prefetched), else the first member."""
    members = getattr(household, "present_members", None)
    if members is None:
        members = list(household.members.filter(status=MemberStatus.PRESENT).order_by("pk"))
    for member in members:
        if member.relation == Relation.HEAD:
            return member
    return members[0] if members else None


def head_name_of(household_ref: str = "household") -> Subquery:
    """The name of the household's head (else its first member), for annotating rows that name a family:
    an address alone does not tell a caseworker who lives there."""
    head = Member.objects.filter(household=OuterRef(household_ref)).order_by(
        Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1)), "pk")
    return Subquery(head.values("name")[:1])


def current_categories(household: Household, on: dt.date | None = None) -> list[str]:
    """Assistance types the household receives on the date, in the order of AssistanceType."""
    records = getattr(household, "running_assistance", None)
    if records is None:
        records = AssistanceRecord.objects.running(on or timezone.localdate()).filter(household=household)
    types = {r.type for r in records}
    return [t for t in AssistanceType.values if t in types]


# ------------------------------------------------------------------------------------------ 低保 standard
def district_of(village: Jurisdiction) -> Jurisdiction | None:
    node = village
    while node is not None and node.level != JurisdictionLevel.DISTRICT:
        node = node.parent
    return node


def dibao_standard_for(household: Household, on: dt.date | None = None) -> DibaoStandard | None:
    """The 低保 standard that applies to the household on the date (the rule: households/standards.py)."""
    on = on or timezone.localdate()
    district = district_of(household.village)
    if district is None:
        return None
    return StandardTable.load(districts=[district.pk], day=on).applying(district.pk, household.hukou_type, on)


@dataclass
class IncomeBand:
    code: str  # "under", "low_income", "above", "unknown" (no standard), "unrecorded" (no income)
    label: str
    standard: DibaoStandard | None
    factor: Decimal
    ratio: Decimal | None = None

    @property
    def low_income_line(self) -> Decimal | None:
        return (self.standard.monthly_amount * self.factor).quantize(Decimal("0.01")) if self.standard else None

    @property
    def tag(self) -> str:
        return {"under": "red", "low_income": "amber", "above": "green"}.get(self.code, "")


def low_income_factor() -> Decimal:
    return Decimal(str(getattr(settings, "RELIEF_LOW_INCOME_FACTOR", "1.5")))


def income_band(household: Household, on: dt.date | None = None,
                standard: DibaoStandard | None = None) -> IncomeBand:
    """Where the household's per-capita income lies against the 低保 standard in force:
    below it, between 1× and RELIEF_LOW_INCOME_FACTOR× (low-income, seed 004), or above."""
    factor = low_income_factor()
    if not household.income_recorded:
        return IncomeBand("unrecorded", str(_("收入未登记，不与低保标准比较")), None, factor)
    standard = standard or dibao_standard_for(household, on)
    if standard is None or not standard.monthly_amount:
        return IncomeBand("unknown", str(_("未登记本区低保标准，无法判断")), None, factor)
    income = household.per_capita_income
    ratio = (income / standard.monthly_amount).quantize(Decimal("0.01"))
    if income < standard.monthly_amount:
        return IncomeBand("under", str(_("低于低保标准")), standard, factor, ratio)
    if income < standard.monthly_amount * factor:
        return IncomeBand("low_income", str(_("低收入（低保标准的1至%(f)s倍）") % {"f": factor.normalize()}),
                          standard, factor, ratio)
    return IncomeBand("above", str(_("高于低收入标准")), standard, factor, ratio)
