"""Ledger downloads, export jobs, the monthly closing, supervision sampling, dashboards and scorecards."""
from __future__ import annotations


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relief import access, punctuation
from relief.access import Action, access_rule
from relief.dates import year_month
from relief.models import Jurisdiction, JurisdictionLevel, Role
from relief.reveal import reason_label

from . import selectors, services
from households.forms import attach_errors

from .forms import (
    CorrectionDoneForm, CorrectionForm, DashboardForm, InspectionForm, LedgerForm, SampleCheckForm, SamplingDrawForm,
)
from .models import CheckResult, ExportStatus, LedgerExport, LedgerSnapshot, SampleItem, SamplingDraw, SnapshotKind
from relief.months import month_start

from .reports import LedgerRequest, ledger_for


def _xlsx_response(fh, filename: str) -> FileResponse:
    response = FileResponse(fh, as_attachment=True, filename=filename,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- 台账下载
@access_rule(Action.EXPORT_LEDGERS)
def ledger_index(request):
    form = LedgerForm(request.GET or None, user=request.user)
    return _index_page(request, form)


def _index_page(request, form, status=200):
    jobs = LedgerExport.objects.filter(requester=request.user).select_related("jurisdiction")[:10]
    return TemplateResponse(request, "ledgers/index.html", {
        "form": form, "jobs": jobs, "threshold": services.async_threshold(), "now": timezone.now(),
    }, status=status)


@access_rule(Action.EXPORT_LEDGERS)
@require_POST
def ledger_export(request):
    form = LedgerForm(request.POST, user=request.user)
    if not form.is_valid():
        return _index_page(request, form)
    data = form.cleaned_data
    ledger_request = LedgerRequest(user=request.user, kind=data["kind"], jurisdiction=data["jurisdiction"],
                                   start=data["start"], end=data["end"], category=data.get("category", ""),
                                   target_kind=data.get("target_kind", ""), purpose=data.get("purpose", ""))
    ledger = ledger_for(ledger_request)
    problems = ledger.problems()
    if problems:
        for problem in problems:
            form.add_error(None, problem)
        return _index_page(request, form)
    rows = ledger.count()
    if rows > services.async_threshold():
        job = services.ledger_export_create(actor=request.user, ledger_request=ledger_request, rows_total=rows)
        messages.info(request, _("台账共约 %(n)s 行，已排队等待后台生成，完成后可在本页下载。") % {"n": rows})
        return redirect("ledgers:job", pk=job.pk)
    path, written, filename = services.ledger_write_temp(ledger_request)
    fh = path.open("rb")
    path.unlink()  # the open handle keeps the data until the response is sent; nothing stays on disk
    services.audit_ledger_download(actor=request.user, request=request, kind=ledger_request.kind,
                                   jurisdiction=ledger_request.jurisdiction,
                                   detail={**ledger_request.params(), "rows": written,
                                           "personal_data": ledger_request.shows_personal_data,
                                           "purpose_label": reason_label(ledger_request.purpose)
                                           if ledger_request.purpose else ""})
    return _xlsx_response(fh, filename)


def _own_job(request, pk) -> LedgerExport:
    # Only the requester may see a job: for anyone else it does not exist.
    return get_object_or_404(LedgerExport.objects.select_related("jurisdiction"), pk=pk, requester=request.user)


@access_rule(Action.VIEW)
@require_GET
def export_job(request, pk):
    job = _own_job(request, pk)
    template = "ledgers/job.html#progress" if request.htmx else "ledgers/job.html"
    return TemplateResponse(request, template, {"job": job})


@access_rule(Action.VIEW)
@require_POST
def export_cancel(request, pk):
    # Like the download: the job exists only for its requester; the service checks the jurisdiction.
    job = _own_job(request, pk)
    try:
        services.ledger_export_cancel(actor=request.user, export=job, request=request)
        messages.success(request, _("已取消导出，不会生成文件。"))
    except ValidationError as exc:
        messages.error(request, punctuation.mark("；").join(exc.messages))
    return redirect("ledgers:job", pk=job.pk)


@access_rule(Action.VIEW)
@require_GET
def export_download(request, pk):
    job = _own_job(request, pk)
    if job.expired or (job.status == ExportStatus.DONE and not job.file):
        return TemplateResponse(request, "ledgers/job.html", {"job": job, "expired": True}, status=410)
    if job.status != ExportStatus.DONE:
        messages.warning(request, _("台账还在生成中，请稍候。"))
        return redirect("ledgers:job", pk=job.pk)
    access.check(request.user, Action.EXPORT_LEDGERS, job.jurisdiction)
    services.audit_ledger_download(actor=request.user, request=request, kind=job.kind, jurisdiction=job.jurisdiction,
                                   detail={**job.params, "rows": job.rows_done, "job": str(job.pk)})
    return _xlsx_response(job.file.open("rb"), job.filename)


# ---------------------------------------------------------------- 月结
@access_rule(Action.EXPORT_LEDGERS, roles=[Role.TOWNSHIP, Role.DISTRICT, Role.ADMIN])
def closing(request):
    if request.method == "POST":
        return _closing_submit(request)
    months = int(request.GET.get("months", 12)) if request.GET.get("months", "12").isdigit() else 12
    board = selectors.closing_board(request.user, months=min(max(months, 1), 36))
    pending_kind = request.GET.get("pending")
    pending = selectors.closing_pending(request.user, pending_kind) if pending_kind in SnapshotKind.values else None
    return TemplateResponse(request, "ledgers/closing.html", {
        "board": board, "pending": pending,
        "pending_label": SnapshotKind(pending_kind).label if pending is not None else ""})


def _closing_submit(request):
    township = get_object_or_404(access.jurisdictions_for(request.user, Action.EXPORT_LEDGERS,
                                                          JurisdictionLevel.TOWNSHIP), pk=request.POST.get("township"))
    kind = request.POST.get("kind")
    try:
        month = timezone.datetime.strptime(request.POST.get("month", ""), "%Y-%m").date()
    except ValueError:
        messages.error(request, _("月份格式不正确。"))
        return redirect("ledgers:closing")
    this_month = month_start(timezone.localdate())
    if kind not in SnapshotKind.values:
        messages.error(request, _("请选择要报送的台账。"))
    elif month > this_month:
        messages.error(request, _("不能报送未来月份的台账。"))
    elif kind == SnapshotKind.SUMMARY and month >= this_month:
        messages.error(request, _("归类汇总在次月报送：本月结束后才能报送本月的归类汇总。"))
    else:
        snapshot = services.snapshot_create(township=township, month=month, kind=kind, actor=request.user)
        if snapshot is None:
            messages.warning(request, _("%(t)s %(m)s的该台账已经报送，月结台账不可修改。") % {
                "t": township.name, "m": year_month(month)})
        else:
            messages.success(request, _("已报送：%(s)s。") % {"s": snapshot})
    return redirect("ledgers:closing")


@access_rule(Action.VIEW)
@require_GET
def snapshot_download(request, pk):
    snapshot = get_object_or_404(LedgerSnapshot.objects.select_related("township"), pk=pk)
    access.check(request.user, Action.EXPORT_LEDGERS, snapshot.township)
    if not services.snapshot_file_intact(snapshot):
        return TemplateResponse(request, "ledgers/snapshot_broken.html", {"snapshot": snapshot}, status=409)
    services.audit_ledger_download(actor=request.user, request=request, kind=(
        "monthly" if snapshot.kind == SnapshotKind.MONTHLY else "summary"), jurisdiction=snapshot.township,
        detail={"snapshot": snapshot.pk, "month": f"{snapshot.month:%Y-%m}"})
    return _xlsx_response(snapshot.file.open("rb"), snapshot.filename)


# ---------------------------------------------------------------- 随机抽查
def _supervised_district(user) -> Jurisdiction:
    district = access.jurisdictions_for(user, Action.SUPERVISE, JurisdictionLevel.DISTRICT).order_by("code").first()
    if district is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    return district


@access_rule(Action.SUPERVISE, roles=[Role.DISTRICT])
def sampling_index(request):
    district = _supervised_district(request.user)
    form = SamplingDrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draw = services.sampling_draw(actor=request.user, district=district, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已抽取 %(n)s 户，随机种子已保存，可复核。") % {"n": draw.items.count()})
            return redirect("ledgers:sampling_detail", pk=draw.pk)
    draws = SamplingDraw.objects.filter(district=district).select_related("drawn_by").annotate(
        sampled=Count("items"), checked=Count("items", filter=~Q(items__result=CheckResult.PENDING)))
    return TemplateResponse(request, "ledgers/sampling_index.html", {"form": form, "draws": draws,
                                                                     "district": district})


def _draw_for(request, pk) -> SamplingDraw:
    draw = get_object_or_404(SamplingDraw.objects.select_related("district", "drawn_by"), pk=pk)
    access.check(request.user, Action.SUPERVISE, draw.district)
    return draw


@access_rule(Action.VIEW)
@require_GET
def sampling_detail(request, pk):
    draw = _draw_for(request, pk)
    items = list(draw.items.select_related("household", "village", "township", "checked_by"))
    heads = selectors.head_names([item.household_id for item in items])
    for item in items:
        item.head_name = heads.get(item.household_id, "")
        item.form = SampleCheckForm(initial={"result": item.result if item.result != CheckResult.PENDING else "",
                                             "note": item.note}, prefix=f"i{item.pk}")
    return TemplateResponse(request, "ledgers/sampling_detail.html", {
        "draw": draw, "items": items, "results": selectors.sampling_results(draw),
        "reproduced": services.draw_sample(draw.seed, draw.population_ids, len(items)) == sorted(
            i.assistance_id for i in items if i.assistance_id) if all(i.assistance_id for i in items) else None,
    })


@access_rule(Action.VIEW)
@require_POST
def sample_check(request, pk):
    item = get_object_or_404(SampleItem.objects.select_related("draw__district", "household", "village",
                                                               "township"), pk=pk)
    access.check(request.user, Action.SUPERVISE, item.draw.district)
    form = SampleCheckForm(request.POST, prefix=f"i{item.pk}")
    if form.is_valid():
        item = services.sample_check(actor=request.user, item=item, **form.cleaned_data)
        if not request.htmx:
            messages.success(request, _("已记录核查结果。"))
    elif not request.htmx:
        messages.error(request, punctuation.mark("；").join(e for errors in form.errors.values() for e in errors))
    if request.htmx:
        item.head_name = selectors.head_names([item.household_id]).get(item.household_id, "")
        item.form = form if form.errors else SampleCheckForm(initial={"result": item.result, "note": item.note},
                                                             prefix=f"i{item.pk}")
        return TemplateResponse(request, "ledgers/sampling_detail.html#item", {"item": item, "draw": item.draw,
                                                                              "saved": not form.errors})
    return redirect(reverse("ledgers:sampling_detail", kwargs={"pk": item.draw_id}) + f"#item-{item.pk}")


# ---------------------------------------------------------------- 统计图表与考核
@access_rule(Action.VIEW)
@require_http_methods(["GET", "POST"])
def dashboard(request):
    """The dashboard of the scope and period in the address; a POST (刷新) counts its numbers now, then shows
    the same address again."""
    form = DashboardForm(request.GET or None, user=request.user)
    if request.GET and not form.is_valid():
        data = None
    else:
        cleaned = form.cleaned_data if request.GET else form.clean_defaults()
        scope = {"jurisdiction": cleaned.get("jurisdiction"), "start": cleaned["start"], "end": cleaned["end"]}
        if request.method == "POST":
            selectors.dashboard_recount(request.user, **scope)
            return redirect(request.get_full_path())
        data = selectors.dashboard(request.user, **scope)
    return TemplateResponse(request, "ledgers/dashboard.html", {"form": form, "data": data})


@access_rule(Action.VIEW)
@require_GET
def figure_rows(request):
    """The rows behind one of the dashboard's period figures, in the same scope and period."""
    from .figures import figure_open_to

    figure = figure_open_to(request.user, request.GET.get("figure", ""))
    if figure is None:
        raise Http404(_("没有这项统计。"))
    params = request.GET.copy()
    params.pop("figure")
    form = DashboardForm(params or None, user=request.user)
    if params and not form.is_valid():
        rows = None
    else:
        cleaned = form.cleaned_data if params else form.clean_defaults()
        rows = selectors.figure_rows(request.user, figure=request.GET["figure"], jurisdiction=cleaned.get(
            "jurisdiction"), start=cleaned["start"], end=cleaned["end"])
    return TemplateResponse(request, "ledgers/figure_rows.html", {"form": form, "rows": rows, "figure": figure,
                                                                  "figure_key": request.GET["figure"]})


@access_rule(Action.VIEW)
def scorecards(request):
    form = DashboardForm(request.GET or None, user=request.user)
    if request.GET and not form.is_valid():
        cards = None
    else:
        cleaned = form.cleaned_data if request.GET else form.clean_defaults()
        cards = selectors.scorecards(request.user, jurisdiction=cleaned.get("jurisdiction"),
                                     start=cleaned["start"], end=cleaned["end"])
    return TemplateResponse(request, "ledgers/scorecards.html", {"form": form, "cards": cards})



# ---------------------------------------------------------------- inspections (乡不定期监督检查)

INSPECTIONS_PAGE_SIZE = 30
INSPECTION_SHOWS = {"pending": gettext_lazy("待整改事项"), "overdue": gettext_lazy("逾期未整改事项")}


def _scope_pk(request, name: str, allowed) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and int(value) in allowed else None


@access_rule(Action.VIEW)
@require_GET
def inspections(request):
    """监督检查: the table of inspections and corrections per township (or village), and the list behind
    each of its numbers: the inspections, or the corrections pending or overdue."""
    from django.core.paginator import Paginator

    today = timezone.localdate()
    year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else today.year
    village_ids = access.village_ids_for(request.user, Action.VIEW)
    township_ids = set(Jurisdiction.objects.filter(pk__in=village_ids).values_list("parent_id", flat=True))
    village, township = _scope_pk(request, "village", village_ids), _scope_pk(request, "township", township_ids)
    show = request.GET.get("show", "")
    if show in INSPECTION_SHOWS:
        rows = selectors.corrections_visible(request.user).select_related("inspection__village__parent")
        rows = rows.overdue(today) if show == "overdue" else rows.pending()
        where = "inspection__village"
    else:
        show = ""
        rows = selectors.inspections_visible(request.user).filter(inspected_on__year=year).select_related(
            "village__parent").annotate(pending=Count("corrections", filter=Q(corrections__done_on__isnull=True)))
        where = "village"
    if village:
        rows = rows.filter(**{where: village})
    elif township:
        rows = rows.filter(**{f"{where}__parent": township})
    page = Paginator(rows.order_by(*(["due_on", "pk"] if show else ["-inspected_on", "-pk"])),
                     INSPECTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    if show:
        for correction in page.object_list:
            correction.days_overdue = (today - correction.due_on).days
    coverage, total = selectors.inspection_coverage(request.user, year, today)
    return TemplateResponse(request, "ledgers/inspections.html", {
        "coverage": coverage, "total": total, "year": year, "today": today, "show": show,
        "show_title": INSPECTION_SHOWS.get(show, _("%(y)s年监督检查") % {"y": year}), "page": page,
        "by_township": access.ROLE_LEVEL.get(request.user.role) == JurisdictionLevel.DISTRICT,
        "scope": Jurisdiction.objects.filter(pk=village or township).first() if (village or township) else None,
        "may_record": access.may_open(request.user, "ledgers:inspection_new"),
    })


@access_rule(Action.VIEW, roles=[Role.TOWNSHIP])
def inspection_new(request):
    form = InspectionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.inspection_record(
                actor=request.user, village=data["village"], inspected_on=data["inspected_on"],
                inspectors=data["inspectors"], subjects=data["subjects"], findings=data["findings"],
                corrections=form.corrections())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("监督检查已登记。"))
            return redirect("ledgers:inspection_detail", pk=inspection.pk)
    return TemplateResponse(request, "ledgers/inspection_new.html", {"form": form},
                            status=400 if form.is_bound and form.errors else 200)


def _inspection_for(request, pk):
    return get_object_or_404(selectors.inspections_visible(request.user).select_related(
        "village__parent", "recorded_by"), pk=pk)


@access_rule(Action.VIEW)
def inspection_detail(request, pk):
    inspection = _inspection_for(request, pk)
    may_follow = access.inspects_village(request.user, inspection.village)
    add_form = CorrectionForm(request.POST or None) if may_follow else None
    if request.method == "POST":
        if not may_follow:
            raise Http404
        if add_form.is_valid():
            try:
                services.correction_add(actor=request.user, inspection=inspection, **add_form.cleaned_data)
            except ValidationError as exc:
                attach_errors(add_form, exc)
            else:
                messages.success(request, _("整改事项已添加。"))
                return redirect("ledgers:inspection_detail", pk=inspection.pk)
    corrections = list(inspection.corrections.select_related("done_by"))
    today = timezone.localdate()
    for correction in corrections:
        correction.overdue = correction.is_overdue(today)
        correction.form = CorrectionDoneForm(prefix=f"c{correction.pk}") if may_follow and not correction.done_on \
            else None
    return TemplateResponse(request, "ledgers/inspection_detail.html", {
        "inspection": inspection, "corrections": corrections, "add_form": add_form, "may_follow": may_follow,
    }, status=400 if add_form is not None and add_form.is_bound and add_form.errors else 200)


@access_rule(Action.VIEW)
@require_POST
def correction_done(request, pk):
    correction = get_object_or_404(selectors.corrections_visible(request.user).select_related(
        "inspection__village"), pk=pk)
    form = CorrectionDoneForm(request.POST, prefix=f"c{correction.pk}")
    if form.is_valid():
        try:
            services.correction_done(actor=request.user, correction=correction,
                                     done_on=form.cleaned_data["done_on"], note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, punctuation.mark("；").join(exc.messages))
        else:
            messages.success(request, _("已确认整改完成。"))
    else:
        messages.error(request, punctuation.mark("；").join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("ledgers:inspection_detail", pk=correction.inspection_id)
