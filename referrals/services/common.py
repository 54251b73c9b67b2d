"""Errors and the shared mechanics of every step: row locks with a version check, step rows, stale alerts."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable

from django.utils import timezone
from django.http import Http404
from django.utils.translation import gettext as _

from relief import access, data_version
from relief.access import Action

from ..models import (
    Lead, Referral, ReferralStatus, ReferralStep, StepAction,
)

from .errors import ReferralConflict, ReferralError
from .rules import _refuse_step, can_step, check_sees_referral


# ---------------------------------------------------------------- helpers
class Clock:
    """The time every step reads. The demo district sets `shift` to play steps out on earlier days (their
    timestamps, date checks and deadlines follow); nothing else changes it."""

    shift = timedelta(0)

    def now(self):
        return timezone.now() - self.shift

    def today(self) -> date:
        return timezone.localdate(self.now())

    @contextmanager
    def days_ago(self, days: int):
        previous, self.shift = self.shift, timedelta(days=days)
        try:
            yield
        finally:
            self.shift = previous


clock = Clock()


def _now():
    return clock.now()


def _today() -> date:
    return clock.today()


def _required(value, field: str, message: str):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ReferralError({field: message})
    return value.strip() if isinstance(value, str) else value


def _money(value, field: str, *, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ReferralError({field: _("请填写金额。")})
        return None
    try:
        amount = Decimal(str(value))
    except Exception:
        raise ReferralError({field: _("金额格式不正确。")}) from None
    if amount < 0:
        raise ReferralError({field: _("金额不能为负数。")})
    if amount > Decimal("99999999"):
        raise ReferralError({field: _("金额过大，请核对。")})
    return amount.quantize(Decimal("0.01"))


def _lock(referral: Referral | int, actor, version: int | None) -> Referral:
    """Lock the referral row, check the actor may see it, and refuse a stale version."""
    pk = referral.pk if isinstance(referral, Referral) else int(referral)
    locked = Referral.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    if actor is not None:
        check_sees_referral(actor, locked)
    if version is not None and int(version) != locked.version:
        last = locked.steps.select_related("actor").order_by("-at", "-pk").first()
        raise ReferralConflict(_(
            "该转办已被%(who)s于%(when)s处理（现为“%(status)s”），您的操作未保存。请刷新页面查看最新情况。") % {
            "who": last.actor.display_name if last and last.actor else _("其他人"),
            "when": timezone.localtime(last.at).strftime("%H:%M:%S") if last else "",
            "status": locked.get_status_display()})
    return locked


def _step(referral: Referral, *, actor, action: str, to_status: str, comment: str = "", data: dict | None = None,
          fields: Iterable[str] = ()) -> Referral:
    """Move the referral to `to_status`, bump its version, save the named fields and write the timeline row."""
    from_status = referral.status
    referral.status = to_status
    referral.version += 1
    referral.updated_at = _now()
    fields = list(fields)
    if to_status != from_status:
        # A new state is a new step: its clock (环节时限, referrals/steplimits.py) starts now.
        referral.step_started_at = referral.updated_at
        fields.append("step_started_at")
    referral.save(update_fields=["status", "version", "updated_at", *fields])
    ReferralStep.objects.create(referral=referral, action=action, from_status=from_status, to_status=to_status,
                                actor=actor, comment=(comment or "").strip(), data=data or {}, at=referral.updated_at)
    data_version.records_changed()
    _close_stale_alerts(referral, action)
    return referral


def _close_stale_alerts(referral: Referral, action: str) -> None:
    """Close, as the system, the deadline alerts this referral no longer deserves.

    The morning job (referrals.tasks) opens an alert per occurrence: a deadline passed while the referral was
    open, help-first paperwork late. Once the referral is decided, returned (the deadline is withdrawn) or
    handed over with a new deadline, or the paperwork is done, that occurrence is over, and an alert left open
    would send someone to chase a case that is finished. One query when there is nothing to close.
    """
    from alerts.models import UNHANDLED_STATUSES, Alert, AlertKind
    from alerts.services import alert_close

    from ..tasks import overdue_key, paperwork_key

    alerts = list(Alert.objects.filter(
        source_ref=f"referral:{referral.pk}", status__in=UNHANDLED_STATUSES,
        kind__in=[AlertKind.REFERRAL_OVERDUE, AlertKind.HELP_FIRST_PAPERWORK_LATE, AlertKind.STEP_OVERDUE]))
    if not alerts:
        return
    from ..steplimits import step_of_referral
    from ..tasks import step_key

    watched = set()
    step_now = step_of_referral(referral)
    if step_now is not None and referral.step_started_at is not None:
        watched.add(step_key(referral.pk, step_now, referral.step_started_at))
    if referral.is_open and referral.deadline and referral.status != ReferralStatus.APPROVAL:
        watched.add(overdue_key(referral.pk, referral.deadline))
    if referral.help_first_on and not referral.paperwork_done_on and referral.paperwork_due:
        watched.add(paperwork_key(referral.pk, referral.paperwork_due))
    step = StepAction(action).label
    for alert in alerts:
        if alert.dedupe_key in watched:
            continue
        if alert.kind == AlertKind.HELP_FIRST_PAPERWORK_LATE:
            note = _("转办%(pk)s先行救助手续已补齐（%(step)s），系统自动关闭。")
        elif alert.kind == AlertKind.STEP_OVERDUE:
            note = _("转办%(pk)s已%(step)s，超时环节已办理（现为“%(status)s”），系统自动关闭。")
        elif not referral.is_open:
            note = _("转办%(pk)s已%(step)s，现为“%(status)s”，不再超期，系统自动关闭。")
        else:
            note = _("转办%(pk)s已%(step)s，原办结期限不再适用，系统自动关闭。")
        alert_close(actor=None, alert=alert, note=note % {
            "pk": referral.pk, "status": referral.get_status_display(), "step": step})


def _close_lead_step_alerts(lead: Lead, note: str) -> None:
    """Close, as the system, the 环节超时 alert of a lead that is no longer waiting to be studied (closed, or
    made a referral, whose own clock takes over)."""
    from alerts.models import UNHANDLED_STATUSES, Alert, AlertKind
    from alerts.services import alert_close

    for alert in Alert.objects.filter(source_ref=f"lead:{lead.pk}", kind=AlertKind.STEP_OVERDUE,
                                      status__in=UNHANDLED_STATUSES):
        alert_close(actor=None, alert=alert, note=note % {"pk": lead.pk})


def _begin(referral, actor, version, action) -> Referral:
    locked = _lock(referral, actor, version)
    if not can_step(actor, locked, action):
        _refuse_step(actor, locked, action)
    return locked


def _save_lead(lead: Lead, fields: list[str]) -> Lead:
    lead.version += 1
    lead.updated_at = _now()
    lead.save(update_fields=[*fields, "version", "updated_at"])
    data_version.records_changed()  # the home cards and dashboards count leads by state
    return lead
