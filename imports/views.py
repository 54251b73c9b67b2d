"""Pages of the imports app: upload → dry run → preview → confirm, records, department-data leads."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from relief import access, jobs
from relief.access import Action, access_rule
from relief.audit import AuditEvent, audit_record
from relief.http import safe_redirect_target
from relief.models import Role
from relief.watermark import watermark_text

from . import services
from .forms import LeadFilterForm, LeadReviewForm, RecordFilterForm, UploadForm
from .models import FeedMatch, FeedRecord, ImportBatch, ImportKind, ImportStatus
from .reader import FileRejected, SheetReader, sniff
from .spreadsheets import error_workbook, template_workbook
from .tasks import import_batch, validate_batch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _batches(user, action=Action.VIEW):
    """Import records the user may see (or act on): those of jurisdictions they cover."""
    return ImportBatch.objects.filter(jurisdiction_id__in=access.jurisdiction_ids_for(user, action))


def _batch(request, pk, action=Action.VIEW) -> ImportBatch:
    return get_object_or_404(_batches(request.user, action).select_related("created_by", "confirmed_by",
                                                                           "jurisdiction", "duplicate_of"), pk=pk)


@access_rule(Action.IMPORT_DATA, roles=[Role.TOWNSHIP, Role.ADMIN])
def index(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        batch = services.batch_upload(
            actor=request.user, kind=data["kind"], upload=data["file"], feed_kind=data.get("feed_kind") or "",
            source_department=data.get("source_department") or "", data_date=data.get("data_date"), request=request)
        if batch.status == ImportStatus.REJECTED:
            form.add_error("file", batch.message)
        else:
            if batch.duplicate_of_id:
                messages.warning(request, _("这个文件与导入记录 #%(n)d 完全相同（%(when)s 上传）。请确认没有重复导入。") % {
                    "n": batch.duplicate_of_id, "when": f"{batch.duplicate_of.created_at:%Y-%m-%d %H:%M}"})
            if services.runs_in_background(batch):
                jobs.enqueue(validate_batch, batch.pk)
            else:
                services.batch_validate(batch_id=batch.pk)
            return redirect("imports:detail", pk=batch.pk)
    recent = _batches(request.user).select_related("created_by")[:10]
    return TemplateResponse(request, "imports/index.html", {
        "form": form, "recent": recent, "kinds": ImportKind.choices,
    }, status=400 if request.method == "POST" else 200)


@access_rule(Action.IMPORT_DATA, roles=[Role.TOWNSHIP, Role.ADMIN])
def template_download(request, kind):
    if kind not in ImportKind.values:
        raise Http404(_("没有这种导入模板。"))
    response = HttpResponse(template_workbook(kind, watermark=watermark_text(request.user)), content_type=XLSX)
    name = _("%(kind)s导入模板.xlsx") % {"kind": ImportKind(kind).label}
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@access_rule(Action.VIEW)
def detail(request, pk):
    batch = _batch(request, pk)
    can_act = access.can(request.user, Action.IMPORT_DATA, batch.jurisdiction_id)
    errors = batch.errors[:200]
    preview = _preview(batch)
    previewed = {row["number"] for row in preview}
    context = {"batch": batch, "can_act": can_act, "more_errors": len(batch.errors) - len(errors),
               "errors": [{"row": row, "column": column, "message": message, "in_preview": row in previewed}
                          for row, column, message in errors],
               "preview": preview, "preview_has_errors": any(row["errors"] for row in preview),
               "progress": _progress(batch), "job_dead": services.job_is_dead(batch)}
    return TemplateResponse(request, "imports/detail.html", context)


def _preview(batch) -> list[dict]:
    """The preview rows, each with its errors, and every cell with the error found in it (if any)."""
    headers = batch.preview.get("headers") or []
    by_row: dict[int, list] = {}
    for row, column, message in batch.errors:
        by_row.setdefault(row, []).append((column, message))
    rows = []
    for values in batch.preview.get("rows") or []:
        number, cells = values[0], values[1:]
        problems = by_row.get(number, [])
        rows.append({"number": number, "errors": [{"column": c, "message": m} for c, m in problems], "cells": [
            {"value": value, "error": "；".join(m for c, m in problems if c == header)}
            for header, value in zip(headers, cells)]})
    return rows


def _progress(batch) -> dict:
    data = services.progress_get(batch.pk) or {}
    total = data.get("total") or batch.total_rows or 0
    done = min(data.get("done") or 0, total) if total else 0
    if batch.status == ImportStatus.DONE:
        done = total
    percent = int(done * 100 / total) if total else (100 if not batch.is_running else 0)
    if batch.is_waiting_for_worker:
        return {"done": 0, "total": total, "percent": 0, "phase": _("排队中，等待后台处理"), "waiting": True}
    phase = {"validate": _("正在校验"), "import": _("正在导入")}.get(data.get("phase"), batch.get_status_display())
    return {"done": done, "total": total, "percent": percent, "phase": phase, "waiting": False}


@access_rule(Action.VIEW)
def progress(request, pk):
    """The htmx-polled progress bar; when the job is over the whole page reloads to show the result."""
    batch = _batch(request, pk)
    if not batch.is_running and request.htmx:
        return HttpResponseClientRefresh()
    return TemplateResponse(request, "imports/detail.html#progress", {"batch": batch, "progress": _progress(batch)})


@access_rule(Action.VIEW)
@require_POST
def confirm(request, pk):
    batch = _batch(request, pk, Action.IMPORT_DATA)
    try:
        batch = services.batch_confirm(actor=request.user, batch=batch)
    except services.ImportRefused as exc:
        messages.error(request, str(exc))
        return redirect("imports:detail", pk=batch.pk)
    if batch.total_rows > services.sync_max_rows():
        jobs.enqueue(import_batch, batch.pk)
        messages.info(request, _("已排队等待后台导入，数据较多，请稍候；可以离开本页，稍后在导入记录中查看结果。"))
    else:
        batch = services.batch_import(batch_id=batch.pk)
        if batch.status == ImportStatus.DONE:
            messages.success(request, _("导入完成：新增 %(new)d 行，更新 %(updated)d 行，无变化 %(unchanged)d 行。") % {
                "new": batch.new_count, "updated": batch.updated_count, "unchanged": batch.unchanged_count})
        else:
            messages.error(request, batch.message)
    return redirect("imports:detail", pk=batch.pk)


@access_rule(Action.VIEW)
@require_POST
def cancel(request, pk):
    batch = _batch(request, pk, Action.IMPORT_DATA)
    try:
        was_running = batch.is_running
        services.batch_cancel(actor=request.user, batch=batch, request=request)
        messages.success(request, _("已取消导入，未写入任何数据，上传的文件已删除。") if was_running
                         else _("已取消导入，上传的文件已删除。"))
    except services.ImportRefused as exc:
        messages.error(request, str(exc))
    return redirect("imports:detail", pk=batch.pk)


@access_rule(Action.VIEW)
def error_report(request, pk):
    """The uploaded file with an error column: personal data, so importers only, and audited."""
    batch = _batch(request, pk, Action.IMPORT_DATA)
    if not batch.file or not (batch.errors or batch.message):
        raise Http404(_("该导入没有可下载的错误报告（文件已删除或没有错误）。"))
    with batch.file.open("rb") as handle:
        try:
            reader = SheetReader(handle, sniff(handle, batch.file_name, batch.file_size))
            try:
                content = error_workbook(reader.rows(), batch.errors, batch.errors_truncated,
                                         watermark=watermark_text(request.user))
            finally:
                reader.close()
        except FileRejected as exc:
            raise Http404(str(exc)) from None
    audit_record(event=AuditEvent.EXPORT, actor=request.user, obj=batch, request=request,
                 description=_("导入错误报告：%(name)s") % {"name": batch.file_name},
                 detail={"batch": batch.pk, "errors": batch.error_count})
    response = HttpResponse(content, content_type=XLSX)
    stem = batch.file_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = content_disposition_header(True, _("%(name)s-错误报告.xlsx") % {"name": stem})
    return response


@access_rule(Action.VIEW, roles=[Role.TOWNSHIP, Role.ADMIN, Role.DISTRICT])
def records(request):
    form = RecordFilterForm(request.GET or None)
    qs = _batches(request.user).select_related("created_by", "jurisdiction")
    if form.is_valid():
        if form.cleaned_data["kind"]:
            qs = qs.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
    page = Paginator(qs.defer("errors", "preview"), 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "imports/records.html", {"form": form, "page": page})


@access_rule(Action.VIEW, roles=[Role.TOWNSHIP, Role.ADMIN, Role.DISTRICT])
def leads(request):
    """Unmatched rows of department lists: people not in the registry, possible new leads."""
    form = LeadFilterForm(request.GET or None)
    qs = FeedRecord.objects.filter(
        match=FeedMatch.UNMATCHED, batch__jurisdiction_id__in=access.jurisdiction_ids_for(request.user, Action.VIEW),
        batch__status=ImportStatus.DONE,
    ).select_related("batch", "village", "reviewed_by").order_by("-batch__created_at", "row_number")
    reviewed = form.cleaned_data.get("reviewed") if form.is_valid() else ""
    if form.is_valid() and form.cleaned_data["feed_kind"]:
        qs = qs.filter(batch__feed_kind=form.cleaned_data["feed_kind"])
    if reviewed == "yes":
        qs = qs.filter(reviewed_at__isnull=False)
    elif reviewed != "all":
        qs = qs.filter(reviewed_at__isnull=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    can_review = access.can_anywhere(request.user, Action.IMPORT_DATA)
    return TemplateResponse(request, "imports/leads.html", {"form": form, "page": page, "can_review": can_review,
                                                            "review_form": LeadReviewForm()})


@access_rule(Action.VIEW)
@require_POST
def lead_review(request, pk):
    record = get_object_or_404(
        FeedRecord.objects.select_related("batch").filter(
            match=FeedMatch.UNMATCHED,
            batch__jurisdiction_id__in=access.jurisdiction_ids_for(request.user, Action.IMPORT_DATA)), pk=pk)
    form = LeadReviewForm(request.POST, instance=record)
    if form.is_valid():
        services.feed_record_review(actor=request.user, record=record, note=form.cleaned_data["review_note"])
        messages.success(request, _("已记录核实情况：%(name)s。") % {"name": record.name})
    else:
        messages.error(request, "；".join(form.errors.get("review_note", [])))
    return redirect(safe_redirect_target(request, request.POST.get("next"), fallback=reverse("imports:leads")))
