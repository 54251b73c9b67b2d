"""Writes of service kinds (服务类型, seed 003 §二(三)2): the one owner of ServiceRecord and its goals, notes
and contacts. Lives in plans beside the needs and 一户一策 it serves, and above alerts, so it can read the
status-change alerts that call a kind into question and open its own alerts through alerts.services.

    service_start(*, actor, household, kind, started_on, reason, current_id, version, case_worker=None,
                  organisation=None, cadence="") -> ServiceRecord
        Starts a kind; the current record (if any) ends that day with the same reason. `current_id` and
        `version` are the current record the form showed (None when it showed none): another change
        since → refused.
    service_review(*, actor, record, note, version) -> ServiceRecord   # the kind is kept, confirmed now
    service_end(*, actor, record, ended_on, reason, version) -> ServiceRecord
    service_goal_add(*, actor, record, text, target_on, version) -> ServiceGoal          # 转介 only
    service_goal_update(*, actor, goal, status, note, version) -> ServiceGoal
    service_note_add(*, actor, record, noted_on, note, version) -> ServiceNote
    service_contact_log(*, actor, record, contacted_on, method, note, version) -> ServiceContact  # 跟踪联系
    service_scan(*, day=None) -> dict      # job: contact-due and service-review alerts, opened and closed

Every write checks the actor may edit the household (else Http404), raises ServiceError (Chinese) on bad
input, and raises the record's version. django-auditlog records every row written.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.models import Alert, AlertKind, AlertStatus, UNHANDLED_STATUSES
from alerts.reasons import choice_reader, reason_fields, register_reason
from alerts.services import alert_close, alerts_close_except, alerts_open_many
from households.models import Cadence, Household
from relief import access
from relief.access import Action
from relief.models import Role, User
from relief.months import add_months

from .service_models import (
    ContactMethod, GoalStatus, ServiceContact, ServiceGoal, ServiceNote, ServiceRecord, ServiceType,
)

CASE_WORKER_ROLES = (Role.CASEWORKER, Role.TOWNSHIP)


class ServiceError(ValidationError):
    """Refused: bad input or a rule of the domain. Nothing was stored."""


def _check(actor, household: Household) -> None:
    if actor is not None:
        access.check(actor, Action.EDIT_HOUSEHOLDS, household.village_id)


def _locked(record: ServiceRecord, version) -> ServiceRecord:
    locked = ServiceRecord.objects.select_for_update().select_related("household").get(pk=record.pk)
    if version is None or int(version) != locked.version:
        raise ServiceError(_("该户的服务类型记录已被他人修改，您的提交未保存。请刷新页面后重新填写。"))
    return locked


def _bump(record: ServiceRecord, *fields: str) -> None:
    record.version += 1
    record.updated_at = timezone.now()
    record.save(update_fields=["version", "updated_at", *fields])


def _not_future(day, field: str) -> None:
    if day is None:
        raise ServiceError({field: _("请填写日期。")})
    if day > timezone.localdate():
        raise ServiceError({field: _("日期不能晚于今天。")})


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError({field: message})
    return value


def case_worker_choices(household: Household):
    """Staff who may carry a 转介 case: active caseworkers and township staff serving the household's
    village or its township."""
    village = household.village
    return (User.objects.filter(is_active=True, role__in=CASE_WORKER_ROLES,
                                jurisdiction_id__in=[village.pk, village.parent_id])
            .order_by("role", "full_name", "username"))


def _close_household_alerts(actor, household_id: int, kind: str, note: str) -> None:
    for alert in Alert.objects.filter(household_id=household_id, kind=kind, status__in=UNHANDLED_STATUSES):
        alert_close(actor=actor, alert=alert, note=note)


@transaction.atomic
def service_start(*, actor, household: Household, kind: str, started_on: dt.date, reason: str, current_id,
                  version, case_worker: User | None = None, organisation=None, cadence: str = "") -> ServiceRecord:
    _check(actor, household)
    household = Household.objects.select_for_update().select_related("village").get(pk=household.pk)
    current = ServiceRecord.objects.current().filter(household=household).first()
    if (current.pk if current else None) != (int(current_id) if current_id else None) or (
            current is not None and (version is None or int(version) != current.version)):
        raise ServiceError(_("该户的服务类型已被他人修改，您的提交未保存。请刷新页面后重新填写。"))
    if kind not in ServiceType.values:
        raise ServiceError({"kind": _("请选择服务类型。")})
    reason = _text(reason, "reason", _("请写明为什么确定这一服务类型。"))
    _not_future(started_on, "started_on")
    if current is not None:
        if current.kind == kind:
            raise ServiceError({"kind": _("该户当前已是“%(k)s”；情况未变请用“复核”确认。") % {
                "k": current.get_kind_display()}})
        if started_on < current.started_on:
            raise ServiceError({"started_on": _("开始日期不能早于当前服务类型的开始日期（%(d)s）。") % {
                "d": f"{current.started_on:%Y-%m-%d}"}})
    if kind == ServiceType.REFERRAL:
        if case_worker is None:
            raise ServiceError({"case_worker": _("转介服务须指定责任社工（本村或本乡镇的工作人员）。")})
        if not case_worker_choices(household).filter(pk=case_worker.pk).exists():
            raise ServiceError({"case_worker": _("责任社工须为本村或本乡镇在岗的工作人员。")})
    else:
        case_worker, organisation = None, None
    if kind == ServiceType.TRACKING:
        if cadence not in Cadence.values:
            raise ServiceError({"cadence": _("跟踪联系服务须选择联系频次。")})
    else:
        cadence = ""
    if organisation is not None and not organisation.villages.filter(pk=household.village_id).exists():
        raise ServiceError({"organisation": _("所选社会组织不服务本村（社区）。")})
    if current is not None:
        current.ended_on, current.end_reason, current.ended_by = started_on, reason[:300], actor
        current.next_contact_on = None
        _bump(current, "ended_on", "end_reason", "ended_by", "next_contact_on")
        _close_household_alerts(actor, household.pk, AlertKind.CONTACT_DUE, _("服务类型已调整。"))
    record = ServiceRecord.objects.create(
        household=household, kind=kind, started_on=started_on, decided_by=actor, reason=reason[:300],
        case_worker=case_worker, organisation=organisation, cadence=cadence,
        next_contact_on=add_months(started_on, Cadence.months_of(cadence)) if cadence else None)
    _close_household_alerts(actor, household.pk, AlertKind.SERVICE_REVIEW_DUE, _("服务类型已重新确定。"))
    return record


@transaction.atomic
def service_review(*, actor, record: ServiceRecord, note: str, version) -> ServiceRecord:
    """The family's circumstances were looked at again and the kind stays: noted, and no longer due."""
    _check(actor, record.household)
    record = _locked(record, version)
    if not record.is_current:
        raise ServiceError(_("该服务类型已结束，不能复核。"))
    note = _text(note, "note", _("请写明复核情况。"))
    ServiceNote.objects.create(record=record, noted_on=timezone.localdate(), by=actor,
                               note=(_("复核服务类型，维持“%(k)s”：") % {"k": record.get_kind_display()} + note)[:500])
    record.reviewed_at = timezone.now()
    _bump(record, "reviewed_at")
    _close_household_alerts(actor, record.household_id, AlertKind.SERVICE_REVIEW_DUE, _("已复核服务类型。"))
    return record


