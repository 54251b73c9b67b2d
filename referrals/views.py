"""Lead and referral pages. Thin: the forms check shape, referrals.services checks rules and jurisdiction."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from households.models import Household
from households.selectors import head_of
from relief import access
from relief.access import Action, access_rule
from relief.http import safe_redirect_target
from relief.models import JurisdictionLevel, Role
from relief.reveal import RevealForm, audit_reveal, mask_phone, reason_label, reveal_for
from relief.search_terms import search_data, search_scope, searched_by_post

from . import selectors, services
from .forms import (
    STEP_FORMS, BulkAcceptForm, LeadCloseForm, LeadFilterForm, LeadForm, LeadHouseholdForm, ReferralCreateForm,
    ReferralFilterForm, StepLimitForm,
)
from .hotline_views import work_order_context
from .views_hukou import referral_hukou_context
from .views_approval import approval_panel
from .models import Lead, Referral, ReferralStatus, StepAction, StepKind, StepLimit, Urgency
from .steplimits import LimitTable, attach_clocks, default_deadline_for

STAFF = [Role.CASEWORKER, Role.TOWNSHIP, Role.DISTRICT]


def household_url(household_id) -> str:
    try:
        return reverse("households:detail", kwargs={"pk": household_id})
    except NoReverseMatch:
        return ""


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _villages(user, action):
    return list(access.villages_for(user, action).order_by("code"))


def _townships(user):
    """The townships a list may be narrowed to; the field shows for users serving a district (no query here)."""
    townships = access.jurisdictions_for(user, Action.VIEW, JurisdictionLevel.TOWNSHIP).order_by("code")
    townships.serves_level = user.jurisdiction.level if user.jurisdiction_id else ""
    return townships


# ---------------------------------------------------------------- leads
@access_rule(Action.VIEW, roles=STAFF)
@searched_by_post
def lead_list(request):
    villages = _villages(request.user, Action.VIEW)
    form = LeadFilterForm(search_data(request) or None, villages=access.villages_for(request.user, Action.VIEW),
                          townships=_townships(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    table = LimitTable()
    leads = selectors.leads_filtered(request.user, village=filters.get("village"), status=filters.get("status", ""),
                                     channel=filters.get("channel", ""), township=filters.get("township"),
                                     late=filters.get("late", False), table=table, q=filters.get("q", ""))
    paginator = Paginator(leads, 30)
    if not selectors.lead_list_narrows(filters):
        paginator.count = selectors.lead_count(request.user)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.attach_match_notes(attach_clocks(page.object_list, "lead", table),
                                                    filters.get("q", ""))
    may_register = access.can_anywhere(request.user, Action.EDIT_HOUSEHOLDS) or access.can_anywhere(
        request.user, Action.SUBMIT_REFERRALS)
    return TemplateResponse(request, "referrals/lead_list.html", {
        "form": form, "page": page, "may_register": may_register,
        "search_everywhere": search_scope(request, form), "village_count": len(villages),
        "may_see_work_orders": access.may_open(request.user, "referrals:work_orders")})


@access_rule(Action.EDIT_HOUSEHOLDS, roles=[Role.CASEWORKER, Role.TOWNSHIP])
def lead_create(request):
    """The intake form for a hotline call, a window visit or a report from the village."""
    villages = access.villages_for(request.user, Action.EDIT_HOUSEHOLDS).order_by("code")
    form = LeadForm(request.POST or None, villages=villages, role=request.user.role)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("线索已登记。"))
            return redirect("referrals:lead_detail", pk=lead.pk)
    return TemplateResponse(request, "referrals/lead_form.html", {
        "form": form, "caseworker": request.user.role == Role.CASEWORKER})


def _lead_for(request, pk) -> Lead:
    lead = get_object_or_404(selectors.leads_for(request.user), pk=pk)
    return lead


def _may_refer(user, lead: Lead) -> bool:
    return any(access.is_referral_party(user, level, lead.village_id)
               for level in (JurisdictionLevel.VILLAGE, JurisdictionLevel.TOWNSHIP))


@access_rule(Action.VIEW, roles=STAFF)
@require_http_methods(["GET", "POST"])
def lead_detail(request, pk):
    """One lead; the reporter's contact is masked, and a POST with a reason (relief/reveal.py) shows it once."""
    lead = _lead_for(request, pk)
    user = request.user
    may_reveal = access.can(user, Action.VIEW_PERSONAL_DATA, lead.village_id) and bool(lead.reporter_contact)
    # The household picker posts what it looks for (a name or an ID number stays out of the address and the
    # server's log, as on the lists: relief/search_terms.py); any other POST here is a reveal.
    searching = request.method == "POST" and "hq" in request.POST
    reason, reveal_form = (None, RevealForm()) if searching else reveal_for(request, may_reveal=may_reveal)
    if reason:
        audit_reveal(request, lead, reason, page="lead_detail", fields=["reporter_contact"])
    may_handle = access.may_register_lead(user, lead.village_id) and lead.is_open
    referral = selectors.referrals_for(user).filter(lead=lead).first()
    # Another referral of the family still running: this lead cannot start a second one.
    family_referral = selectors.open_referral_of(lead.household_id) if lead.household_id and not referral else None
    may_refer = (lead.is_open and lead.household_id is not None and referral is None and family_referral is None
                 and _may_refer(user, lead))
    picking = may_handle and not lead.household_id
    asked = request.POST.get("hq") if searching else request.GET.get("hq")
    query = (lead.subject_name if picking else "") if asked is None else asked.strip()
    found, more = selectors.households_to_link(user, query) if picking else ([], False)
    context = {
        "lead": lead,
        "contact": lead.reporter_contact if reason else mask_phone(lead.reporter_contact),
        "may_reveal": may_reveal and not reason, "reveal_form": reveal_form,
        "reveal_reason": reason_label(reason) if reason else "",
        "may_handle": may_handle,
        "close_form": LeadCloseForm(),
        "picking": picking, "query": query, "found": found, "more": more,
        "new_address": lead.subject_address,
        "refer_form": ReferralCreateForm(initial={"summary": lead.description, "urgency": lead.urgency})
        if may_refer else None,
        "refer_by_township": may_refer and not access.is_referral_party(user, JurisdictionLevel.VILLAGE,
                                                                        lead.village_id),
        "referral": referral,
        "family_referral": family_referral,
        "household_url": household_url(lead.household_id) if lead.household_id else "",
        "today": timezone.localdate(),
        **work_order_context(user, lead),
        "clock": attach_clocks([lead], "lead")[0],
    }
    if request.htmx and asked is not None:
        return TemplateResponse(request, "referrals/lead_detail.html#household-results", context)
    return TemplateResponse(request, "referrals/lead_detail.html", context, status=400 if reveal_form.errors else 200)


