"""Pages of the district's supervision (issue 16): the year's assessment and its scores, one unit's score
with its adjustments, the plan's criteria, the December self-assessments and the roster filings."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_GET

from relief import access, punctuation
from relief.access import Action, access_rule
from relief.dates import long_date
from relief.models import Jurisdiction, JurisdictionLevel, Role

from . import services
from .forms_assessment import AdjustmentForm, CriterionFormSet, PlanDatesForm, ReviewForm, RosterDueForm
from .models_assessment import RosterKind, SelfAssessment, SelfAssessmentStatus
from .selectors_assessment import (
    ROSTER_FILTERS, SELF_FILTERS, district_plan_for_user, plan_for, plan_owners, plan_scores, plans_visible,
    roster_filter, roster_rows, self_assessment_rows, self_filter, units_of,
)
from .views import _xlsx_response

NOT_FOUND = gettext_lazy("未找到该记录，或它不在您的辖区内。")


def _year(request) -> int:
    value = request.GET.get("year", "")
    today = timezone.localdate()
    return int(value) if value.isdigit() and 2000 <= int(value) <= today.year + 1 else today.year


def _years(year: int) -> list[int]:
    this_year = timezone.localdate().year
    return sorted({this_year - 1, this_year, year})


def _errors_to(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# ---------------------------------------------------------------- 年度目标考核
@access_rule(Action.VIEW, roles=[Role.TOWNSHIP, Role.DISTRICT])
@require_GET
def assessment(request):
    """The year's assessment: the chosen plan's scores per unit (by default the user's own plan), and the
    other plans of the year the user may open."""
    year = _year(request)
    owners = plan_owners(request.user)
    plans = [p for p in plans_visible(request.user).filter(year=year).order_by("owner__code")
             if units_of(p.owner, request.user)]
    chosen = None
    if request.GET.get("plan", "").isdigit():
        chosen = next((p for p in plans if p.pk == int(request.GET["plan"])), None)
        if chosen is None:
            raise Http404(NOT_FOUND)
    if chosen is None:
        chosen = next((p for p in plans if p.owner in owners), plans[0] if plans else None)
    rows = criteria = None
    if chosen is not None:
        rows = sorted(plan_scores(chosen, units_of(chosen.owner, request.user)), key=lambda r: r.rank)
        criteria = list(chosen.criteria.all())
    return TemplateResponse(request, "ledgers/assessment.html", {
        "year": year, "years": _years(year),
        "plans": plans, "plan": chosen, "rows": rows, "criteria": criteria,
        "keeps": chosen is not None and access.keeps_assessment_of(request.user, chosen.owner),
        "unplanned": [o for o in owners if not any(p.owner_id == o.pk for p in plans)],
    })


@access_rule(Action.VIEW, roles=[Role.TOWNSHIP, Role.DISTRICT])
def assessment_setup(request):
    """Set the criteria, weights and targets of the owner's plan for the year (and the district's deadlines)."""
    year = _year(request)
    owners = plan_owners(request.user)
    owner_pk = request.GET.get("owner", "")
    owner = next((o for o in owners if str(o.pk) == owner_pk), owners[0] if owners else None)
    if owner is None:
        raise Http404(NOT_FOUND)
    plan = plans_visible(request.user).filter(owner=owner, year=year).first()
    if plan is not None:
        initial = [{"pk": c.pk, "kind": c.kind, "name": c.name, "weight": c.weight, "target": c.target}
                   for c in plan.criteria.all()]
    else:
        initial = services.default_criteria()
    is_district = owner.level == JurisdictionLevel.DISTRICT
    formset = CriterionFormSet(request.POST or None, initial=initial, prefix="c")
    dates = PlanDatesForm(request.POST or None, initial={
        "self_assessment_due": plan.self_assessment_due if plan else None,
        "roster_due": plan.roster_due if plan else None}) if is_district else None
    plan_errors: list[str] = []
    if request.method == "POST":
        if formset.is_valid() and (dates is None or dates.is_valid()):
            entries = [e for e in (f.entry() for f in formset.forms) if e is not None]
            try:
                plan = services.assessment_plan_save(
                    actor=request.user, owner=owner, year=year, criteria=entries,
                    **(dates.cleaned_data if dates is not None else {}))
            except ValidationError as exc:
                plan_errors = exc.messages
            else:
                messages.success(request, _("考核方案已保存。"))
                return redirect(f"{reverse('ledgers:assessment')}?year={year}&plan={plan.pk}")
    total = sum(int(f.initial.get("weight") or 0) for f in formset.forms if f.initial) if not formset.is_bound else None
    return TemplateResponse(request, "ledgers/assessment_setup.html", {
        "year": year, "owner": owner, "owners": owners, "plan": plan, "formset": formset, "dates": dates,
        "total": total, "plan_errors": plan_errors}, status=400 if request.method == "POST" else 200)


def _plan_or_404(request, pk):
    plan = plan_for(request.user, pk)
    if plan is None:
        raise Http404(NOT_FOUND)
    return plan


@access_rule(Action.VIEW)
def assessment_unit(request, pk, unit):
    """One unit's score: each criterion's figures and points, the adjustments with their reasons; the plan's
    keeper adds an adjustment here."""
    plan = _plan_or_404(request, pk)
    units = [u for u in units_of(plan.owner, request.user) if u.pk == unit]
    if not units:
        raise Http404(NOT_FOUND)
    keeps = access.keeps_assessment_of(request.user, plan.owner)
    criteria = list(plan.criteria.all())
    form = AdjustmentForm(request.POST or None, criteria=criteria) if keeps else None
    if request.method == "POST":
        if form is None:
            raise Http404(NOT_FOUND)
        if form.is_valid():
            try:
                services.assessment_adjust(actor=request.user, plan=plan, unit=units[0], **form.cleaned_data)
            except ValidationError as exc:
                _errors_to(form, exc)
            else:
                messages.success(request, _("复核调整已记录。"))
                return redirect("ledgers:assessment_unit", pk=plan.pk, unit=units[0].pk)
    # Ranked among the units the list shows, as the list ranks them.
    row = next(r for r in plan_scores(plan, units_of(plan.owner, request.user)) if r.unit.pk == unit)
    return TemplateResponse(request, "ledgers/assessment_unit.html", {
        "plan": plan, "row": row, "form": form, "keeps": keeps},
        status=400 if form is not None and form.is_bound and form.errors else 200)


@access_rule(Action.VIEW)
@require_GET
def assessment_export(request, pk):
    plan = _plan_or_404(request, pk)
    # Only the units the user may export, not every unit a further grant lets them read.
    units = [u for u in units_of(plan.owner, request.user) if access.can(request.user, Action.EXPORT_LEDGERS, u)]
    if not units:
        raise Http404(NOT_FOUND)
    rows = plan_scores(plan, units)
    content, filename = services.assessment_export(actor=request.user, plan=plan, rows=rows, request=request)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- 12月初自查评估
@access_rule(Action.VIEW, roles=[Role.TOWNSHIP, Role.DISTRICT])
@require_GET
def self_assessments(request):
    year = _year(request)
    plan, district = district_plan_for_user(request.user, year)
    state = request.GET.get("state", "")
    rows = self_filter(self_assessment_rows(request.user, plan), state) if plan is not None else []
    return TemplateResponse(request, "ledgers/self_assessments.html", {
        "year": year, "years": _years(year), "plan": plan, "district": district, "rows": rows, "state": state,
        "filters": SELF_FILTERS, "today": timezone.localdate()})


@access_rule(Action.VIEW)
def self_assessment(request, plan, township):
    """A township's self-assessment: its staff fill and submit it; the district reviews a submitted one."""
    plan = _plan_or_404(request, plan)
    if plan.owner.level != JurisdictionLevel.DISTRICT:
        raise Http404(NOT_FOUND)
    found = [u for u in units_of(plan.owner, request.user) if u.pk == township]
    if not found:
        raise Http404(NOT_FOUND)
    township = found[0]
    assessment = SelfAssessment.objects.filter(plan=plan, township=township).select_related(
        "submitted_by", "reviewed_by").first()
    status = assessment.status if assessment else SelfAssessmentStatus.DRAFT
    editable = access.files_for_township(request.user, township) and status in (
        SelfAssessmentStatus.DRAFT, SelfAssessmentStatus.RETURNED)
    reviews = access.keeps_assessment_of(request.user, plan.owner) and status == SelfAssessmentStatus.SUBMITTED
    review_form = ReviewForm(request.POST or None) if reviews else None
    criteria = list(plan.criteria.all())
    saved = {i.criterion_id: i for i in assessment.items.all()} if assessment else {}
    errors: dict = {}
    if request.method == "POST":
        if editable:
            items = {c.pk: (request.POST.get(f"score_{c.pk}", ""), request.POST.get(f"narrative_{c.pk}", ""))
                     for c in criteria}
            try:
                services.self_assessment_save(actor=request.user, plan=plan, township=township,
                                              summary=request.POST.get("summary", ""), items=items,
                                              submit=request.POST.get("submit") == "1")
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            else:
                messages.success(request, _("自查评估已提交区县审核。") if request.POST.get("submit") == "1"
                                 else _("自查评估已保存，尚未提交。"))
                return redirect("ledgers:self_assessment", plan=plan.pk, township=township.pk)
        elif review_form is not None:
            if review_form.is_valid():
                try:
                    services.self_assessment_review(actor=request.user, assessment=assessment,
                                                    accept=review_form.cleaned_data["decision"] == "accept",
                                                    comment=review_form.cleaned_data["comment"])
                except ValidationError as exc:
                    _errors_to(review_form, exc)
                else:
                    messages.success(request, _("审核结果已记录。"))
                    return redirect("ledgers:self_assessment", plan=plan.pk, township=township.pk)
        else:
            raise Http404(NOT_FOUND)
    computed = {c.criterion.pk: c for c in plan_scores(plan, [township])[0].criteria}
    lines = []
    for criterion in criteria:
        item = saved.get(criterion.pk)
        lines.append({
            "criterion": criterion, "computed": computed.get(criterion.pk),
            "score": request.POST.get(f"score_{criterion.pk}") if request.method == "POST" else (
                item.self_score if item and item.self_score is not None else ""),
            "narrative": request.POST.get(f"narrative_{criterion.pk}") if request.method == "POST" else (
                item.narrative if item else ""),
            "errors": [m for key in (f"score_{criterion.pk}", f"narrative_{criterion.pk}")
                       for m in errors.get(key, [])],
        })
    rows = self_assessment_rows(request.user, plan)
    row = next(r for r in rows if r.township.pk == township.pk)
    return TemplateResponse(request, "ledgers/self_assessment.html", {
        "plan": plan, "township": township, "assessment": assessment, "row": row, "lines": lines,
        "editable": editable, "review_form": review_form, "today": timezone.localdate(),
        "general_errors": errors.get("__all__", []),
        "summary": request.POST.get("summary", "") if request.method == "POST" else (
            assessment.summary if assessment else ""),
    }, status=400 if errors or (review_form is not None and review_form.errors) else 200)


