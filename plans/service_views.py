"""Pages of service kinds (服务类型): the household page section with its forms, and the township's list of
households by service kind with per-village counts. Writes go through plans/service_kinds.py."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from households.forms import attach_errors
from households.models import Household
from households.presence import listed
from households.sections import HouseholdSection
from relief import access
from relief.access import Action, access_rule
from relief.models import Jurisdiction

from . import service_kinds as services
from . import service_selectors as selectors
from .service_forms import (
    ContactForm, GoalForm, GoalStatusForm, NoteForm, ServiceEndForm, ServiceReviewForm, ServiceStartForm,
)
from .service_models import GoalStatus, ServiceContact, ServiceGoal, ServiceNote, ServiceRecord, ServiceType


def service_context(request, household) -> dict:
    """The household's service kinds: current record with goals, notes and contacts, the history and whether
    the kind is due for review. A fixed number of queries."""
    records = listed(household, ServiceRecord, lambda: ServiceRecord.objects.filter(household=household)
                     .order_by("-started_on", "-pk").annotate(review_due=services.review_due_expression())
                     .select_related("decided_by", "ended_by", "case_worker", "organisation"))
    current = next((r for r in records if r.is_current), None)
    if current is not None:  # only what the current kind shows: notes, and goals (转介) or contacts (跟踪联系)
        prefetch_related_objects([current], *[p for kind, p in [
            (None, Prefetch("notes", queryset=ServiceNote.objects.select_related("by"))),
            (ServiceType.REFERRAL, Prefetch("goals", queryset=ServiceGoal.objects.select_related("created_by"))),
            (ServiceType.TRACKING, Prefetch("contacts", queryset=ServiceContact.objects.select_related("by")))]
            if kind in (None, current.kind)])
    can_edit = access.can(request.user, Action.EDIT_HOUSEHOLDS, household.village_id)
    context = {"household": household, "current": current, "records": records, "can_edit": can_edit,
               "today": timezone.localdate(), "types": ServiceType, "goal_statuses": GoalStatus.choices,
               "overdue_goals": ([g for g in current.goals.all() if g.is_overdue]
                                 if current and current.kind == ServiceType.REFERRAL else [])}
    if can_edit:
        if current:
            v = {"version": current.version}
            context.update({"review_form": ServiceReviewForm(prefix="rev", initial=v),
                            "end_form": ServiceEndForm(prefix="end", initial=v),
                            "goal_form": GoalForm(prefix="goal", initial=v),
                            "note_form": NoteForm(prefix="note", initial=v),
                            "contact_form": ContactForm(prefix="contact", initial=v)})
    return context


def section(request, household) -> HouseholdSection:
    return HouseholdSection(title=_("服务类型"), template="plans/service_section.html",
                            context=service_context(request, household), order=45)


def _back(household_id) -> str:
    return reverse("households:detail", args=[household_id]) + "#services"


def _refused(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _invalid(request, form) -> None:
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)


def _run(request, form, write, done: str) -> None:
    """Run a posted form through its service: refusals (Chinese) are shown as messages on the household page."""
    if not form.is_valid():
        _invalid(request, form)
        return
    try:
        write(form.cleaned_data)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, done)


def _record(request, pk) -> ServiceRecord:
    qs = access.scope(ServiceRecord.objects.select_related("household__village"), request.user,
                      Action.EDIT_HOUSEHOLDS, field="household__village")
    return get_object_or_404(qs, pk=pk)


@access_rule(Action.EDIT_HOUSEHOLDS)
def service_start(request, household_pk):
    """Start or change the household's service kind (its own page: the choices of case workers and
    organisations are read only here, not on every household page)."""
    household = get_object_or_404(access.scope(Household.objects.select_related("village"), request.user,
                                               Action.EDIT_HOUSEHOLDS), pk=household_pk)
    current = ServiceRecord.objects.current().filter(household=household).select_related("case_worker").first()
    case_workers = services.case_worker_choices(household)
    status = 200
    if request.method == "POST":
        form = ServiceStartForm(request.POST, prefix="svc", household=household, case_workers=case_workers)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.service_start(
                    actor=request.user, household=household, kind=d["kind"], started_on=d["started_on"],
                    reason=d["reason"], case_worker=d["case_worker"], organisation=d["organisation"],
                    cadence=d["cadence"], current_id=d["current_id"], version=d["version"])
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("已确定服务类型。"))
                return redirect(_back(household.pk))
        status = 400
    else:
        form = ServiceStartForm(prefix="svc", household=household, case_workers=case_workers, initial={
            "current_id": current.pk if current else None, "version": current.version if current else None})
    return TemplateResponse(request, "plans/service_start.html",
                            {"household": household, "current": current, "form": form}, status=status)


@access_rule(Action.EDIT_HOUSEHOLDS)
@require_POST
def service_review(request, pk):
    record = _record(request, pk)
    _run(request, ServiceReviewForm(request.POST, prefix="rev"), lambda d: services.service_review(
        actor=request.user, record=record, note=d["note"], version=d["version"]), _("已复核服务类型。"))
    return redirect(_back(record.household_id))


@access_rule(Action.EDIT_HOUSEHOLDS)
@require_POST
def service_end(request, pk):
    record = _record(request, pk)
    _run(request, ServiceEndForm(request.POST, prefix="end"), lambda d: services.service_end(
        actor=request.user, record=record, ended_on=d["ended_on"], reason=d["reason"], version=d["version"]),
        _("已结束服务。"))
    return redirect(_back(record.household_id))


@access_rule(Action.EDIT_HOUSEHOLDS)
@require_POST
def goal_add(request, pk):
    record = _record(request, pk)
    _run(request, GoalForm(request.POST, prefix="goal"), lambda d: services.service_goal_add(
        actor=request.user, record=record, text=d["text"], target_on=d["target_on"], version=d["version"]),
        _("已登记服务目标。"))
    return redirect(_back(record.household_id))


@access_rule(Action.EDIT_HOUSEHOLDS)
@require_POST
def goal_update(request, pk):
    qs = access.scope(ServiceGoal.objects.select_related("record__household"), request.user,
                      Action.EDIT_HOUSEHOLDS, field="record__household__village")
    goal = get_object_or_404(qs, pk=pk)
    _run(request, GoalStatusForm(request.POST, prefix=f"g{goal.pk}"), lambda d: services.service_goal_update(
        actor=request.user, goal=goal, status=d["status"], note=d["note"], version=d["version"]),
        _("已更新目标状态。"))
    return redirect(_back(goal.record.household_id))


@access_rule(Action.EDIT_HOUSEHOLDS)
@require_POST
def note_add(request, pk):
    record = _record(request, pk)
    _run(request, NoteForm(request.POST, prefix="note"), lambda d: services.service_note_add(
        actor=request.user, record=record, noted_on=d["noted_on"], note=d["note"], version=d["version"]),
        _("已登记跟进记录。"))
    return redirect(_back(record.household_id))


@access_rule(Action.EDIT_HOUSEHOLDS)
@require_POST
def contact_add(request, pk):
    record = _record(request, pk)
    _run(request, ContactForm(request.POST, prefix="contact"), lambda d: services.service_contact_log(
        actor=request.user, record=record, contacted_on=d["contacted_on"], method=d["method"], note=d["note"],
        version=d["version"]), _("已登记联系记录。"))
    return redirect(_back(record.household_id))


@access_rule(Action.VIEW)
def service_list(request):
    """Households by current service kind, with a table of counts per village: each count links to exactly
    the rows it counts (?village=&kind=)."""
    village_ids = access.village_ids_for(request.user, Action.VIEW)
    villages = {v.pk: v for v in Jurisdiction.objects.filter(pk__in=village_ids).order_by("code")}
    filters = selectors.ServiceFilters.from_request(request.GET, villages)
    rows = selectors.service_rows(village_ids, filters)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    counts = selectors.counts_by_village(village_ids)
    table = [{"village": villages[vid], "cells": [(k, counts.get((vid, k), 0)) for k in ServiceType.values],
              "total": sum(counts.get((vid, k), 0) for k in ServiceType.values)}
             for vid in villages if any(counts.get((vid, k)) for k in ServiceType.values)]
    totals = [(k, sum(counts.get((vid, k), 0) for vid in villages)) for k in ServiceType.values]
    return TemplateResponse(request, "plans/service_list.html", {
        "page": page, "filters": filters, "villages": list(villages.values()), "table": table, "totals": totals,
        "kinds": ServiceType.choices, "flags": selectors.FLAGS, "today": timezone.localdate(),
    })
