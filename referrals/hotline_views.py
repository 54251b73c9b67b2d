"""Hotline work-order pages (热线工单): the township's list, the work order's forms on the lead page, and the
import of a hotline system's export (upload → preview → confirm). Thin: services.hotline holds the rules."""
from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from imports.reader import FileRejected
from relief import access
from relief.access import Action, access_rule
from relief.audit import AuditEvent, audit_record
from relief.models import Role
from relief.watermark import watermark_text
from relief.xlsx import Column, Sheet, write_workbook

from . import hotline_import as hotline_file
from . import services
from .selectors import work_orders_for
from .hotline_forms import HotlineImportForm, WorkOrderAnswerForm, WorkOrderFilterForm, WorkOrderForm
from .models import HotlineWorkOrder, Lead, LeadChannel

READERS = [Role.TOWNSHIP, Role.DISTRICT]
STAFF = [Role.CASEWORKER, Role.TOWNSHIP, Role.DISTRICT]


@access_rule(Action.VIEW, roles=READERS)
def work_order_list(request):
    """热线工单: filter 已超时 / 待首次响应 / 待反馈 / 已反馈, and by village."""
    villages = access.villages_for(request.user, Action.VIEW).order_by("code")
    form = WorkOrderFilterForm(request.GET or None, villages=villages)
    filters = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    orders = work_orders_for(request.user).stage(filters.get("stage") or "", now)
    if filters.get("village"):
        orders = orders.filter(lead__village=filters["village"])
    page = Paginator(orders, 30).get_page(request.GET.get("page"))
    for order in page:
        order.overdue_now = order.is_overdue(now)
    return TemplateResponse(request, "referrals/work_order_list.html", {
        "form": form, "page": page, "now": now,
        "may_import": access.may_open(request.user, "referrals:hotline_import")})


def work_order_context(user, lead: Lead) -> dict:
    """What the lead page shows of its work order, and the forms the township holding the lead may use."""
    order = HotlineWorkOrder.objects.filter(lead=lead).select_related("responded_by", "feedback_by").first()
    may = access.handles_work_orders(user, lead.village_id)
    context = {"work_order": order, "may_edit_work_order": may and order is not None,
               "work_order_overdue": bool(order and order.is_overdue())}
    if order is None:
        if may and lead.channel == LeadChannel.HOTLINE:
            due_response, due_feedback = services.default_deadlines(lead.received_at)
            context["work_order_new_form"] = WorkOrderForm(initial={
                "number": lead.source_ref, "received_at": timezone.localtime(lead.received_at),
                "response_due": timezone.localtime(due_response), "feedback_due": timezone.localtime(due_feedback)})
        return context
    if may:
        context["work_order_form"] = WorkOrderForm(initial={
            "number": order.number, "source": order.source, "received_at": timezone.localtime(order.received_at),
            "response_due": timezone.localtime(order.response_due),
            "feedback_due": timezone.localtime(order.feedback_due)})
        if not order.responded_at:
            context["respond_form"] = WorkOrderAnswerForm(label=_("首次响应情况"), prefix="respond")
        elif not order.feedback_at:
            context["feedback_form"] = WorkOrderAnswerForm(label=_("反馈（办结回复）内容"), prefix="feedback")
    return context


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for messages_ in exc.message_dict.values() for m in messages_]
    return exc.messages


def _form_errors(form) -> ValidationError:
    return ValidationError([f"{form.fields[f].label if f in form.fields else ''}：{e}" if f != "__all__" else e
                            for f, errors in form.errors.items() for e in errors])


# Who may write is the service's to say (access.handles_work_orders): a village's caseworker is told so in
# words, another township's lead is a 404, as on the lead page's other actions.
@access_rule(Action.VIEW, roles=STAFF)
@require_POST
def work_order_register(request, pk):
    lead = get_object_or_404(access.scope(Lead.objects.all(), request.user, Action.VIEW), pk=pk)
    form = WorkOrderForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_errors(form)
        services.work_order_register(actor=request.user, lead=lead, **form.cleaned_data)
        messages.success(request, _("热线工单已登记。"))
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    return redirect("referrals:lead_detail", pk=lead.pk)