# ---------------------------------------------------------------- 花名册备案
@access_rule(Action.EXPORT_LEDGERS, roles=[Role.TOWNSHIP, Role.DISTRICT])
def rosters(request):
    """花名册备案: per township, the 协理员花名册 and the 信息采集组花名册 filed by the district's date, late or
    missing. The district sets the date; a township's staff file theirs (a frozen copy)."""
    year = _year(request)
    plan, district = district_plan_for_user(request.user, year)
    sets_due = district is not None and access.keeps_assessment_of(request.user, district)
    due_form = RosterDueForm(request.POST if request.POST.get("action") == "due" else None,
                             initial={"roster_due": plan.roster_due if plan else None}) if sets_due else None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "due" and due_form is not None:
            if due_form.is_valid():
                try:
                    plan = services.assessment_plan_save(
                        actor=request.user, owner=district, year=year, criteria=None,
                        self_assessment_due=plan.self_assessment_due if plan else None,
                        roster_due=due_form.cleaned_data["roster_due"])
                except ValidationError as exc:
                    _errors_to(due_form, exc)
                else:
                    messages.success(request, _("花名册报送截止日期已设为%(d)s。") % {
                        "d": long_date(plan.roster_due)})
                    return redirect(f"{reverse('ledgers:rosters')}?year={year}")
        elif action == "file" and plan is not None:
            township = get_object_or_404(Jurisdiction, pk=request.POST.get("township") or 0, parent=plan.owner,
                                         level=JurisdictionLevel.TOWNSHIP)
            access.check(request.user, Action.EXPORT_LEDGERS, township)
            try:
                filing = services.roster_file(actor=request.user, plan=plan, township=township,
                                              kind=request.POST.get("kind", ""))
            except ValidationError as exc:
                messages.error(request, punctuation.mark("；").join(exc.messages))
            else:
                messages.success(request, _("已报送备案：%(f)s。") % {"f": filing} if not filing.late else
                                 _("已报送备案：%(f)s（已过截止日期，记为逾期报送）。") % {"f": filing})
            return redirect(f"{reverse('ledgers:rosters')}?year={year}")
        else:
            raise Http404(NOT_FOUND)
    state = request.GET.get("state", "")
    rows = roster_filter(roster_rows(request.user, plan), state) if plan is not None else []
    for row in rows:
        row.may_file = access.files_for_township(request.user, row.township)
    return TemplateResponse(request, "ledgers/rosters.html", {
        "year": year, "years": _years(year), "plan": plan, "district": district, "rows": rows, "state": state,
        "filters": ROSTER_FILTERS,
        "due_form": due_form, "kinds": RosterKind.choices, "today": timezone.localdate()},
        status=400 if due_form is not None and due_form.errors else 200)


@access_rule(Action.VIEW)
@require_GET
def roster_download(request, pk):
    from .selectors_assessment import roster_filings_visible

    filing = get_object_or_404(roster_filings_visible(request.user), pk=pk)
    access.check(request.user, Action.EXPORT_LEDGERS, filing.township)
    if not services.roster_file_intact(filing):
        return TemplateResponse(request, "ledgers/snapshot_broken.html", {"snapshot": filing}, status=409)
    services.audit_ledger_download(actor=request.user, request=request, kind=(
        "assistants" if filing.kind == RosterKind.ASSISTANTS else "collectors"), jurisdiction=filing.township,
        detail={"filing": filing.pk, "year": filing.plan.year})
    return _xlsx_response(filing.file.open("rb"), filing.filename)
