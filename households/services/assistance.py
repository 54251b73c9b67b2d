"""Assistance received: start and end, with the category change it makes."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _


from ..models import (
    AssistanceRecord, AssistanceType, EventKind, EventSource, Household, Member,
)
from .checks import quarterly_check_after_assistance_end
from .common import _category_event, _check_model, _current_types, _to_decimal, _today, _touch, event_record


# ------------------------------------------------------------------------------------------ assistance
@transaction.atomic
def assistance_add(
    *, actor, household: Household, type: str, start_date: dt.date, monthly_amount=0, member: Member | None = None,
    end_date: dt.date | None = None, note: str = "", source: str = EventSource.EDIT, source_ref: str = "",
) -> AssistanceRecord:
    """Record assistance a household (or one member) receives."""
    errors = {}
    if type not in AssistanceType.values:
        errors["type"] = _("请选择救助类型。")
    if not start_date:
        errors["start_date"] = _("请填写开始日期。")
    if end_date and start_date and end_date < start_date:
        errors["end_date"] = _("结束日期不能早于开始日期。")
    if member is not None and member.household_id != household.pk:
        errors["member"] = _("该成员不属于这户家庭。")
    try:
        amount = _to_decimal(monthly_amount or 0, "monthly_amount", _("月救助金额"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    before = _current_types(household.pk)
    record = AssistanceRecord(household=household, member=member, type=type, start_date=start_date,
                              end_date=end_date, monthly_amount=amount, note=(note or "")[:200])
    _check_model(record, exclude=["household", "member"])
    record.save()
    event_record(household=household, member=member, kind=EventKind.ASSISTANCE_STARTED, actor=actor, source=source,
                 source_ref=source_ref, field="assistance", new_value=record.get_type_display(),
                 data={"record": record.pk, "start": start_date.isoformat(), "amount": str(amount)})
    _category_event(household=household, before=before, actor=actor, source=source, source_ref=source_ref)
    _touch(household)
    return record


@transaction.atomic
def assistance_end(
    *, actor, record: AssistanceRecord, end_date: dt.date, note: str = "", source: str = EventSource.EDIT,
    source_ref: str = "",
) -> AssistanceRecord:
    """End running assistance (termination, exit from 低保, expiry)."""
    current = AssistanceRecord.objects.select_for_update().select_related("household").get(pk=record.pk)
    if current.end_date is not None and current.end_date <= _today():
        raise ValidationError({"end_date": _("该救助已于 %(d)s 终止。") % {"d": current.end_date}})
    if not end_date or end_date < current.start_date:
        raise ValidationError({"end_date": _("终止日期不能早于开始日期（%(d)s）。") % {"d": current.start_date}})
    household = current.household
    before = _current_types(household.pk)
    current.end_date = end_date
    if note:
        current.note = (f"{current.note}；{note}" if current.note else note)[:200]
    current.save(update_fields=["end_date", "note"])
    event_record(household=household, member=current.member, kind=EventKind.ASSISTANCE_ENDED, actor=actor,
                 source=source, source_ref=source_ref, field="assistance", old_value=current.get_type_display(),
                 data={"record": current.pk, "end": end_date.isoformat(), "note": note})
    _category_event(household=household, before=before, actor=actor, source=source, source_ref=source_ref)
    # Seed 003 §二(二)2: a family that leaves 低保/特困/低收入 is checked every quarter.
    quarterly_check_after_assistance_end(actor=actor, record=current, source=source, source_ref=source_ref)
    _touch(household)
    record.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


