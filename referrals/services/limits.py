"""Step time limits — 环节时限: the district sets how long each step may take, from a date on."""
from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from relief import access, data_version

from ..models import LimitUnit, StepKind, StepLimit, Urgency
from .common import _now
from .errors import ReferralError

MAX_DAYS, MAX_HOURS = 365, 24 * 30


@transaction.atomic
def step_limit_set(*, actor, step: str, urgency: str, amount: int, unit: str, effective_from: date,
                   note: str = "") -> StepLimit:
    """A new limit for one step and urgency, in force for steps started on `effective_from` or later.

    Only the district official (access.sets_step_limits) sets limits. Earlier rows stay as they were (the
    history, and the measure of steps started before); a second limit for the same step, urgency and date
    replaces that day's row, which is kept in the audit log."""
    if not access.sets_step_limits(actor):
        raise ReferralError(_("环节时限由区县民政局设定，您的角色不能修改。"))
    if step not in StepKind.values:
        raise ReferralError({"step": _("请选择环节。")})
    if urgency not in Urgency.values:
        raise ReferralError({"urgency": _("请选择紧急程度。")})
    if unit not in LimitUnit.values:
        raise ReferralError({"unit": _("请选择单位（天或小时）。")})
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        raise ReferralError({"amount": _("时限须为正整数。")}) from None
    if amount < 1:
        raise ReferralError({"amount": _("时限须至少为1。")})
    if amount > (MAX_HOURS if unit == LimitUnit.HOURS else MAX_DAYS):
        raise ReferralError({"amount": _("时限过长：按天不超过365天，按小时不超过720小时。")})
    if effective_from is None:
        raise ReferralError({"effective_from": _("请填写生效日期。")})
    limit, created = StepLimit.objects.select_for_update().get_or_create(
        step=step, urgency=urgency, effective_from=effective_from,
        defaults={"amount": amount, "unit": unit, "note": (note or "").strip()[:300], "created_by": actor,
                  "created_at": _now()})
    if not created:
        limit.amount, limit.unit, limit.note, limit.created_by = amount, unit, (note or "").strip()[:300], actor
        limit.created_at = _now()
        limit.save(update_fields=["amount", "unit", "note", "created_by", "created_at"])
    data_version.records_changed()  # the supervision counts read the limits
    return limit


@transaction.atomic
def step_limits_seed_defaults() -> int:
    """The default limits (steplimits.DEFAULT_LIMITS, as the data migration seeds them) where a step and urgency
    has none: for a database whose tables were emptied (the demo, tests). Returns how many were added."""
    from ..steplimits import DEFAULT_LIMITS, DEFAULTS_FROM, DEFAULTS_NOTE

    added = 0
    for step, by_urgency in DEFAULT_LIMITS.items():
        for urgency, (amount, unit) in by_urgency.items():
            if not StepLimit.objects.filter(step=step, urgency=urgency).exists():
                StepLimit.objects.create(step=step, urgency=urgency, amount=amount, unit=unit,
                                         effective_from=DEFAULTS_FROM, note=DEFAULTS_NOTE)
                added += 1
    return added