@access_rule(Action.VIEW, roles=STAFF)
@require_POST
def lead_action(request, pk, action):
    lead = _lead_for(request, pk)
    version = request.POST.get("version") or None
    try:
        if action == "start":
            services.lead_start(actor=request.user, lead=lead, version=version)
            messages.success(request, _("已开始核实该线索。"))
        elif action == "close":
            form = LeadCloseForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors.get("reason") or _("请写明关闭原因。"))
            services.lead_close(actor=request.user, lead=lead, reason=form.cleaned_data["reason"], version=version)
            messages.success(request, _("线索已关闭。"))
        elif action == "household":
            # Only households the user may see are valid choices: another jurisdiction's id is refused here.
            households = access.scope(Household.objects.all(), request.user, Action.VIEW)
            form = LeadHouseholdForm(request.POST, households=households)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            services.lead_link_household(actor=request.user, lead=lead, version=version, **form.cleaned_data)
            messages.success(request, _("已关联家庭。"))
        elif action == "refer":
            form = ReferralCreateForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            data = form.cleaned_data
            referral = services.lead_to_referral(actor=request.user, lead=lead, version=version,
                                                 summary=data["summary"], requested=data["requested"],
                                                 willing=data["willing"])
            if referral.status == ReferralStatus.SUBMITTED and request.POST.get("then") == "assess":
                # 一门受理: a family at the service centre's window is assessed at once (综合评估, several departments).
                messages.success(request, _("已受理：请完成综合评估，交办各部门。"))
                return redirect("referrals:assess", pk=referral.pk)
            if referral.status == ReferralStatus.SUBMITTED:
                messages.success(request, _("已受理并转办：状态为“已报乡镇”，请交办部门。"))
            else:
                messages.success(request, _("已转为村级转办草稿，请组织集体研究后报送乡镇。"))
            return redirect("referrals:detail", pk=referral.pk)
        else:
            raise Http404(_("未找到该操作。"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("referrals:lead_detail", pk=lead.pk)


# ---------------------------------------------------------------- referrals
@access_rule(Action.VIEW, roles=STAFF)
@searched_by_post
def referral_list(request):
    """The township's review queue; for a village its own referrals; filters and bulk hand-over."""
    user = request.user
    villages = access.villages_for(user, Action.VIEW).order_by("code")
    data = search_data(request).copy()
    if not request.GET and user.role == Role.TOWNSHIP:
        # The township opens on what awaits its acceptance (not the cases a hukou township handles).
        data["status"] = ReferralStatus.SUBMITTED
        data["handled_here"] = "on"
    form = ReferralFilterForm(data or None, villages=villages, townships=_townships(user))
    filters = form.cleaned_data if form.is_valid() else {}
    table = LimitTable()
    referrals = selectors.referrals_filtered(user, village=filters.get("village"),
                                             department=filters.get("department", ""),
                                             status=filters.get("status", ""), overdue=filters.get("overdue", False),
                                             paperwork=filters.get("paperwork", False),
                                             township=filters.get("township"), late=filters.get("late", ""),
                                             table=table, handled_here=filters.get("handled_here", False),
                                             q=filters.get("q", ""))
    page = Paginator(referrals, 30).get_page(request.GET.get("page"))
    page.object_list = selectors.attach_match_notes(attach_clocks(page.object_list, "referral", table),
                                                    filters.get("q", ""))
    may_assign = access.assigns_referrals(user)
    # The bulk form only beside rows it can take: 已报乡镇 and handled here (the rows with a tick box).
    acceptable = may_assign and any(r.status == ReferralStatus.SUBMITTED and r.handled_here for r in page.object_list)
    return TemplateResponse(request, "referrals/referral_list.html", {
        "form": form, "page": page, "may_assign": may_assign, "bulk_acceptable": acceptable,
        "search_everywhere": search_scope(request, form),
        "bulk_form": BulkAcceptForm(initial={"deadline": default_deadline_for(Urgency.NORMAL, table)}),
        "today": timezone.localdate(), "title": _("转办"),
        "may_notice_boards": access.may_open(user, "referrals:notice_boards")})


@access_rule(Action.DECIDE_REFERRALS, roles=[Role.TOWNSHIP])
@require_POST
def bulk_accept(request):
    form = BulkAcceptForm(request.POST)
    ids = [pk for pk in request.POST.getlist("ids") if pk.isdigit()]
    back = safe_redirect_target(request, request.POST.get("next"), fallback=reverse("referrals:list"))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        done = services.referral_bulk_accept(actor=request.user, referral_ids=ids, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已交办 %(n)s 条转办。") % {"n": len(done)})
    return redirect(back)


@access_rule(Action.VIEW, roles=[Role.TOWNSHIP, Role.DISTRICT])
def department_list(request):
    """清单管理: each department's list of referrals, with open and overdue counts."""
    counts = selectors.department_counts(request.user)
    department = request.GET.get("department") or ""
    if department and department not in {row["code"] for row in counts}:
        department = ""
    referrals = selectors.referrals_filtered(request.user, department=department).exclude(department="") \
        .filter(status__in=[ReferralStatus.ASSIGNED, ReferralStatus.REVIEWED, ReferralStatus.NOTICE,
                            ReferralStatus.ESCALATED, ReferralStatus.ELIGIBLE, ReferralStatus.INELIGIBLE])
    if request.GET.get("open") != "0":
        referrals = referrals.exclude(status__in=[ReferralStatus.ELIGIBLE, ReferralStatus.INELIGIBLE])
    page = Paginator(referrals.order_by("deadline", "pk"), 30).get_page(request.GET.get("page"))
    page.object_list = attach_clocks(page.object_list, "referral")
    return TemplateResponse(request, "referrals/department_list.html", {
        "counts": counts, "department": department, "page": page, "today": timezone.localdate(),
        "late_tables": _late_tables(request.user)})


def _late_tables(user) -> list[dict]:
    table = selectors.late_step_table(user)
    return [{"key": "townships", "label": _("乡镇（街道）"), "rows": table["townships"]},
            {"key": "villages", "label": _("村（社区）"),
             "rows": table["villages"] + [{"name": _("合计"), "pk": None, "cells": table["total"]}]}]


@access_rule(Action.DECIDE_REFERRALS, roles=[Role.DISTRICT, Role.TOWNSHIP])
def escalations(request):
    """What townships sent up to the district (the district decides; a township follows its own)."""
    referrals = selectors.referrals_filtered(request.user, status=ReferralStatus.ESCALATED).order_by(
        "escalated_at", "pk")
    decided = attach_clocks(selectors.referrals_for(request.user).filter(decision_level="district")
                            .order_by("-decided_at")[:20], "referral")
    page = Paginator(referrals, 30).get_page(request.GET.get("page"))
    page.object_list = attach_clocks(page.object_list, "referral")
    return TemplateResponse(request, "referrals/escalations.html", {
        "page": page, "decided": decided, "today": timezone.localdate()})


def _referral_for(request, pk) -> Referral:
    return get_object_or_404(selectors.referrals_for(request.user), pk=pk)


@access_rule(Action.VIEW, roles=STAFF)
def referral_detail(request, pk):
    referral = _referral_for(request, pk)
    steps = list(referral.steps.select_related("actor").order_by("at", "pk"))
    allowed = services.allowed_steps(request.user, referral)
    attach_clocks([referral], "referral")
    hukou = referral_hukou_context(request.user, referral)
    return TemplateResponse(request, "referrals/referral_detail.html", {
        "referral": referral, "steps": steps,
        "actions": [(a, StepAction(a).label) for a in allowed],
        # The hukou township sees the case, not the family's other records (services.rules).
        "household_url": household_url(referral.household_id) if hukou["residence_side"] else "",
        "today": timezone.localdate(),
        "head": head_of(referral.household), **hukou, **approval_panel(request.user, referral),
        # Several departments on one case (views_departments.py): its page, or the assessment that starts one.
        "has_assessment": services.has_assessment(referral),
        "may_assess": StepAction.ACCEPT in allowed})


STEP_SERVICES = {
    StepAction.STUDY: services.referral_study,
    StepAction.SUBMIT: services.referral_submit,
    StepAction.ACCEPT: services.referral_accept,
    StepAction.REVIEW: services.referral_review,
    StepAction.NOTICE_START: services.referral_notice_start,
    StepAction.NOTICE_RESULT: services.referral_notice_result,
    StepAction.DECIDE_ELIGIBLE: services.referral_decide_eligible,
    StepAction.DECIDE_INELIGIBLE: services.referral_decide_ineligible,
    StepAction.ESCALATE: services.referral_escalate,
    StepAction.RETURN: services.referral_return,
    StepAction.HELP_FIRST: services.referral_help_first,
    StepAction.PAPERWORK_DONE: services.referral_paperwork_done,
    StepAction.DISCUSSION: services.referral_discussion,
    StepAction.INFORM: services.referral_inform_family,
}
# Steps whose form has a reason but whose service takes no separate comment.
NO_COMMENT = {StepAction.ESCALATE, StepAction.RETURN, StepAction.DISCUSSION}


@access_rule(Action.VIEW, roles=STAFF)
def referral_step(request, pk, action):
    """One step's form (GET) and its execution (POST). The service refuses what the role or state forbids."""
    referral = _referral_for(request, pk)
    if action not in STEP_SERVICES:
        raise Http404(_("未找到该操作。"))
    form_class = STEP_FORMS[action]
    initial = {"version": referral.version}
    if action == StepAction.ACCEPT:
        initial["deadline"] = default_deadline_for(referral.urgency)
    if action == StepAction.DECIDE_ELIGIBLE:
        initial.update({"assistance_type": referral.requested, "amount": referral.discussion_amount})
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if action in NO_COMMENT:
            data.pop("comment", None)
        try:
            STEP_SERVICES[action](actor=request.user, referral=referral, **data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已办理：%(step)s。") % {"step": StepAction(action).label})
            return redirect("referrals:detail", pk=referral.pk)
    return TemplateResponse(request, "referrals/referral_step.html", {
        "referral": referral, "form": form, "action": action, "step_label": StepAction(action).label,
        "allowed": services.can_step(request.user, referral, action)})


@access_rule(Action.VIEW, roles=STAFF)
def referral_create(request, household_pk):
    household = get_object_or_404(access.scope(Household.objects.all(), request.user, Action.VIEW),
                                  pk=household_pk)
    if not access.is_referral_party(request.user, JurisdictionLevel.VILLAGE, household.village_id):
        raise PermissionDenied(_("转办须由本村社会救助协理员发起。"))
    form = ReferralCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(actor=request.user, household=household, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已起草转办，请组织村级集体研究后报送乡镇。"))
            return redirect("referrals:detail", pk=referral.pk)
    return TemplateResponse(request, "referrals/referral_create.html", {
        "form": form, "household": household, "household_url": household_url(household.pk)})


# ---------------------------------------------------------------- step limits (环节时限)
@access_rule(Action.VIEW, roles=STAFF)
def step_limits(request):
    """The limit of each step per urgency, in force today and from later dates, with its history. Everyone on
    the ladder reads it; the district official sets it (access.sets_step_limits)."""
    may_set = access.sets_step_limits(request.user)
    form = StepLimitForm(request.POST or None) if may_set else None
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied(_("环节时限由区县民政局设定。"))
        if form.is_valid():
            try:
                limit = services.step_limit_set(actor=request.user, **{
                    k: v for k, v in form.cleaned_data.items() if k != "confirm_past"})
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("已设定：%(limit)s，自%(day)s起开始的环节适用。") % {
                    "limit": limit, "day": limit.effective_from})
                return redirect("referrals:limits")
    rows = list(StepLimit.objects.select_related("created_by").order_by("step", "urgency", "effective_from", "pk"))
    table = LimitTable(rows)
    today = timezone.localdate()
    grid = []
    for step, label in StepKind.choices:
        cells = []
        for urgency, _label in Urgency.choices:
            current = table.resolve(step, urgency, today)
            later = [r for r in table.by_key.get((step, urgency), []) if r.effective_from > today]
            cells.append({"current": current, "later": later})
        grid.append({"step": step, "label": label, "cells": cells})
    # What people set, newest first; the defaults the system seeded are one line under the table.
    history = sorted((r for r in rows if r.created_by_id), key=lambda r: (r.created_at, r.pk), reverse=True)[:100]
    defaults = next((r for r in rows if not r.created_by_id and r.note), None)
    return TemplateResponse(request, "referrals/step_limits.html", {
        "grid": grid, "urgencies": Urgency.choices, "history": history, "form": form, "may_set": may_set,
        "defaults": defaults},
        status=400 if request.method == "POST" else 200)
