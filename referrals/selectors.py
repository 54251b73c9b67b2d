"""Reads shared by the lead and referral pages: every queryset starts from what the user may see."""
from __future__ import annotations

from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, When

from households.models import Member, Relation
from relief import access, data_version, figure_cache
from relief.access import Action

from .models import OPEN_STATUSES, Department, HotlineWorkOrder, Lead, Referral, ReferralStatus, referral_overdue_q
from .steplimits import DISTRICT, TOWNSHIP, VILLAGE, LimitTable, lead_late_q, level_late_q, referral_late_q

# Filter values that stand for a group of states (the home cards link to them).
OPEN_LEADS = "open"
VILLAGE_STAGE = "village"


def _head_name():
    return Subquery(Member.objects.filter(household=OuterRef("household"), relation=Relation.HEAD)
                    .order_by("pk").values("name")[:1])


def leads_for(user) -> QuerySet[Lead]:
    return (access.scope(Lead.objects.all(), user, Action.VIEW)
            .select_related("village", "household", "received_by")
            .annotate(head_name=_head_name()))


# The referral list's 环节超时 filter: a level of the ladder, or all of them.
LATE_ALL = "all"
LATE_LEVELS = (VILLAGE, TOWNSHIP, DISTRICT)


def work_order_leads(q: str) -> QuerySet[HotlineWorkOrder]:
    """The leads (as lead ids) whose hotline work order number contains the term."""
    return HotlineWorkOrder.objects.filter(number__contains="".join(q.split())).values("lead_id")


def lead_search_q(q: str, lead: str = "pk") -> Q:
    """Leads (reached by the path `lead`) a search box finds: its family's member by name, pinyin or ID
    number, or address (households.selectors.search_filter); the person named on a lead not yet linked to a
    family by name or pinyin (Lead.subject_pinyin, the same rule as a member's), or their address; its work
    order number."""
    from households.selectors import name_or_pinyin_q, search_filter

    q = (q or "").strip()
    prefix = "" if lead == "pk" else f"{lead}__"
    return (search_filter(q, household=f"{prefix}household")
            | name_or_pinyin_q(q, name=f"{prefix}subject_name", pinyin=f"{prefix}subject_pinyin")
            | Q(**{f"{prefix}subject_address__contains": q})
            | Q(**{f"{lead}__in": work_order_leads(q)}))


def attach_match_notes(rows, q: str) -> list:
    """Why each row of a search's page was found, where the row does not show it: `row.match_note` — a member
    of the family other than the person the row names, a member's ID number, the hukou or residence address,
    the work order number — or "" when the row's own name or address holds the term. Rows are leads or
    referrals (with `household` and `head_name`, as leads_for and referrals_for give them); at most two queries
    for a page, whatever its size. The rules are lead_search_q's and referrals_filtered's, read the other way."""
    from django.utils.translation import gettext as _

    from households.pinyin import pinyin_term
    from households.selectors import ID_WHOLE, id_term, members_matching

    rows = list(rows)
    for row in rows:
        row.match_note = ""
    q = (q or "").strip()
    if not q or not rows:
        return rows
    by_id, spelled = bool(id_term(q)), bool(pinyin_term(q))
    # As search_filter: only pinyin and a whole ID number skip the addresses; part of a number ("1101") is
    # looked for in them too.
    addresses = not (spelled or ID_WHOLE.match(id_term(q)))
    household_ids = {row.household_id for row in rows if row.household_id}
    members: dict[int, list[str]] = {}
    if household_ids:
        for household_id, name in (members_matching(q).filter(household_id__in=household_ids).order_by("pk")
                                   .values_list("household_id", "name")):
            members.setdefault(household_id, []).append(name)

    def lead_of(row):
        return row.pk if isinstance(row, Lead) else row.lead_id

    lead_ids = {lead_of(row) for row in rows if lead_of(row)}
    orders = dict(HotlineWorkOrder.objects.filter(lead_id__in=lead_ids, number__contains="".join(q.split()))
                  .values_list("lead_id", "number")) if lead_ids else {}
    for row in rows:
        household = row.household if row.household_id else None
        name = getattr(row, "subject_name", "") or row.head_name or ""
        address = getattr(row, "subject_address", "") or (household.residence_address if household else "")
        found = members.get(row.household_id, [])
        if by_id and found:
            row.match_note = _("匹配：%(name)s的身份证号") % {"name": found[0]}
        elif found:
            if name not in found and (spelled or q not in name):
                row.match_note = _("匹配：家庭成员 %(name)s") % {"name": found[0]}
        elif addresses and (q in name or q in address):
            pass  # the row shows what was found
        elif addresses and household is not None and q in (household.hukou_address or ""):
            row.match_note = _("匹配：户籍地址 %(address)s") % {"address": household.hukou_address}
        elif addresses and household is not None and q in household.residence_address:
            row.match_note = _("匹配：居住地址 %(address)s") % {"address": household.residence_address}
        elif lead_of(row) in orders:
            row.match_note = _("匹配：热线工单 %(number)s") % {"number": orders[lead_of(row)]}
    return rows