@transaction.atomic
def service_end(*, actor, record: ServiceRecord, ended_on: dt.date, reason: str, version) -> ServiceRecord:
    _check(actor, record.household)
    record = _locked(record, version)
    if not record.is_current:
        raise ServiceError(_("该服务类型已结束。"))
    reason = _text(reason, "reason", _("请写明结束服务的理由。"))
    _not_future(ended_on, "ended_on")
    if ended_on < record.started_on:
        raise ServiceError({"ended_on": _("结束日期不能早于开始日期。")})
    record.ended_on, record.end_reason, record.ended_by, record.next_contact_on = ended_on, reason[:300], actor, None
    _bump(record, "ended_on", "end_reason", "ended_by", "next_contact_on")
    for kind in (AlertKind.CONTACT_DUE, AlertKind.SERVICE_REVIEW_DUE):
        _close_household_alerts(actor, record.household_id, kind, _("服务已结束。"))
    return record


@transaction.atomic
def service_goal_add(*, actor, record: ServiceRecord, text: str, target_on: dt.date, version) -> ServiceGoal:
    _check(actor, record.household)
    record = _locked(record, version)
    if not record.is_current or record.kind != ServiceType.REFERRAL:
        raise ServiceError(_("只有正在进行的转介服务可以登记服务目标。"))
    text = _text(text, "text", _("请填写服务目标。"))
    if target_on is None:
        raise ServiceError({"target_on": _("请填写目标日期。")})
    if target_on < record.started_on:
        raise ServiceError({"target_on": _("目标日期不能早于转介服务开始日期。")})
    goal = ServiceGoal.objects.create(record=record, text=text[:300], target_on=target_on, created_by=actor)
    _bump(record)
    return goal


@transaction.atomic
def service_goal_update(*, actor, goal: ServiceGoal, status: str, note: str, version) -> ServiceGoal:
    _check(actor, goal.record.household)
    record = _locked(goal.record, version)
    goal = ServiceGoal.objects.select_for_update().get(pk=goal.pk)
    if status not in (GoalStatus.ACHIEVED, GoalStatus.NOT_ACHIEVED, GoalStatus.OPEN):
        raise ServiceError({"status": _("请选择目标状态。")})
    if status != GoalStatus.OPEN:
        note = _text(note, "note", _("请写明目标达成或未达成的情况。"))
    goal.status, goal.status_note = status, (note or "").strip()[:300]
    goal.closed_on = None if status == GoalStatus.OPEN else timezone.localdate()
    goal.save(update_fields=["status", "status_note", "closed_on"])
    _bump(record)
    return goal


