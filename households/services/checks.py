"""Writes of the quarterly check (季度排查) and the whole-household check (整户纳入低保核查).

The rules of who is due are read in households/checks.py; here the list is kept and checks are recorded,
each with a household event (field "quarterly_check" / "whole_household_check") and the audit log
(the models are registered with django-auditlog).
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from relief import access
from relief.access import Action

from ..check_models import (
    CheckListReason, QuarterlyCheck, QuarterlyCheckEntry, WholeHouseholdCheck, WholeHouseholdOutcome, WrittenRefusal,
)
from ..checks import EXIT_TYPES, quarter_label, quarter_start
from ..models import AssistanceRecord, EventKind, EventSource, Household
from .common import _today, event_record


def _check_actor(actor, household: Household, action: str, message: str) -> None:
    if actor is not None and not access.can(actor, action, household.village_id):
        raise ValidationError(message)


@transaction.atomic
def quarterly_check_place(*, actor, household: Household, reason: str, detail: str = "", source_ref: str = "",
                          entered_on: dt.date | None = None, source: str = EventSource.EDIT
                          ) -> QuarterlyCheckEntry | None:
    """Put the family on the quarterly check (a refused application, an exit from assistance).

    Returns the open entry (the existing one when already on the list), or None when the family declined the
    check in writing (书面拒绝): then it stays off, and the refusal is what the household page shows.
    """
    if reason not in CheckListReason.values:
        raise ValidationError({"reason": _("请选择纳入季度排查的原因。")})
    Household.objects.select_for_update().filter(pk=household.pk).first()
    if WrittenRefusal.objects.filter(household=household).exists():
        return None
    entry = QuarterlyCheckEntry.objects.filter(household=household, ended_on__isnull=True).first()
    if entry is not None:
        return entry
    entry = QuarterlyCheckEntry.objects.create(
        household=household, reason=reason, detail=(detail or "")[:300], source_ref=(source_ref or "")[:100],
        entered_on=entered_on or _today(), entered_by=actor if getattr(actor, "is_authenticated", False) else None)
    event_record(household=household, kind=EventKind.OTHER, actor=actor, source=source, source_ref=source_ref,
                 field="quarterly_check", new_value=_("纳入季度排查名单（%(r)s）") % {"r": entry.get_reason_display()},
                 data={"entry": entry.pk, "detail": entry.detail})
    return entry


def quarterly_check_after_assistance_end(*, actor, record: AssistanceRecord, source: str, source_ref: str) -> None:
    """Called by assistance_end: the family left 低保/特困/低收入 when no record of those runs after the end."""
    if record.type not in EXIT_TYPES:
        return
    day_after = record.end_date + dt.timedelta(days=1)
    if AssistanceRecord.objects.running(day_after).filter(household_id=record.household_id,
                                                          type__in=EXIT_TYPES).exists():
        return
    quarterly_check_place(actor=actor, household=record.household, reason=CheckListReason.EXITED,
                          detail=_("%(t)s于 %(d)s 终止") % {"t": record.get_type_display(), "d": record.end_date},
                          source_ref=source_ref or f"assistance:{record.pk}", entered_on=min(record.end_date, _today()),
                          source=source)


@transaction.atomic
def quarterly_check_record(*, actor, household: Household, checked_on: dt.date, finding: str,
                           circumstances_changed: bool = False, visit_id: int | None = None,
                           source: str = EventSource.EDIT) -> QuarterlyCheck:
    """Record the quarter's check (排查) of a family on the list: one per quarter, the quarter of `checked_on`."""
    _check_actor(actor, household, Action.LOG_VISITS, _("该家庭不在您负责的村/社区，不能登记排查。"))
    Household.objects.select_for_update().filter(pk=household.pk).first()
    entry = QuarterlyCheckEntry.objects.filter(household=household, ended_on__isnull=True).first()
    if entry is None:
        raise ValidationError(_("该家庭不在季度排查名单上。"))
    finding = (finding or "").strip()
    errors = {}
    if not checked_on:
        errors["checked_on"] = _("请填写排查日期。")
    elif checked_on > _today():
        errors["checked_on"] = _("排查日期不能晚于今天。")
    elif checked_on < entry.entered_on:
        errors["checked_on"] = _("排查日期不能早于纳入排查名单的日期（%(d)s）。") % {"d": entry.entered_on}
    if not finding:
        errors["finding"] = _("请写明排查了解到的情况（基本生活、住房、医疗、就学）。")
    if errors:
        raise ValidationError(errors)
    start = quarter_start(checked_on)
    done = QuarterlyCheck.objects.filter(household=household, quarter_start=start).first()
    if done is not None:
        raise ValidationError({"checked_on": _("%(q)s已于 %(d)s 排查过。") % {
            "q": quarter_label(start), "d": done.checked_on}})
    check = QuarterlyCheck.objects.create(
        household=household, entry=entry, quarter_start=start, checked_on=checked_on, finding=finding,
        circumstances_changed=bool(circumstances_changed), visit_id=visit_id,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    event_record(household=household, kind=EventKind.OTHER, actor=actor, source=source,
                 source_ref=f"visit:{visit_id}" if visit_id else "", field="quarterly_check",
                 new_value=_("%(q)s排查%(how)s：%(c)s") % {
                     "q": quarter_label(start), "how": _("（结合走访）") if visit_id else "",
                     "c": _("情况有变化") if circumstances_changed else _("情况无变化")},
                 data={"check": check.pk, "finding": finding[:200]})
    return check


def quarterly_check_by_visit(*, actor, household: Household, visit_id: int, visited_on: dt.date, finding: str,
                             circumstances_changed: bool = False) -> QuarterlyCheck | None:
    """A visit that is the quarter's check (Visit.checks_the_quarter: a review visit that saw the family, or a
    face-to-face one that answered every check) does it, when the family is on the list and the quarter has none
    yet. Returns the check, or None when there was nothing to do."""
    entry = QuarterlyCheckEntry.objects.filter(household=household, ended_on__isnull=True).first()
    if entry is None or visited_on < entry.entered_on:
        return None
    if QuarterlyCheck.objects.filter(household=household, quarter_start=quarter_start(visited_on)).exists():
        return None
    return quarterly_check_record(actor=actor, household=household, checked_on=visited_on,
                                  finding=finding or _("结合走访完成排查。"),
                                  circumstances_changed=circumstances_changed, visit_id=visit_id,
                                  source=EventSource.VISIT)


@transaction.atomic
def written_refusal_record(*, actor, household: Household, refused_on: dt.date, note: str = "") -> WrittenRefusal:
    """The family declined the quarterly check in writing (书面拒绝): it is taken off the list and stays off."""
    _check_actor(actor, household, Action.EDIT_HOUSEHOLDS, _("该家庭不在您的辖区内，不能登记。"))
    Household.objects.select_for_update().filter(pk=household.pk).first()
    existing = WrittenRefusal.objects.filter(household=household).first()
    if existing is not None:
        raise ValidationError(_("该家庭已于 %(d)s 书面拒绝排查。") % {"d": existing.refused_on})
    if not refused_on:
        raise ValidationError({"refused_on": _("请填写书面拒绝的日期。")})
    if refused_on > _today():
        raise ValidationError({"refused_on": _("书面拒绝日期不能晚于今天。")})
    refusal = WrittenRefusal.objects.create(
        household=household, refused_on=refused_on, note=(note or "").strip()[:300],
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    entry = QuarterlyCheckEntry.objects.filter(household=household, ended_on__isnull=True).first()
    if entry is not None:
        entry.ended_on, entry.end_reason = max(refused_on, entry.entered_on), _("书面拒绝排查")
        entry.ended_by = refusal.recorded_by
        entry.save(update_fields=["ended_on", "end_reason", "ended_by"])
    event_record(household=household, kind=EventKind.OTHER, actor=actor, field="quarterly_check",
                 new_value=_("书面拒绝季度排查（%(d)s）") % {"d": refused_on},
                 data={"refusal": refusal.pk, "note": refusal.note})
    return refusal


@transaction.atomic
def whole_household_check_record(*, actor, household: Household, checked_on: dt.date, outcome: str,
                                 reason: str) -> WholeHouseholdCheck:
    """Record a whole-household check (整户纳入低保核查): 拟整户纳入 (then raise a referral) or not eligible."""
    _check_actor(actor, household, Action.EDIT_HOUSEHOLDS, _("该家庭不在您的辖区内，不能登记核查。"))
    reason = (reason or "").strip()
    errors = {}
    if outcome not in WholeHouseholdOutcome.values:
        errors["outcome"] = _("请选择核查结论。")
    if not checked_on:
        errors["checked_on"] = _("请填写核查日期。")
    elif checked_on > _today():
        errors["checked_on"] = _("核查日期不能晚于今天。")
    if len(reason) < 4:
        errors["reason"] = (_("请写明不符合整户纳入条件的原因（可向家庭解释的话）。")
                            if outcome == WholeHouseholdOutcome.NOT_ELIGIBLE else _("请写明拟整户纳入的理由。"))
    if errors:
        raise ValidationError(errors)
    check = WholeHouseholdCheck.objects.create(
        household=household, checked_on=checked_on, outcome=outcome, reason=reason,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    event_record(household=household, kind=EventKind.OTHER, actor=actor, field="whole_household_check",
                 new_value=_("整户纳入低保核查：%(o)s") % {"o": check.get_outcome_display()},
                 data={"check": check.pk, "reason": reason[:200]})
    return check
