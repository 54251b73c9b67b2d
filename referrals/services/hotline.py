"""Hotline work orders — 热线工单: the hotline's deadlines for a first response and for feedback, and what was
given, recorded by the township office holding the lead (seed 001 §三, 002 §一(三), 004 §二(二)).

    work_order_register(*, actor, lead, number, source, received_at, response_due=None, feedback_due=None)
    work_order_update(*, actor, work_order, version, number, source, received_at, response_due, feedback_due)
    work_order_respond(*, actor, work_order, version, at, text)      # 首次响应: who (actor), when, what
    work_order_feedback(*, actor, work_order, version, at, text)     # 反馈/办结回复, after the response
    work_orders_import(*, actor, rows, audit_detail=None) -> list[Lead]   # the spreadsheet import's write

Each edit locks the work order's row and compares the `version` the form was read at: a stale form or a
second submit of the same one raises ReferralConflict and stores nothing. Recording a response or feedback,
or moving a deadline, closes the work order's 热线工单超时 alerts that no longer hold (the scan in
referrals/tasks.py opens them).
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access, data_version
from relief.access import Action

from ..models import HotlineSource, HotlineWorkOrder, Lead, LeadChannel, Urgency
from .common import _now
from .errors import ReferralConflict, ReferralError
from .leads import LeadDraft, lead_create_many

ALERT_PREFIX = "hotline_overdue:"
TEXT_MAX = 1000
# A received time a little ahead of the server's clock is the hotline system's clock, not the future.
CLOCK_SLACK = dt.timedelta(minutes=10)


def response_hours() -> int:
    return int(getattr(settings, "RELIEF_HOTLINE_RESPONSE_HOURS", 24))


def feedback_days() -> int:
    return int(getattr(settings, "RELIEF_HOTLINE_FEEDBACK_DAYS", 5))


def default_deadlines(received_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """When the hotline gives no deadline: a first response within RELIEF_HOTLINE_RESPONSE_HOURS (24) hours and
    feedback within RELIEF_HOTLINE_FEEDBACK_DAYS (5) days of receipt."""
    return received_at + dt.timedelta(hours=response_hours()), received_at + dt.timedelta(days=feedback_days())


def overdue_key(work_order_id: int, stage: str) -> str:
    """One occurrence: the work order's response (stage "response") or feedback ("feedback") overdue."""
    return f"{ALERT_PREFIX}{work_order_id}:{stage}"


def check_times(*, received_at, response_due, feedback_due, now=None) -> dict[str, str]:
    """The rules of a work order's times, as {field: message} (empty: all good). Shared with the import."""
    now = now or _now()
    errors = {}
    if received_at is None:
        errors["received_at"] = _("请填写受理时间。")
        return errors
    if received_at > now + CLOCK_SLACK:
        errors["received_at"] = _("受理时间不能晚于现在。")
    if response_due is not None and response_due < received_at:
        errors["response_due"] = _("首次响应期限不能早于受理时间。")
    if feedback_due is not None and response_due is not None and feedback_due < response_due:
        errors["feedback_due"] = _("反馈期限不能早于首次响应期限。")
    return errors


def _clean_number(number: str) -> str:
    number = (number or "").strip()
    if not number:
        raise ReferralError({"number": _("请填写工单编号。")})
    if len(number) > 50:
        raise ReferralError({"number": _("工单编号不能超过50个字符。")})
    return number


def numbers_taken(numbers, exclude_lead: int | None = None) -> dict[str, int]:
    """Work-order numbers already registered, {number: lead id}: on a work order, or as the 来源编号 of a hotline
    lead registered before work orders were kept."""
    numbers = list(numbers)
    if not numbers:
        return {}
    taken = dict(HotlineWorkOrder.objects.filter(number__in=numbers).values_list("number", "lead_id"))
    legacy = Lead.objects.filter(channel=LeadChannel.HOTLINE, source_ref__in=numbers)
    if exclude_lead:
        legacy = legacy.exclude(pk=exclude_lead)
    for number, lead_id in legacy.values_list("source_ref", "pk"):
        taken.setdefault(number, lead_id)
    return taken