@transaction.atomic
def service_note_add(*, actor, record: ServiceRecord, noted_on: dt.date, note: str, version) -> ServiceNote:
    _check(actor, record.household)
    record = _locked(record, version)
    if not record.is_current:
        raise ServiceError(_("该服务类型已结束，不能再登记跟进记录。"))
    _not_future(noted_on, "noted_on")
    note = _text(note, "note", _("请填写跟进情况。"))
    row = ServiceNote.objects.create(record=record, noted_on=noted_on, note=note[:500], by=actor)
    _bump(record)
    return row


@transaction.atomic
def service_contact_log(*, actor, record: ServiceRecord, contacted_on: dt.date, method: str, note: str,
                        version) -> ServiceContact:
    _check(actor, record.household)
    record = _locked(record, version)
    if not record.is_current or record.kind != ServiceType.TRACKING:
        raise ServiceError(_("只有正在进行的跟踪联系服务可以登记联系记录。"))
    _not_future(contacted_on, "contacted_on")
    if contacted_on < record.started_on:
        raise ServiceError({"contacted_on": _("联系日期不能早于跟踪联系服务开始日期。")})
    if method not in ContactMethod.values:
        raise ServiceError({"method": _("请选择联系方式。")})
    note = _text(note, "note", _("请填写联系情况。"))
    contact = ServiceContact.objects.create(record=record, contacted_on=contacted_on, method=method,
                                            note=note[:500], by=actor)
    latest = max(contacted_on, *record.contacts.values_list("contacted_on", flat=True))
    record.next_contact_on = add_months(latest, Cadence.months_of(record.cadence))
    _bump(record, "next_contact_on")
    if not record.contact_due:
        _close_household_alerts(actor, record.household_id, AlertKind.CONTACT_DUE, _("已联系。"))
    return contact


def review_due_expression(prefix: str = ""):
    """True when a status-change alert opened for the household after the kind was last decided or
    confirmed: the family's circumstances changed, the kind is due for review."""
    return Exists(Alert.objects.filter(kind=AlertKind.STATUS_CHANGE, household_id=OuterRef(f"{prefix}household_id"),
                                       opened_at__gt=OuterRef(f"{prefix}reviewed_at")))


def _caseworker_of(record: ServiceRecord):
    h = record.household
    for candidate in (record.case_worker, h.caseworker):
        if candidate is not None and candidate.jurisdiction_id == h.village_id:
            return candidate
    return None


CONTACT_DUE_REASON, SERVICE_REVIEW_REASON = "service_contact_due", "service_review_due"


def register_alert_reasons() -> None:
    """The scan's alert reasons, worded in each reader's language (alerts/reasons.py); from PlansConfig.ready."""
    register_reason(CONTACT_DUE_REASON, gettext_lazy("跟踪联系服务（%(c)s）应于 %(d)s 前联系。"), c=choice_reader(Cadence))
    register_reason(SERVICE_REVIEW_REASON, gettext_lazy("家庭情况发生变化，请复核服务类型（当前：%(k)s）。"),
                    k=choice_reader(ServiceType))


@transaction.atomic
def service_scan(*, day: dt.date | None = None) -> dict:
    """Opens a 跟踪联系到期 alert for each tracking household whose next contact is due, and a 服务类型待复核
    alert for each household whose circumstances changed since its kind was decided; closes those that no
    longer hold. Idempotent: the keys name the due date and the review they question."""
    day = day or timezone.localdate()
    current = ServiceRecord.objects.current().select_related("household__caseworker", "case_worker")
    due = list(current.filter(kind=ServiceType.TRACKING, next_contact_on__lte=day))
    review = list(current.annotate(review_due=review_due_expression()).filter(review_due=True))
    contact_keys = {f"contact_due:{r.pk}:{r.next_contact_on:%Y-%m-%d}": r for r in due}
    review_keys = {f"service_review:{r.pk}:{r.reviewed_at:%Y%m%d%H%M%S}": r for r in review}
    opened = alerts_open_many(alerts=[
        Alert(kind=AlertKind.CONTACT_DUE, household_id=r.household_id, dedupe_key=key, caseworker=_caseworker_of(r),
              **reason_fields(CONTACT_DUE_REASON, c=r.cadence, d=f"{r.next_contact_on:%Y-%m-%d}"))
        for key, r in contact_keys.items()] + [
        Alert(kind=AlertKind.SERVICE_REVIEW_DUE, household_id=r.household_id, dedupe_key=key,
              caseworker=_caseworker_of(r), **reason_fields(SERVICE_REVIEW_REASON, k=r.kind))
        for key, r in review_keys.items()])
    closed = (alerts_close_except(kind=AlertKind.CONTACT_DUE, keep_dedupe_keys=list(contact_keys),
                                  note=_("已不再到期。"))
              + alerts_close_except(kind=AlertKind.SERVICE_REVIEW_DUE, keep_dedupe_keys=list(review_keys),
                                    note=_("服务类型已复核。")))
    return {"opened": opened, "closed": closed, "contact_due": len(due), "review_due": len(review)}