def leads_filtered(user, *, village=None, status: str = "", channel: str = "", township=None,
                   late: bool = False, table: LimitTable | None = None, q: str = "") -> QuerySet[Lead]:
    """The lead list's filters; `status` is a LeadStatus or OPEN_LEADS (新线索 and 核实中); `late`: not studied
    within the step's limit (环节超时, referrals/steplimits.py); `q` the search box (lead_search_q)."""
    qs = leads_for(user)
    if (q or "").strip():
        qs = qs.filter(lead_search_q(q))
    if village is not None:
        qs = qs.filter(village=village)
    if township is not None:
        qs = qs.filter(village__parent=township)
    if late:
        qs = qs.filter(lead_late_q(table or LimitTable()))
    if status == OPEN_LEADS:
        qs = qs.open()
    elif status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-received_at", "-pk")


def lead_list_narrows(filters: dict) -> bool:
    """Whether the lead list's filters (leads_filtered's arguments) leave out any of the user's leads."""
    return any((filters.get("village") is not None, filters.get("township") is not None, filters.get("late"),
                filters.get("status"), filters.get("channel"), (filters.get("q") or "").strip()))


def lead_count(user) -> int:
    """How many leads the user may see: the lead list's total when nothing narrows it, kept between looks
    under the records' stamp, which every lead opened or changed replaces (services.common._save_lead,
    services.leads). A township's first look after the policy match otherwise counts its 25,000 leads."""
    village_ids = access.village_ids_for(user, Action.VIEW)
    return figure_cache.cached(data_version.RECORDS, f"lead-count-{figure_cache.scope_key(village_ids)}",
                               lambda: leads_for(user).count())


def referrals_for(user) -> QuerySet[Referral]:
    """Referrals of the user's villages and those handed over to their hukou township (services.rules)."""
    from .services.rules import handled_by_q, visible_referrals

    # The handover (or its absence) and the village's township ride along: every referral page asks for them.
    return (visible_referrals(user).select_related("village__parent", "household", "hukou_handover__township")
            .annotate(head_name=_head_name(), hukou_township_name=F("hukou_handover__township__name"),
                      handled_here=ExpressionWrapper(handled_by_q(user), output_field=BooleanField())))


