"""Writes for the assistants' support (协理员履职保障): re-exported by ledgers.services, callers import from there.

Each records one fact about one assistant (a caseworker account of a village): the township's staff do it for
their villages' assistants (access.keeps_township_people_of); another jurisdiction's assistant answers 404. Bad
input raises ValidationError with a Chinese message per field; django-auditlog records each row.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access
from relief.access import Action
from relief.models import Role, User
from relief.months import month_start

from .models_support import (
    AllowanceKind, AssistantAllowance, AssistantEquipment, AssistantInsurance, AssistantTraining, EquipmentKind,
)


def _assistant_kept_by(actor, assistant: User | int) -> User:
    pk = assistant.pk if isinstance(assistant, User) else int(assistant)
    found = User.objects.select_related("jurisdiction").filter(pk=pk, role=Role.CASEWORKER, is_active=True).first()
    if found is None or found.jurisdiction_id is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    access.check(actor, Action.VIEW, found.jurisdiction_id)
    if not access.keeps_township_people_of(actor, found.jurisdiction.parent_id):
        raise ValidationError(_("协理员的培训、保险、装备和补贴由乡镇（街道）民政工作人员登记。"))
    return found


def _date(value, field: str, message: str, *, not_after_today: bool = False) -> dt.date:
    if not isinstance(value, dt.date):
        raise ValidationError({field: message})
    if not_after_today and value > timezone.localdate():
        raise ValidationError({field: _("日期不能晚于今天。")})
    return value


def _text(value, field: str, message: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > limit:
        raise ValidationError({field: _("不能超过%(n)s字。") % {"n": limit}})
    return value


def _positive(value, field: str, message: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: message}) from None
    if amount <= 0:
        raise ValidationError({field: message})
    return amount


@transaction.atomic
def assistant_training_add(*, actor, assistant, trained_on: dt.date, topic: str, hours) -> AssistantTraining:
    """The assistant took part in a training (业务培训) on that day."""
    assistant = _assistant_kept_by(actor, assistant)
    return AssistantTraining.objects.create(
        assistant=assistant, recorded_by=actor,
        trained_on=_date(trained_on, "trained_on", _("请填写培训日期。"), not_after_today=True),
        topic=_text(topic, "topic", _("请填写培训内容。"), 200),
        hours=_positive(hours, "hours", _("学时须大于0。")))


@transaction.atomic
def assistant_insurance_add(*, actor, assistant, insurer: str, valid_until: dt.date,
                            policy_number: str = "") -> AssistantInsurance:
    """Accident insurance bought for the assistant, valid until a day (a renewal is a new row)."""
    assistant = _assistant_kept_by(actor, assistant)
    return AssistantInsurance.objects.create(
        assistant=assistant, recorded_by=actor, insurer=_text(insurer, "insurer", _("请填写承保公司。"), 100),
        valid_until=_date(valid_until, "valid_until", _("请填写保险到期日。")),
        policy_number=(policy_number or "").strip()[:60])


@transaction.atomic
def assistant_equipment_issue(*, actor, assistant, kind: str, issued_on: dt.date,
                              description: str = "") -> AssistantEquipment:
    """Equipment (a recorder, a work phone …) handed to the assistant."""
    assistant = _assistant_kept_by(actor, assistant)
    if kind not in EquipmentKind.values:
        raise ValidationError({"kind": _("请选择装备。")})
    return AssistantEquipment.objects.create(
        assistant=assistant, recorded_by=actor, kind=kind, description=(description or "").strip()[:100],
        issued_on=_date(issued_on, "issued_on", _("请填写发放日期。"), not_after_today=True))


@transaction.atomic
def assistant_allowance_add(*, actor, assistant, month: dt.date, kind: str, amount) -> AssistantAllowance:
    """An allowance paid for a month; the same kind twice in one month is refused."""
    assistant = _assistant_kept_by(actor, assistant)
    if kind not in AllowanceKind.values:
        raise ValidationError({"kind": _("请选择补贴类别。")})
    month = month_start(_date(month, "month", _("请填写月份。")))
    amount = _positive(amount, "amount", _("金额须大于0。"))
    if AssistantAllowance.objects.filter(assistant=assistant, month=month, kind=kind).exists():
        raise ValidationError({"month": _("该协理员这个月的这项补贴已登记。")})
    try:
        with transaction.atomic():
            return AssistantAllowance.objects.create(assistant=assistant, recorded_by=actor, month=month, kind=kind,
                                                     amount=amount)
    except IntegrityError:
        raise ValidationError({"month": _("该协理员这个月的这项补贴已登记。")}) from None