def _check_number_free(number: str, *, lead_id: int, work_order_id: int | None = None) -> None:
    clash = HotlineWorkOrder.objects.filter(number=number).exclude(pk=work_order_id).values_list("lead_id", flat=True)
    clash = clash.first() or Lead.objects.filter(channel=LeadChannel.HOTLINE, source_ref=number).exclude(
        pk=lead_id).values_list("pk", flat=True).first()
    if clash:
        raise ReferralError({"number": _("工单编号 %(n)s 已登记（线索%(lead)s），一个工单只能登记一次。") % {
            "n": number, "lead": clash}})


def _check_text(text: str, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ReferralError({field: message})
    if len(text) > TEXT_MAX:
        raise ReferralError({field: _("最多 %(n)d 个字。") % {"n": TEXT_MAX}})
    return text


def _may_handle(actor, village_id) -> None:
    access.check(actor, Action.VIEW, village_id)
    if not access.handles_work_orders(actor, village_id):
        raise ReferralError(_("热线工单由线索所在乡镇（街道）民政办登记和回复。"))


def _lock(work_order: HotlineWorkOrder | int, actor, version) -> HotlineWorkOrder:
    pk = work_order.pk if isinstance(work_order, HotlineWorkOrder) else int(work_order)
    locked = HotlineWorkOrder.objects.select_for_update().select_related("lead").filter(pk=pk).first()
    if locked is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    _may_handle(actor, locked.lead.village_id)
    if version is None or str(version) != str(locked.version):
        who = locked.feedback_by or locked.responded_by
        raise ReferralConflict(_("该工单已被他人修改（%(who)s，%(at)s），您的操作未保存。请刷新页面查看后再提交。") % {
            "who": who or _("他人"), "at": timezone.localtime(locked.updated_at).strftime("%Y-%m-%d %H:%M")})
    return locked


def _save(work_order: HotlineWorkOrder, fields: list[str]) -> HotlineWorkOrder:
    work_order.version += 1
    work_order.updated_at = _now()
    work_order.save(update_fields=[*fields, "version", "updated_at"])
    _close_stale_alerts(work_order)
    data_version.records_changed()
    return work_order


def _close_stale_alerts(work_order: HotlineWorkOrder) -> None:
    """Close this work order's unhandled 热线工单超时 alerts that no longer describe it (answered, deadline moved)."""
    from alerts.models import Alert, AlertKind, UNHANDLED_STATUSES
    from alerts.services import alert_close

    current = None
    if work_order.is_overdue():
        current = overdue_key(work_order.pk, "feedback" if work_order.responded_at else "response")
    stale = (Alert.objects.filter(kind=AlertKind.HOTLINE_OVERDUE, status__in=UNHANDLED_STATUSES,
                                  dedupe_key__startswith=f"{ALERT_PREFIX}{work_order.pk}:")
             .exclude(dedupe_key=current or ""))
    for alert in stale:
        if alert.dedupe_key.endswith(":response") and work_order.responded_at:
            note = _("工单%(n)s已于%(at)s首次响应，系统自动关闭。")
            at = work_order.responded_at
        elif work_order.feedback_at:
            note = _("工单%(n)s已于%(at)s反馈，系统自动关闭。")
            at = work_order.feedback_at
        else:
            note, at = _("工单%(n)s的期限已调整，不再超时，系统自动关闭。"), None
        alert_close(actor=None, alert=alert, note=note % {
            "n": work_order.number, "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""})


def _deadlines(received_at, response_due, feedback_due):
    default_response, default_feedback = default_deadlines(received_at)
    response_due = response_due or max(default_response, received_at)
    feedback_due = feedback_due or max(default_feedback, response_due)
    return response_due, feedback_due


def _check_source(source: str) -> str:
    if source not in HotlineSource.values:
        raise ReferralError({"source": _("请选择来源热线。")})
    return source


@transaction.atomic
def work_order_register(*, actor, lead: Lead | int, number: str, source: str = HotlineSource.CITY_12345,
                        received_at=None, response_due=None, feedback_due=None) -> HotlineWorkOrder:
    """Give a hotline lead its work order (a call typed in at 登记线索, or a lead kept before work orders).
    Deadlines left empty follow default_deadlines."""
    pk = lead.pk if isinstance(lead, Lead) else int(lead)
    locked = Lead.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    _may_handle(actor, locked.village_id)
    if locked.channel != LeadChannel.HOTLINE:
        raise ReferralError(_("只有来源为“热线”的线索才有热线工单。"))
    if HotlineWorkOrder.objects.filter(lead=locked).exists():
        raise ReferralConflict(_("该线索已登记热线工单，您的操作未保存。请刷新页面查看。"))
    number = _clean_number(number)
    _check_number_free(number, lead_id=locked.pk)
    received_at = received_at or locked.received_at
    response_due, feedback_due = _deadlines(received_at, response_due, feedback_due)
    errors = check_times(received_at=received_at, response_due=response_due, feedback_due=feedback_due)
    if errors:
        raise ReferralError(errors)
    now = _now()
    work_order = HotlineWorkOrder.objects.create(
        lead=locked, number=number, source=_check_source(source), received_at=received_at,
        response_due=response_due, feedback_due=feedback_due, created_at=now, updated_at=now)
    data_version.records_changed()
    return work_order


@transaction.atomic
def work_order_update(*, actor, work_order: HotlineWorkOrder | int, version, number: str, source: str,
                      received_at, response_due, feedback_due) -> HotlineWorkOrder:
    """Correct the work order's number, hotline, received time or deadlines (the hotline extended one)."""
    work_order = _lock(work_order, actor, version)
    number = _clean_number(number)
    _check_number_free(number, lead_id=work_order.lead_id, work_order_id=work_order.pk)
    errors = check_times(received_at=received_at, response_due=response_due, feedback_due=feedback_due)
    if response_due is None:
        errors.setdefault("response_due", _("请填写首次响应期限。"))
    if feedback_due is None:
        errors.setdefault("feedback_due", _("请填写反馈期限。"))
    if errors:
        raise ReferralError(errors)
    work_order.number, work_order.source = number, _check_source(source)
    work_order.received_at, work_order.response_due, work_order.feedback_due = received_at, response_due, feedback_due
    return _save(work_order, ["number", "source", "received_at", "response_due", "feedback_due"])


def _check_given_at(at, *, after, after_message: str, field: str):
    if at is None:
        raise ReferralError({field: _("请填写时间。")})
    if at > _now() + CLOCK_SLACK:
        raise ReferralError({field: _("时间不能晚于现在。")})
    if at < after:
        raise ReferralError({field: after_message})
    return at


@transaction.atomic
def work_order_respond(*, actor, work_order: HotlineWorkOrder | int, version, at, text: str) -> HotlineWorkOrder:
    """Record the first response given to the caller (首次响应): when, and what was said or done."""
    work_order = _lock(work_order, actor, version)
    if work_order.responded_at:
        raise ReferralConflict(_("该工单已于 %(at)s 由 %(who)s 登记首次响应，您的操作未保存。") % {
            "at": timezone.localtime(work_order.responded_at).strftime("%Y-%m-%d %H:%M"),
            "who": work_order.responded_by or _("他人")})
    work_order.responded_at = _check_given_at(at, after=work_order.received_at, field="at",
                                              after_message=_("响应时间不能早于受理时间。"))
    work_order.response = _check_text(text, "text", _("请写明首次响应的情况（如 已电话联系来电人，约定上门核实）。"))
    work_order.responded_by = actor
    return _save(work_order, ["responded_at", "response", "responded_by"])


@transaction.atomic
def work_order_feedback(*, actor, work_order: HotlineWorkOrder | int, version, at, text: str) -> HotlineWorkOrder:
    """Record the feedback returned to the hotline (反馈/办结回复), after the first response."""
    work_order = _lock(work_order, actor, version)
    if not work_order.responded_at:
        raise ReferralError(_("请先登记首次响应，再登记反馈。"))
    if work_order.feedback_at:
        raise ReferralConflict(_("该工单已于 %(at)s 由 %(who)s 登记反馈，您的操作未保存。") % {
            "at": timezone.localtime(work_order.feedback_at).strftime("%Y-%m-%d %H:%M"),
            "who": work_order.feedback_by or _("他人")})
    work_order.feedback_at = _check_given_at(at, after=work_order.responded_at, field="at",
                                             after_message=_("反馈时间不能早于首次响应时间。"))
    work_order.feedback = _check_text(text, "text", _("请写明反馈给热线的办理结果。"))
    work_order.feedback_by = actor
    return _save(work_order, ["feedback_at", "feedback", "feedback_by"])


def _row_error(row: dict, message: str) -> str:
    return _("第 %(row)s 行：%(m)s") % {"row": row.get("row_number", "?"), "m": message}


@transaction.atomic
def work_orders_import(*, actor, rows: list[dict], audit_detail: dict | None = None) -> list[Lead]:
    """Register one hotline lead with its work order per row of an imported hotline export (all or none).

    Each row: number, source, received_at, response_due, feedback_due (aware datetimes), village_id,
    description, reporter_name, reporter_contact, subject_name, subject_address, urgency, row_number.
    Checked again here, whatever the preview said: every village one the actor imports into and whose work
    orders they handle, every number new (in the rows and in the database). One refused row raises
    ReferralError listing the rows, and nothing is stored.
    """
    if not rows:
        raise ReferralError(_("没有可导入的工单。"))
    rows = [{**row, **dict(zip(("response_due", "feedback_due"), _deadlines(
        row["received_at"], row.get("response_due"), row.get("feedback_due"))))} if row.get("received_at") else row
        for row in rows]
    problems = []
    importable = access.village_ids_for(actor, Action.IMPORT_DATA)
    seen: dict[str, dict] = {}
    for row in rows:
        number = (row.get("number") or "").strip()
        if not number:
            problems.append(_row_error(row, _("缺少工单编号。")))
        elif number in seen:
            problems.append(_row_error(row, _("工单编号与第 %(n)s 行重复。") % {"n": seen[number].get("row_number")}))
        else:
            seen[number] = row
        village_id = row.get("village_id")
        if village_id not in importable or not access.handles_work_orders(actor, village_id):
            problems.append(_row_error(row, _("所属村/社区不在您的辖区内。")))
        errors = check_times(received_at=row.get("received_at"), response_due=row.get("response_due"),
                             feedback_due=row.get("feedback_due"))
        problems.extend(_row_error(row, message) for message in errors.values())
    for number, lead_id in numbers_taken(seen).items():
        problems.append(_row_error(seen[number], _("工单编号 %(n)s 已登记（线索%(lead)s）。") % {
            "n": number, "lead": lead_id}))
    if problems:
        raise ReferralError(problems)
    drafts = [LeadDraft(
        channel=LeadChannel.HOTLINE, description=row["description"], village_id=row["village_id"],
        reporter_name=row.get("reporter_name") or "", reporter_contact=row.get("reporter_contact") or "",
        subject_name=row.get("subject_name") or "", subject_address=row.get("subject_address") or "",
        urgency=row.get("urgency") or Urgency.NORMAL, received_at=row["received_at"],
        dedupe_key=f"hotline:{row['number'].strip()}", source_ref=row["number"].strip()) for row in rows]
    leads = lead_create_many(actor=actor, leads=drafts, audit_detail={
        "import": "hotline_work_orders", "work_orders": sorted(seen), **(audit_detail or {})})
    if not all(getattr(lead, "was_created", False) for lead in leads):
        raise ReferralConflict(_("导入期间有工单已被他人登记，本次未导入任何工单。请重新上传文件查看。"))
    now = _now()
    work_orders = [HotlineWorkOrder(
        lead=lead, number=row["number"].strip(), source=row.get("source") or HotlineSource.CITY_12345,
        received_at=row["received_at"], response_due=row["response_due"], feedback_due=row["feedback_due"],
        created_at=now, updated_at=now) for lead, row in zip(leads, rows)]
    try:
        with transaction.atomic():
            HotlineWorkOrder.objects.bulk_create(work_orders, batch_size=1000)
    except IntegrityError:
        raise ReferralConflict(_("导入期间有工单已被他人登记，本次未导入任何工单。请重新上传文件查看。")) from None
    return leads
