"""What a decided referral writes back to the household (seed 002 §二(四), 003 §二(三)).

eligible → an assistance record and a household event; ineligible but in real difficulty → an entry on the
observation list (tracking contact, 跟踪联系); the roster entry's target kind (缺失 / 不充分 / 预警) follows.
All writes go through households.services (its events, category changes and roster history), inside the
caller's transaction, with source=EventSource.REFERRAL and source_ref "referral:<pk>".
"""
from __future__ import annotations

from django.utils.translation import gettext as _

from households import services as household_services
from households.models import (
    AssistanceRecord, AssistanceType, CheckListReason, EventKind, EventSource, ObservationEntry, RosterEntry,
    TargetKind,
)

from .models import OutcomeAssistance, Referral

# Outcome → the household's assistance category.
ASSISTANCE_TYPE = {
    OutcomeAssistance.DIBAO: AssistanceType.DIBAO,
    OutcomeAssistance.TEKUN: AssistanceType.TEKUN,
    OutcomeAssistance.LOW_INCOME: AssistanceType.LOW_INCOME,
    OutcomeAssistance.TEMPORARY: AssistanceType.TEMPORARY,
    OutcomeAssistance.MEDICAL: AssistanceType.MEDICAL,
    OutcomeAssistance.EDUCATION: AssistanceType.EDUCATION,
    OutcomeAssistance.HOUSING: AssistanceType.HOUSING,
    OutcomeAssistance.EMPLOYMENT: AssistanceType.EMPLOYMENT,
    OutcomeAssistance.DISASTER: AssistanceType.DISASTER,
    OutcomeAssistance.REFERRAL_ORG: AssistanceType.OTHER,
}
# One-off payments are recorded as assistance that starts and ends on the same day.
ONE_OFF = {OutcomeAssistance.TEMPORARY, OutcomeAssistance.DISASTER}


def source_ref(referral: Referral) -> str:
    return f"referral:{referral.pk}"


def assistance_grant(*, actor, referral: Referral, outcome: str, amount, start_date, note: str,
                     one_off: bool | None = None) -> AssistanceRecord:
    """Record assistance the family now receives (households.services writes the events)."""
    one_off = outcome in ONE_OFF if one_off is None else one_off
    return household_services.assistance_add(
        actor=actor, household=referral.household, type=ASSISTANCE_TYPE[outcome], start_date=start_date,
        end_date=start_date if one_off else None, monthly_amount=amount or 0, note=note[:200],
        source=EventSource.REFERRAL, source_ref=source_ref(referral))


def observation_add(*, actor, referral: Referral, reason: str, difficulty: str) -> ObservationEntry:
    """Put the family on the observation list; if already on it, the new finding is recorded as an event."""
    entry = ObservationEntry.objects.filter(household_id=referral.household_id, removed_on__isnull=True).first()
    if entry is not None:
        household_services.event_record(
            household=referral.household, kind=EventKind.OTHER, actor=actor, source=EventSource.REFERRAL,
            source_ref=source_ref(referral), field="observation", old_value=_("已在救助观察名单"),
            new_value=reason[:200], data={"entry": entry.pk, "difficulty": difficulty[:200]})
        return entry
    return household_services.observation_add(
        actor=actor, household=referral.household, reason_not_eligible=reason, difficulty=difficulty,
        source=EventSource.REFERRAL, source_ref=source_ref(referral))


def quarterly_check_place(*, actor, referral: Referral) -> None:
    """A refused application puts the family on the quarterly check (seed 003 §二(二)2), unless it declined
    the check in writing (households decides)."""
    household_services.quarterly_check_place(
        actor=actor, household=referral.household, reason=CheckListReason.REFUSED,
        detail=_("转办%(pk)s不符合条件：%(r)s") % {"pk": referral.pk, "r": referral.ineligible_reason[:200]},
        source_ref=source_ref(referral), source=EventSource.REFERRAL)


def roster_kind_follow(*, actor, referral: Referral, eligible: bool) -> RosterEntry | None:
    """Move the open roster entry's target kind where the outcome changes it.

    Now assisted → 救助不充分 (receives help, watched for further needs); refused but in real difficulty and
    never assisted → 救助预警 (on the edge, not yet eligible). Otherwise the kind stays.
    """
    entry = RosterEntry.objects.filter(household_id=referral.household_id, exited_on__isnull=True).first()
    if entry is None:
        return None
    if eligible:
        new_kind = TargetKind.INSUFFICIENT
    elif entry.target_kind == TargetKind.MISSING:
        new_kind = TargetKind.WARNING
    else:
        return entry
    if entry.target_kind == new_kind:
        return entry
    reason = _("转办%(pk)s结果：%(outcome)s") % {
        "pk": referral.pk, "outcome": _("符合条件，已纳入救助") if eligible else _("不符合条件但确有困难")}
    return household_services.roster_change(actor=actor, entry=entry, reason=reason, target_kind=new_kind,
                                            source=EventSource.REFERRAL, source_ref=source_ref(referral))
