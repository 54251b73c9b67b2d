import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households import checks
from households.models import Household
from households.selectors import head_of
from relief import access, data_version, figure_cache
from relief.access import Action, access_rule
from relief.audit import AuditEvent, audit_record
from relief.models import JurisdictionLevel, Role

from . import selectors
from .forms import VisitForm
from .models import TownshipSummary, Visit, VisitPhoto
from .services import visit_log
from .worklist_sections import worklist_sections


def _household_for(user, pk, action):
    households = access.scope(Household.objects.select_related("village", "village__parent"), user, action)
    return get_object_or_404(households, pk=pk)


# The worklist's sections: (name, title, what an empty section says).
WORKLIST_SECTIONS = [
    ("overdue", gettext_lazy("已逾期（最早的在前）"), gettext_lazy("没有逾期未走访的家庭。")),
    ("due", gettext_lazy("本月应走访"), gettext_lazy("本月没有其他到期的走访。")),
    ("not_seen", gettext_lazy("上次未见到本人"), gettext_lazy("没有上次未见到本人的家庭。")),
    ("open_case", gettext_lazy("见到本人但仍需跟进"), gettext_lazy("没有见到本人后仍需跟进的家庭。")),
]


@access_rule(Action.LOG_VISITS, roles=[Role.CASEWORKER, Role.TOWNSHIP])
def worklist(request):
    """走访任务: what to visit today, on a phone.

    The front page shows the new alerts and the first few households of each section with its total;
    `?show=overdue|due|not_seen|open_case` pages through one section. The same number of queries for a village of
    twenty households or of thousands (see selectors.worklist_for).
    """
    villages = access.villages_for(request.user, Action.LOG_VISITS).select_related("parent").order_by("code")
    village_ids = access.village_ids_for(request.user, Action.LOG_VISITS)
    chosen = request.GET.get("village", "")
    if chosen.isdigit() and int(chosen) in village_ids:
        village_ids = {int(chosen)}
    else:
        chosen = ""
    work = selectors.worklist_for(request.user, village_ids=village_ids)
    show = request.GET.get("show", "")
    sections, page = [], None
    for name, title, empty in WORKLIST_SECTIONS:
        items = work.section(name)
        query = {"show": name, **({"village": chosen} if chosen else {})}
        sections.append({"name": name, "title": title, "empty": empty, "total": len(items),
                         "testid": name.replace("_", "-"), "items": items[:selectors.WORKLIST_PREVIEW],
                         "current": name == show, "more_url": f"?{urlencode(query)}"})
    if show in selectors.WORKLIST_SECTIONS:
        page = Paginator(work.section(show), selectors.WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
        selectors.attach_open_reasons(selectors.attach_households(page.object_list))
        shown = next(s for s in sections if s["name"] == show)
    else:
        show, shown = "", None
        selectors.attach_open_reasons(selectors.attach_households([item for s in sections for item in s["items"]]))
    # 季度排查 (households' rule): the families on the quarterly check still to be checked this quarter; on the
    # front page only, counted as the list it links to counts them.
    quarterly = None
    if not show:
        items, total = _quarterly_preview(village_ids, work.today)
        quarterly = {"items": items, "total": total,
                     "url": reverse("households:quarterly_list") + "?" + urlencode(
                         {"show": "pending", **({"village": chosen} if chosen else {})})}
    # Sections the apps above add (集中排查 from plans), found by name (visits/worklist_sections.py).
    extra_sections = worklist_sections(request, village_ids, work.today) if not show else []
    return TemplateResponse(request, "visits/worklist.html", {
        "quarterly": quarterly,
        "extra_sections": extra_sections,
        "work": work, "villages": villages if len(villages) > 1 else [], "chosen": chosen,
        "sections": sections, "show": show, "shown": shown, "page": page,
    })


def _quarterly_preview(village_ids, today) -> tuple[list, int]:
    """(the first families of the quarterly check still to check, how many there are), kept in this process
    like the worklist's own sections: a check recorded or placed records a household event, which replaces the
    records' stamp (households.services.event_record)."""
    def read():
        rows = checks.quarterly_rows(village_ids, "pending", today)
        return list(rows[:selectors.WORKLIST_PREVIEW]), rows.count()

    return figure_cache.kept_in_process(
        data_version.RECORDS, f"worklist-quarterly-{figure_cache.scope_key(village_ids)}-{today}", read)


@access_rule(Action.LOG_VISITS, roles=[Role.CASEWORKER, Role.TOWNSHIP])
def visit_new(request, household_pk):
    """登记走访: one form; a double submit or a retry after a dropped connection creates one visit."""
    household = _household_for(request.user, household_pk, Action.LOG_VISITS)
    watch = selectors.household_watch(household, with_head=True)
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES, household=household, user=request.user)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.cleaned_data
                    if name not in ("visitors", "photos", "submission_key")}
            try:
                visit, created = visit_log(
                    actor=request.user, household=household, data=data, visitors=form.cleaned_data["visitors"],
                    photos=form.cleaned_data["photos"], idempotency_key=form.cleaned_data["submission_key"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if created:
                    messages.success(request, _("走访记录已保存。"))
                else:
                    messages.info(request, _("这条走访记录此前已保存，未重复登记。"))
                return redirect("visits:visit_detail", pk=visit.pk)
        messages.error(request, _("走访记录未保存，请按提示修改后重新提交；已填写的内容都保留着。"))
        status = 400
    else:
        form = VisitForm(household=household, user=request.user, initial={
            "visited_on": timezone.localdate(), "submission_key": uuid.uuid4(), "visitors": [request.user.pk]})
        status = 200
    return TemplateResponse(request, "visits/visit_form.html", {
        "form": form, "household": household, "watch": watch, "today": timezone.localdate(),
        "check_fields": [form[name] for name in ("food", "housing_safety", "heating_cooling", "medical",
                                                 "income_change", "care", "schooling")],
        "error_summary": _error_summary(form),
    }, status=status)


def _error_summary(form) -> list[dict]:
    """Every error of a refused visit form, in the form's order, each linked to its field: on a phone the
    fields with errors lie far below the top of the page."""
    items = [{"anchor": "", "label": "", "message": m} for m in form.non_field_errors()]
    for field in form:
        if field.name != "submission_key":
            items.extend({"anchor": f"field-{field.name}", "label": field.label, "message": m} for m in field.errors)
    items.extend({"anchor": "", "label": "", "message": m} for m in form["submission_key"].errors)
    return items


def _add_errors(form, exc: ValidationError) -> None:
    """Put the service's errors at their fields (form-wide when the field is not on the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        target = field if field in form.fields else None
        for error in errors:
            form.add_error(target, error)


@access_rule(Action.VIEW_PERSONAL_DATA)
def visit_detail(request, pk):
    visits = access.scope(Visit.objects.select_related("household", "household__village", "logged_by"),
                          request.user, Action.VIEW_PERSONAL_DATA, field="household__village")
    visit = get_object_or_404(visits.prefetch_related("visitors", "photos"), pk=pk)
    audit_record(event=AuditEvent.VIEW_PERSONAL_DATA, actor=request.user, obj=visit, request=request,
                 description=_("查看巡查记录 %(pk)s") % {"pk": visit.pk}, detail={"household": visit.household_id})
    return TemplateResponse(request, "visits/visit_detail.html", {"visit": visit, "household": visit.household,
                                                                  "head": head_of(visit.household)})


@access_rule(Action.VIEW_PERSONAL_DATA)
def photo(request, pk):
    """A visit photo, streamed after the jurisdiction check (MEDIA_ROOT is never web-served)."""
    photos = access.scope(VisitPhoto.objects.select_related("visit"), request.user, Action.VIEW_PERSONAL_DATA,
                          field="visit__household__village")
    item = get_object_or_404(photos, pk=pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("照片文件不存在。"))
    audit_record(event=AuditEvent.VIEW_PERSONAL_DATA, actor=request.user, obj=item, request=request,
                 description=_("查看走访照片 %(pk)s") % {"pk": item.pk}, detail={"visit": item.visit_id})
    response = FileResponse(handle, content_type=item.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@access_rule(Action.VIEW, roles=[Role.TOWNSHIP, Role.DISTRICT, Role.ADMIN])
def summaries(request):
    """乡镇每周走访汇总 for the townships the user may see; `?week=` one week, with its totals."""
    townships = access.jurisdictions_for(request.user, Action.VIEW, JurisdictionLevel.TOWNSHIP)
    rows = (TownshipSummary.objects.filter(township__in=townships).select_related("township")
            .order_by("-week_start", "township__code"))
    try:
        week = parse_date(request.GET.get("week") or "")
    except ValueError:
        week = None
    totals = None
    if week is not None:
        rows = rows.filter(week_start=week)
        totals = rows.aggregate(visits_logged=Sum("visits_logged"), households_visited=Sum("households_visited"),
                                overdue_visits=Sum("overdue_visits"), new_alerts=Sum("new_alerts"),
                                unhandled_alerts=Sum("unhandled_alerts"))
    page = Paginator(rows, 40).get_page(request.GET.get("page"))
    return TemplateResponse(request, "visits/summaries.html", {"page": page, "week": week, "totals": totals})

