"""Pages of the multi-department cases (综合评估、协同办理, seed 002 §一(三)). Thin: forms check shape,
referrals.services (departments.py) checks rules and jurisdiction.

- 综合评估 (referrals:assess): township staff assess a submitted referral and hand its measures to departments;
- 综合评估与部门办理 (referrals:assessment): the case's items and results; telling the family once;
- 部门办理事项 (referrals:department_items): the queue, a department account's own page;
- one item (referrals:department_item): its facts and the department's decision.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from households.selectors import head_of
from relief import access
from relief.access import Action, access_rule
from relief.models import Role

from . import selectors, selectors_departments, services
from .forms_departments import AssessmentForm, InformForm, ItemDecideForm, ItemFilterForm
from .models import CaseAssessment, LeadChannel, ReferralStatus, StepAction
from .models_departments import AssessmentIntake, ItemStatus
from .steplimits import default_deadline_for
from .views import STAFF, _apply_errors, household_url

# Who opens the queue: a department's own account, and the township staff who record for departments without one
# (and follow every department's items). The queryset (access.department_items_scope) narrows each to theirs.
QUEUE_ROLES = [Role.DEPARTMENT, Role.TOWNSHIP]


@access_rule(Action.VIEW, roles=STAFF)
def assess(request, pk):
    """综合评估: needs, the measures proposed, each for a department with its deadline."""
    referral = get_object_or_404(selectors.referrals_for(request.user), pk=pk)
    if hasattr(referral, "assessment"):
        return redirect("referrals:assessment", pk=referral.pk)
    walk_in = referral.lead_id is not None and referral.lead.channel == LeadChannel.WALK_IN
    form = AssessmentForm(request.POST or None, default_deadline=default_deadline_for(referral.urgency), initial={
        "version": referral.version, "needs": referral.summary,
        "intake": AssessmentIntake.WALK_IN if walk_in else AssessmentIntake.REVIEW})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_create(actor=request.user, referral=referral, needs=data["needs"],
                                       opinion=data["opinion"], intake=data["intake"], items=form.items(),
                                       version=data["version"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已完成综合评估，并交办各部门。"))
            return redirect("referrals:assessment", pk=referral.pk)
    return TemplateResponse(request, "referrals/assess.html", {
        "referral": referral, "form": form, "allowed": services.can_step(request.user, referral, StepAction.ACCEPT),
        "head": head_of(referral.household)})


@access_rule(Action.VIEW, roles=STAFF)
def assessment(request, pk):
    """One case's assessment, every department's item and result, and the single notice to the family."""
    referral = get_object_or_404(selectors.referrals_for(request.user), pk=pk)
    case = get_object_or_404(CaseAssessment.objects.select_related("assessed_by", "informed_by"), referral=referral)
    items = selectors_departments.items_of_case(case)
    may_inform = services.may_inform(request.user, case) and case.decided_at and not case.informed_at
    form = InformForm(request.POST or None, initial={"version": case.version}) if may_inform else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("告知家庭须由乡镇民政办或本村社会救助协理员办理，且各部门均已办结、尚未告知。"))
            return redirect("referrals:assessment", pk=referral.pk)
        if form.is_valid():
            try:
                services.assessment_inform(actor=request.user, assessment=case, note=form.cleaned_data["note"],
                                           version=form.cleaned_data["version"])
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("已一次性告知家庭各部门的办理结果。"))
                return redirect("referrals:assessment", pk=referral.pk)
    # Only a case still with its departments takes a decision (department_item refuses one otherwise).
    open_case = referral.status == ReferralStatus.ASSIGNED
    for item in items:
        item.may_decide = open_case and item.is_pending and access.decides_department_item(
            request.user, village_id=item.village_id, township_id=item.township_id, department=item.department)
    return TemplateResponse(request, "referrals/assessment.html", {
        "referral": referral, "case": case, "items": items, "form": form,
        "household_url": household_url(referral.household_id), "head": head_of(referral.household),
        "today": timezone.localdate()})


@access_rule(roles=QUEUE_ROLES)
def department_items(request):
    """部门办理事项: the items waiting for (or decided by) each department, within the user's scope."""
    form = ItemFilterForm(request.GET or None)
    state, department = "pending", ""
    if form.is_valid():
        state = form.cleaned_data["state"] or "pending"
        department = form.cleaned_data["department"]
    own_department = access.is_department_staff(request.user)
    qs = selectors_departments.items_filtered(request.user, state=state, department=department)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return TemplateResponse(request, "referrals/department_items.html", {
        "form": form, "page": page, "state": state, "own_department": own_department,
        "counts": [] if own_department else selectors_departments.department_item_counts(request.user),
        "links_to_cases": access.may_open(request.user, "referrals:list"), "today": timezone.localdate()})


# Any staff role passes the rule; the item's own scope (access.department_items_scope) answers 404 to the rest.
@access_rule(roles=[*STAFF, Role.DEPARTMENT])
def department_item(request, pk):
    """One department's item: the family, the assessment, the measure, and the decision form."""
    item = get_object_or_404(selectors_departments.items_for(request.user), pk=pk)
    referral = item.assessment.referral
    may_decide = item.is_pending and referral.status == ReferralStatus.ASSIGNED and access.decides_department_item(
        request.user, village_id=item.village_id, township_id=item.township_id, department=item.department)
    form = ItemDecideForm(request.POST or None, initial={"version": item.version}) if may_decide else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("该事项已办结，或不由您登记办理结果，您的操作未保存。"))
            return redirect("referrals:department_item", pk=item.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.department_item_decide(
                    actor=request.user, item=item, approved=data["decision"] == ItemStatus.APPROVED,
                    reason=data["reason"], amount=data["amount"], version=data["version"])
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("已登记“%(d)s”的办理结果。") % {"d": item.get_department_display()})
                return redirect("referrals:department_items")
    return TemplateResponse(request, "referrals/department_item.html", {
        "item": item, "referral": referral, "case": item.assessment, "form": form,
        "records_for": not access.is_department_staff(request.user),
        "links_to_cases": access.may_open(request.user, "referrals:list"), "today": timezone.localdate()})