def referrals_filtered(user, *, village=None, department: str = "", status: str = "",
                       overdue: bool = False, paperwork: bool = False, township=None, late: str = "",
                       table: LimitTable | None = None, handled_here: bool = False, q: str = "") -> QuerySet[Referral]:
    """The referral list's filters; `status` is a ReferralStatus or VILLAGE_STAGE (草稿 and 已集体研究); `late`
    is LATE_ALL or a level: the current step held there is past its limit (环节超时); `handled_here`: only those
    whose township steps are the user's (not handed over to another hukou township); `q` the search box: the
    family's member by name, pinyin or ID number, its address, or the work order of the lead it came from."""
    from households.selectors import search_filter

    from .services.rules import handled_by_q

    qs = referrals_for(user)
    if (q or "").strip():
        qs = qs.filter(search_filter(q, household="household") | Q(lead__in=work_order_leads(q)))
    if handled_here:
        qs = qs.filter(handled_by_q(user))
    if village is not None:
        qs = qs.filter(village=village)
    if township is not None:
        qs = qs.filter(village__parent=township)
    if late == LATE_ALL:
        qs = qs.filter(referral_late_q(table or LimitTable()))
    elif late in LATE_LEVELS:
        qs = qs.filter(level_late_q(late, table or LimitTable()))
    if department:
        qs = qs.filter(department=department)
    if status == VILLAGE_STAGE:
        qs = qs.at_village()
    elif status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.overdue()
    if paperwork:
        qs = qs.paperwork_pending()
    if overdue:
        return qs.order_by("deadline", "-updated_at", "-pk")
    if paperwork:
        return qs.order_by("paperwork_due", "-pk")
    return qs.order_by("-updated_at", "-pk")


def department_counts(user) -> list[dict]:
    """Per department: open referrals and how many are past their deadline (清单管理), one query."""
    from .services.rules import visible_referrals

    rows = (visible_referrals(user, Referral.objects.exclude(department=""))
            .values("department")
            .annotate(open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
                      overdue=Count("pk", filter=referral_overdue_q()),
                      eligible=Count("pk", filter=Q(status=ReferralStatus.ELIGIBLE)),
                      ineligible=Count("pk", filter=Q(status=ReferralStatus.INELIGIBLE))))
    by_code = {row["department"]: row for row in rows}
    return [{"code": code, "label": label, **{k: by_code.get(code, {}).get(k, 0)
                                             for k in ("open", "overdue", "eligible", "ineligible")}}
            for code, label in Department.choices]


def household_leads_and_referrals(household) -> tuple[list[Lead], list[Referral]]:
    """Two queries whatever the household's history (the household page section)."""
    from households.presence import listed

    leads = listed(household, Lead, lambda: Lead.objects.filter(household=household).select_related("received_by")
                   .order_by("-received_at"))
    referrals = listed(household, Referral,
                       lambda: Referral.objects.filter(household=household).order_by("-created_at"))
    return leads, referrals


def open_lead_count(user) -> int:
    return access.scope(Lead.objects.open(), user, Action.VIEW).count()


HOUSEHOLD_PICK_LIMIT = 20


def households_to_link(user, q: str) -> tuple[list, bool]:
    """The lead page's household search: households the user may see, by a present member's name (anywhere in
    it) or pinyin, part of an ID number (households.selectors.members_matching) or an address. Each row
    carries the head's name and ID number masked (a picker is a list: full numbers are for the household
    page, which audits them).
    Returns (rows, more) where `more` says the search found more than are shown.
    """
    from households.idcard import mask_id_number
    from households.models import Household, MemberStatus
    from households.selectors import id_term, members_matching

    q = (q or "").strip()
    if not q:
        return [], False
    present = members_matching(q).filter(status=MemberStatus.PRESENT)
    match = Q(pk__in=present.values("household_id"))
    if not id_term(q):
        match |= Q(residence_address__contains=q)
    head = Member.objects.filter(household=OuterRef("pk"), status=MemberStatus.PRESENT).order_by(
        # The head first, else the first member registered.
        models_case_head(), "pk")
    rows = list(access.scope(Household.objects.filter(match), user, Action.VIEW)
                .select_related("village")
                .annotate(head_name=Subquery(head.values("name")[:1]), head_id=Subquery(head.values("id_number")[:1]))
                .order_by("village__code", "residence_address", "pk")[:HOUSEHOLD_PICK_LIMIT + 1])
    for row in rows:
        row.head_id_masked = mask_id_number(row.head_id)
    return rows[:HOUSEHOLD_PICK_LIMIT], len(rows) > HOUSEHOLD_PICK_LIMIT


