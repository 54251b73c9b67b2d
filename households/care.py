"""Who needs a care agreement (照料协议) and the state of theirs — the one place this rule lives (seed 002 §二(三)).

A person needs one when, on the day: they are present in their household (not deceased, not moved away),
receive 特困人员供养 (a running TEKUN record of their own, or of their household with no member named), cannot
care for themselves (失能/半失能: 生活自理能力 完全不能自理 or 部分自理), and are not in central care (集中供养: the
household's housing is not INSTITUTION).

Their state: VALID (an agreement runs on the day), EXPIRING (it ends within EXPIRING_DAYS), EXPIRED (they had
one, none runs now), MISSING (never had one). EXPIRED and MISSING are DUE: the care-agreement scan
(alerts/care_jobs.py) opens an alert for the village caseworker and closes it once a valid agreement is
recorded. A valid agreement is followed every `follow_months` months (跟踪了解) from its start or last follow-up.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from relief.months import add_months

from .care_models import CareAgreement, CareFollowUp
from .models import AssistanceRecord, AssistanceType, HousingSituation, Member, MemberStatus, SelfCare

EXPIRING_DAYS = 30

# Sent by households.care_services after an agreement is recorded (on commit): alerts closes what it settles.
care_agreement_recorded = Signal()  # kwargs: member_id


class CareState:
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"
    DUE = (EXPIRED, MISSING)
    LABELS = {VALID: _("协议有效"), EXPIRING: _("即将到期"), EXPIRED: _("协议已过期"), MISSING: _("未签照料协议")}
    TAGS = {VALID: "green", EXPIRING: "amber", EXPIRED: "red", MISSING: "red"}


# The list's filter: what each choice shows.
SHOW_CHOICES = {
    "due": _("缺失或过期"),
    "expiring": _("即将到期"),
    "valid": _("协议有效"),
    "all": _("全部"),
}


def needs_care_agreement_q(day: dt.date, prefix: str = "") -> Q:
    """Members who need a care agreement on `day` (see the module docstring). `prefix` leads to the Member."""
    # The few people on 特困 first (their own records, and the members of households paid as a whole), then
    # the rest of the rule on them: an EXISTS with an OR inside, or an OR of two semi-joins, made PostgreSQL
    # scan every member (230–330 ms for a township's home card at 100,000 households).
    tekun = AssistanceRecord.objects.running(day).filter(type=AssistanceType.TEKUN)
    on_tekun = tekun.filter(member__isnull=False).order_by().values("member_id").union(
        Member.objects.filter(household_id__in=tekun.filter(member__isnull=True).values("household_id"))
        .order_by().values("pk"))
    return (Q(**{f"{prefix}pk__in": on_tekun})
            & Q(**{f"{prefix}status": MemberStatus.PRESENT})
            & Q(**{f"{prefix}self_care__in": [SelfCare.NONE, SelfCare.PARTIAL]})
            & ~Q(**{f"{prefix}household__housing": HousingSituation.INSTITUTION}))


def care_people(village_ids, day: dt.date) -> QuerySet:
    """The members of these villages who need a care agreement, each annotated with `care_state`, the running
    agreement (`agreement_id`, `agreement_ends_on`) and the end of their last one (`last_ends_on`)."""
    running = CareAgreement.objects.filter(member_id=OuterRef("pk"), starts_on__lte=day, ends_on__gte=day) \
        .order_by("-ends_on", "-pk")
    last = CareAgreement.objects.filter(member_id=OuterRef("pk"), starts_on__lte=day).order_by("-ends_on", "-pk")
    soon = day + dt.timedelta(days=EXPIRING_DAYS)
    return (Member.objects.filter(household__village_id__in=village_ids).filter(needs_care_agreement_q(day))
            .annotate(agreement_id=Subquery(running.values("pk")[:1]),
                      agreement_ends_on=Subquery(running.values("ends_on")[:1]),
                      last_ends_on=Subquery(last.values("ends_on")[:1]))
            .annotate(care_state=Case(
                When(agreement_id__isnull=False, agreement_ends_on__lte=soon, then=Value(CareState.EXPIRING)),
                When(agreement_id__isnull=False, then=Value(CareState.VALID)),
                When(last_ends_on__isnull=False, then=Value(CareState.EXPIRED)),
                default=Value(CareState.MISSING), output_field=CharField()))
            .select_related("household", "household__village")
            .order_by("household__village__code", "household_id", "pk"))


def care_rows(village_ids, show: str, day: dt.date) -> QuerySet:
    rows = care_people(village_ids, day)
    if show == "due":
        return rows.filter(care_state__in=CareState.DUE)
    if show in (CareState.EXPIRING, CareState.VALID):
        return rows.filter(care_state=show)
    return rows


def next_follow_up(agreement: CareAgreement, last_followed_on: dt.date | None) -> dt.date:
    """The arrangement is followed every `follow_months` months from its start or its last follow-up."""
    return add_months(last_followed_on or agreement.starts_on, agreement.follow_months)


def attach_agreements(members, day: dt.date) -> None:
    """Give each member row (from care_people) `.agreement`, `.last_follow_up`, `.follow_up_due` and
    `.follow_up_overdue`, `.state_label`, `.state_tag`: two queries for a page of rows."""
    ids = [m.agreement_id for m in members if m.agreement_id]
    agreements = CareAgreement.objects.in_bulk(ids) if ids else {}
    last = {}
    for agreement_id, followed_on in (CareFollowUp.objects.filter(agreement_id__in=ids)
                                      .order_by("agreement_id", "-followed_on").values_list("agreement_id", "followed_on")):
        last.setdefault(agreement_id, followed_on)
    for member in members:
        member.agreement = agreements.get(member.agreement_id)
        member.last_follow_up = last.get(member.agreement_id)
        member.follow_up_due = next_follow_up(member.agreement, member.last_follow_up) if member.agreement else None
        member.follow_up_overdue = bool(member.follow_up_due and member.follow_up_due < day)
        member.state_label = CareState.LABELS[member.care_state]
        member.state_tag = CareState.TAGS[member.care_state]


def household_care(household, day: dt.date) -> dict:
    """For the household page: its members who need an agreement (with their state) and every agreement of
    the household's members with its follow-ups. A fixed number of queries."""
    people = list(care_people([household.village_id], day).filter(household=household))
    attach_agreements(people, day)
    agreements = list(CareAgreement.objects.filter(household=household).select_related("member", "recorded_by")
                      .prefetch_related("follow_ups__recorded_by").order_by("-starts_on", "-pk"))
    return {"people": people, "agreements": agreements}


def alert_key(member_id: int, state: str, last_ends_on: dt.date | None) -> str:
    """The occurrence an alert names: missing, or the expiry of the agreement that ended on that day."""
    if state == CareState.MISSING:
        return f"care:{member_id}:missing"
    return f"care:{member_id}:expired:{last_ends_on.isoformat()}"
