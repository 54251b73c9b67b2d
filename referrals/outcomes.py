"""What a decided referral writes back to the household (seed 002 §二(四), 003 §二(三)).

eligible → an assistance record and a household event; ineligible but in real difficulty → an entry on the
observation list (tracking contact, 跟踪联系); the roster entry's target kind (缺失 / 不充分 / 预警) follows.
These functions run inside the caller's transaction (referrals.services) and write the household's own
history rows (HouseholdEvent, RosterChange) exactly as the households app does for its own edits.
"""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import (
    AssistanceRecord, AssistanceType, Cadence, EventKind, EventSource, HouseholdEvent, ObservationEntry,
    RosterChange, RosterChangeKind, RosterEntry, TargetKind,
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
# Observation-list families are reviewed every quarter (seed 003: refused or exited families quarterly).
OBSERVATION_REVIEW_DAYS = 90


def source_ref(referral: Referral) -> str:
    return f"referral:{referral.pk}"


def _event(*, actor, referral: Referral, kind: str, field: str = "", old: str = "", new: str = "", data=None):
    return HouseholdEvent.objects.create(
        household_id=referral.household_id, kind=kind, field=field, old_value=str(old)[:200],
        new_value=str(new)[:200], data=data or {}, source=EventSource.REFERRAL, source_ref=source_ref(referral),
        actor=actor, occurred_at=timezone.now(),
    )


def assistance_grant(*, actor, referral: Referral, outcome: str, amount, start_date, note: str,
                     one_off: bool | None = None) -> AssistanceRecord:
    """Record assistance the family now receives, with its household event."""
    one_off = outcome in ONE_OFF if one_off is None else one_off
    record = AssistanceRecord(
        household_id=referral.household_id, type=ASSISTANCE_TYPE[outcome], start_date=start_date,
        end_date=start_date if one_off else None, monthly_amount=amount or 0, note=note[:200],
    )
    record.full_clean()
    record.save()
    _event(actor=actor, referral=referral, kind=EventKind.ASSISTANCE_STARTED, field="assistance",
           new=record.get_type_display(),
           data={"assistance_id": record.pk, "amount": str(record.monthly_amount), "start": str(start_date),
                 "one_off": one_off, "outcome": outcome})
    return record


def observation_add(*, actor, referral: Referral, reason: str, difficulty: str) -> ObservationEntry:
    """Put the family on the observation list (or add the new reason to its open entry)."""
    today = timezone.localdate()
    entry = ObservationEntry.objects.select_for_update().filter(household_id=referral.household_id,
                                                               removed_on__isnull=True).first()
    if entry is not None:
        # One open entry per household: the newest finding is appended, the watch goes on.
        entry.reason_not_eligible = f"{entry.reason_not_eligible}\n{today}：{reason}"
        if difficulty:
            entry.difficulty = f"{entry.difficulty}\n{difficulty}".strip()
        entry.save(update_fields=["reason_not_eligible", "difficulty"])
        return entry
    entry = ObservationEntry.objects.create(
        household_id=referral.household_id, reason_not_eligible=reason, difficulty=difficulty, decided_by=actor,
        decided_on=today, cadence=Cadence.QUARTERLY, next_review_on=today + timedelta(days=OBSERVATION_REVIEW_DAYS),
    )
    _event(actor=actor, referral=referral, kind=EventKind.OBSERVATION_ADDED, field="observation",
           new=_("救助观察名单"), data={"observation_id": entry.pk, "reason": reason[:200]})
    return entry


def roster_kind_follow(*, actor, referral: Referral, eligible: bool) -> RosterEntry | None:
    """Move the open roster entry's target kind where the outcome changes it.

    Now assisted → 救助不充分 (receives help, watched for further needs); refused but in real difficulty and
    never assisted → 救助预警 (on the edge, not yet eligible). Otherwise the kind stays.
    """
    entry = RosterEntry.objects.select_for_update().filter(household_id=referral.household_id,
                                                          exited_on__isnull=True).first()
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
    old_kind = entry.target_kind
    reason = _("转办%(pk)s结果：%(outcome)s") % {
        "pk": referral.pk, "outcome": _("符合条件，已纳入救助") if eligible else _("不符合条件但确有困难")}
    entry.target_kind = new_kind
    entry.version += 1
    entry.updated_at = timezone.now()
    entry.save(update_fields=["target_kind", "version", "updated_at"])
    RosterChange.objects.create(entry=entry, kind=RosterChangeKind.CHANGED,
                                changes={"target_kind": [old_kind, new_kind]}, reason=reason, actor=actor)
    _event(actor=actor, referral=referral, kind=EventKind.ROSTER_CHANGED, field="target_kind",
           old=TargetKind(old_kind).label, new=TargetKind(new_kind).label, data={"roster_entry_id": entry.pk})
    return entry