def models_case_head():
    from django.db.models import Case, IntegerField, Value, When

    return Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1), output_field=IntegerField())


def open_referral_of(household_id) -> Referral | None:
    return Referral.objects.open().filter(household_id=household_id).order_by("-created_at").first()


def work_orders_for(user):
    """The work orders of the leads the user may see, soonest running deadline first, answered ones last."""
    return (access.scope(HotlineWorkOrder.objects.all(), user, Action.VIEW, field="lead__village")
            .select_related("lead", "lead__village")
            .annotate(running_due=Case(When(responded_at__isnull=True, then=F("response_due")),
                                    When(feedback_at__isnull=True, then=F("feedback_due")), default=None))
            .order_by(F("running_due").asc(nulls_last=True), "-received_at", "-pk"))
def late_step_counts(village_ids, table: LimitTable | None = None) -> dict[int, dict[str, int]]:
    """Per village: open leads not studied in time, and referrals whose step is late at each level — the
    rows the lead and referral lists show with their 环节超时 filters. Two grouped queries."""
    table = table or LimitTable()
    from django.utils import timezone

    now = timezone.now()
    counts = {pk: {"leads": 0, VILLAGE: 0, TOWNSHIP: 0, DISTRICT: 0} for pk in village_ids}
    for row in (Lead.objects.filter(village__in=village_ids).filter(lead_late_q(table, now))
                .values("village_id").annotate(n=Count("pk"))):
        counts[row["village_id"]]["leads"] = row["n"]
    rows = (Referral.objects.filter(village__in=village_ids).filter(referral_late_q(table, now))
            .values("village_id").annotate(**{level: Count("pk", filter=level_late_q(level, table, now))
                                               for level in LATE_LEVELS}))
    for row in rows:
        counts[row["village_id"]].update({level: row[level] for level in LATE_LEVELS})
    return counts


def late_step_table(user) -> dict:
    """清单管理's 环节超时 table: per village (township staff) or per township and per village (district), each
    number with the link to the list of exactly those rows."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from relief.models import JurisdictionLevel

    villages = list(access.villages_for(user, Action.VIEW).select_related("parent").order_by("code"))
    counts = late_step_counts([v.pk for v in villages])
    leads_url, referrals_url = reverse("referrals:lead_list"), reverse("referrals:list")

    def cells(numbers, key, value):
        def link(base, params):
            return f"{base}?{urlencode({**params, key: value} if key else params)}"
        return [{"n": numbers["leads"], "url": link(leads_url, {"late": "on"}), "testid": "leads"}] + [
            {"n": numbers[level], "url": link(referrals_url, {"late": level}), "testid": level}
            for level in LATE_LEVELS]

    def add(total, numbers):
        for k, v in numbers.items():
            total[k] = total.get(k, 0) + v

    village_rows, townships, total = [], {}, {}
    for village in villages:
        numbers = counts[village.pk]
        village_rows.append({"name": village.name, "pk": village.pk, "cells": cells(numbers, "village", village.pk)})
        add(townships.setdefault(village.parent_id, {"name": village.parent.name, "numbers": {}})["numbers"],
            numbers)
        add(total, numbers)
    total = total or {"leads": 0, VILLAGE: 0, TOWNSHIP: 0, DISTRICT: 0}
    township_rows = [{"name": t["name"], "pk": pk, "cells": cells(t["numbers"], "township", pk)}
                     for pk, t in townships.items()] if len(townships) > 1 else []
    # One township's total opens its own villages' rows: without the filter the list also holds the cases handed
    # to it as another village's hukou township, which the rows above do not count.
    only = next(iter(townships)) if len(townships) == 1 else None
    return {"villages": village_rows, "townships": township_rows,
            "total": cells(total, "township" if only else None, only),
            "levels": [JurisdictionLevel.VILLAGE.label, JurisdictionLevel.TOWNSHIP.label,
                       JurisdictionLevel.DISTRICT.label]}