@access_rule(Action.VIEW, roles=STAFF)
@require_POST
def work_order_action(request, pk, action):
    order = get_object_or_404(access.scope(HotlineWorkOrder.objects.all(), request.user, Action.VIEW,
                                           field="lead__village"), pk=pk)
    version = request.POST.get("version")
    try:
        if action == "edit":
            form = WorkOrderForm(request.POST)
            if not form.is_valid():
                raise _form_errors(form)
            services.work_order_update(actor=request.user, work_order=order, version=version, **form.cleaned_data)
            messages.success(request, _("工单信息已保存。"))
        elif action in ("respond", "feedback"):
            form = WorkOrderAnswerForm(request.POST, prefix=action)
            if not form.is_valid():
                raise _form_errors(form)
            write = services.work_order_respond if action == "respond" else services.work_order_feedback
            write(actor=request.user, work_order=order, version=version, **form.cleaned_data)
            messages.success(request, _("已登记首次响应。") if action == "respond" else _("已登记反馈，工单办结。"))
        else:
            raise Http404(_("未找到该操作。"))
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    return redirect("referrals:lead_detail", pk=order.lead_id)


# ---------------------------------------------------------------- import
def _import_page(request, *, form=None, checked=None, refused: list[str] | None = None):
    outcome = checked.outcome if checked else None
    return TemplateResponse(request, "referrals/hotline_import.html", {
        "form": form or HotlineImportForm(), "checked": checked, "outcome": outcome, "refused": refused or [],
        "columns": hotline_file.HOTLINE_COLUMNS, "explanation": hotline_file.explanation()})


@access_rule(Action.IMPORT_DATA, roles=[Role.TOWNSHIP])
def hotline_import(request):
    """Upload a hotline export and see the dry run: rows to import, errors by row and column. Nothing is written."""
    if request.method != "POST":
        return _import_page(request)
    form = HotlineImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form=form)
    checked = hotline_file.check_upload(actor=request.user, upload=form.cleaned_data["file"])
    outcome = checked.outcome
    audit_record(event=AuditEvent.IMPORT, actor=request.user, model=HotlineWorkOrder, request=request,
                 description=f"{_('热线工单')}：{checked.file_name}"[:200],
                 detail={"what": "checked", "kind": hotline_file.KIND, "sha256": checked.sha256,
                         "size": checked.file_size, "rows": outcome.total_rows, "new": outcome.new,
                         "errors": outcome.error_rows, "file_error": outcome.file_error[:200]})
    return _import_page(request, form=HotlineImportForm(), checked=checked)


@access_rule(Action.IMPORT_DATA, roles=[Role.TOWNSHIP])
@require_POST
def hotline_import_confirm(request):
    """Write what the preview showed, checked again: every row, or none."""
    try:
        rows, meta = hotline_file.load_plan(request.POST.get("plan", ""), request.user)
        leads = services.work_orders_import(actor=request.user, rows=rows, audit_detail=meta)
    except FileRejected as exc:
        return _import_page(request, refused=[str(exc)])
    except ValidationError as exc:
        return _import_page(request, refused=_errors(exc))
    audit_record(event=AuditEvent.IMPORT, actor=request.user, model=HotlineWorkOrder, request=request,
                 description=f"{_('热线工单')}：{meta['file_name']}"[:200],
                 detail={"what": "imported", "kind": hotline_file.KIND, "sha256": meta["sha256"],
                         "rows": len(rows), "new": len(leads)})
    messages.success(request, _("已导入 %(n)d 个热线工单，每个工单登记为一条热线线索。") % {"n": len(leads)})
    return redirect(f"{_list_url()}?stage=awaiting_response")


def _list_url() -> str:
    from django.urls import reverse

    return reverse("referrals:work_orders")


@access_rule(Action.IMPORT_DATA, roles=[Role.TOWNSHIP])
def hotline_template(request):
    """The template of a hotline export: the columns the import reads, one example row, and how to fill it."""
    headers, examples = hotline_file.template_rows()
    buffer = io.BytesIO()
    write_workbook(buffer, title=_("热线工单导入模板"), subtitle=_("第3行为列名，请勿修改；第4行是示例，导入前请删除。"), sheets=[
        Sheet(title=_("数据"), columns=[Column(h, width=18) for h in headers], rows=examples,
              heading=_("热线工单导入模板")),
        Sheet(title=_("填写说明"), columns=[Column(_("列名"), 16), Column(_("是否必填"), 10), Column(_("填写说明"), 60)],
              rows=hotline_file.explanation(), heading=_("填写说明")),
    ], watermark=watermark_text(request.user))
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename=\"hotline-work-orders.xlsx\"; " \
                                       "filename*=UTF-8''%E7%83%AD%E7%BA%BF%E5%B7%A5%E5%8D%95%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    return response
