"""Pages after 公示: objections, submission for approval, the district's approval queue and answer, who approves
what (审批权限), and each village's standing notice of recipients (救助对象长期公示). Thin: the services decide."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access
from relief.access import Action, access_rule
from relief.models import JurisdictionLevel, Role

from . import selectors, selectors_approval, services
from .forms_approval import (
    ApprovalRuleForm, ApprovalSubmitForm, ApproveForm, HotlineForm, ObjectionForm, RefuseForm,
)
from .models import OutcomeAssistance, Referral, ReferralStatus
from .models_approval import ApprovalRule, ApprovalState
from .services.approval import MATERIAL_LABELS, RULE_KINDS, approval_rule_for, approving_level, district_of_village
from .steplimits import default_deadline_for

STAFF = [Role.CASEWORKER, Role.TOWNSHIP, Role.DISTRICT]


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def approval_panel(user, referral: Referral) -> dict:
    """What the referral page shows of this feature: objections, submissions and the next step here."""
    township = access.is_referral_party(user, JurisdictionLevel.TOWNSHIP, referral.village_id)
    in_notice = referral.status == ReferralStatus.NOTICE
    notice_over = bool(in_notice and referral.notice_end and referral.notice_end < timezone.localdate())
    approvals = list(referral.approvals.select_related("submitted_by", "decided_by").order_by("submitted_at", "pk"))
    for a in approvals:
        a.material_labels = [str(MATERIAL_LABELS.get(m, m)) for m in a.materials]
    rule_text = ""
    if in_notice and referral.requested:
        rule = approval_rule_for(district_of_village(referral.village_id), referral.requested)
        rule_text = rule.text if rule else _("乡镇审批")
    return {
        "objections": list(referral.objections.select_related("recorded_by")),
        "approvals": approvals,
        "may_object": township and in_notice,
        "may_submit_approval": township and notice_over,
        "approval_rule_text": rule_text,
    }


# ---------------------------------------------------------------- township: objection, submission
def _referral_for(request, pk) -> Referral:
    return get_object_or_404(selectors.referrals_for(request.user), pk=pk)


def _township_referral(request, pk) -> Referral:
    """The referral (404 outside the user's jurisdiction), for its township's staff only."""
    referral = _referral_for(request, pk)
    if not access.is_referral_party(request.user, JurisdictionLevel.TOWNSHIP, referral.village_id):
        raise PermissionDenied(_("此步骤须由乡镇民政办办理。"))
    return referral


@access_rule(Action.VIEW, roles=STAFF)
def objection_create(request, pk):
    """登记公示异议: the case goes back to investigation."""
    referral = _township_referral(request, pk)
    form = ObjectionForm(request.POST or None, initial={
        "version": referral.version, "deadline": default_deadline_for(referral.urgency)})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "comment"}
        try:
            services.objection_record(actor=request.user, referral=referral, **data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已登记异议，转办退回“已交办部门”重新调查核实。"))
            return redirect("referrals:detail", pk=referral.pk)
    return TemplateResponse(request, "referrals/approval_form.html", {
        "referral": referral, "form": form, "title": _("登记公示异议"), "testid": "objection",
        "intro": _("公示期间收到异议的，登记异议人、内容和处理情况；转办退回承办部门重新调查，调查后重新公示。")},
        status=400 if request.method == "POST" else 200)


@access_rule(Action.VIEW, roles=STAFF)
def approval_submit(request, pk):
    """报送审批: after a 公示 without objection, with the materials, to the level that approves."""
    referral = _township_referral(request, pk)
    form = ApprovalSubmitForm(request.POST or None, initial={
        "version": referral.version, "assistance_type": referral.requested,
        "materials": ["income_check", "home_visit", "review", "notice"]})
    if request.method == "POST" and form.is_valid():
        try:
            services.approval_submit(actor=request.user, referral=referral, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已报送区县民政局审批。"))
            return redirect("referrals:detail", pk=referral.pk)
    rule_text = ""
    if referral.requested:
        rule = approving_level(referral, referral.requested, None)[1]
        rule_text = rule.text if rule else _("乡镇审批")
    return TemplateResponse(request, "referrals/approval_form.html", {
        "referral": referral, "form": form, "title": _("报送审批"), "testid": "approval-submit",
        "intro": _("公示期满无异议的，收集材料按程序上报审批（低保、特困由区县民政局审批）。"),
        "rule_text": rule_text}, status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------- district: queue and answer
@access_rule(Action.DECIDE_REFERRALS, roles=[Role.DISTRICT])
def approval_queue(request):
    """The district's approval queue: every pending submission of its townships, the earliest due first."""
    queue = selectors_approval.approval_queue(request.user)
    page = Paginator(queue, 30).get_page(request.GET.get("page"))
    decided = list(selectors_approval.approvals_for(request.user).exclude(state=ApprovalState.PENDING)
                   .order_by("-decided_at", "-pk")[:10])
    return TemplateResponse(request, "referrals/approval_queue.html", {
        "page": page, "decided": decided, "today": timezone.localdate()})


@access_rule(Action.VIEW, roles=STAFF)
def approval_detail(request, pk):
    """One submission: the case, the materials; the district approves or refuses it here."""
    approval = get_object_or_404(selectors_approval.approvals_for(request.user), pk=pk)
    referral = approval.referral
    may_decide = (approval.state == ApprovalState.PENDING and referral.status == ReferralStatus.APPROVAL
                  and access.is_referral_party(request.user, JurisdictionLevel.DISTRICT, referral.village_id))
    approve_form = ApproveForm(initial={"version": referral.version})
    refuse_form = RefuseForm(initial={"version": referral.version})
    status = 200
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied(_("该报送不在待审批状态，或您的角色不能审批。"))
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                approve_form = ApproveForm(request.POST)
                if approve_form.is_valid():
                    services.approval_approve(actor=request.user, approval=approval, **approve_form.cleaned_data)
                    messages.success(request, _("已批准：救助已记入家庭。"))
                    return redirect("referrals:approval_queue")
            elif decision == "refuse":
                refuse_form = RefuseForm(request.POST)
                if refuse_form.is_valid():
                    services.approval_refuse(actor=request.user, approval=approval, **refuse_form.cleaned_data)
                    messages.success(request, _("已不予批准：已退回乡镇，请乡镇告知家庭。"))
                    return redirect("referrals:approval_queue")
            else:
                messages.error(request, _("请选择批准或不予批准。"))
        except ValidationError as exc:
            _apply_errors(refuse_form if decision == "refuse" else approve_form, exc)
        status = 400
    steps = list(referral.steps.select_related("actor").order_by("at", "pk"))
    return TemplateResponse(request, "referrals/approval_detail.html", {
        "approval": approval, "referral": referral, "steps": steps, "may_decide": may_decide,
        "approve_form": approve_form, "refuse_form": refuse_form,
        "materials": [str(MATERIAL_LABELS.get(m, m)) for m in approval.materials],
        "objections": list(referral.objections.all()), "today": timezone.localdate()}, status=status)


# ---------------------------------------------------------------- 审批权限
@access_rule(Action.VIEW, roles=STAFF)
def approval_rules(request):
    """Who approves which kind, in force today and from later dates; the district official sets it."""
    may_set = access.sets_approval_rules(request.user)
    form = ApprovalRuleForm(request.POST or None) if may_set else None
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied(_("审批权限由区县民政局设定。"))
        if form.is_valid():
            try:
                services.approval_rule_set(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("已设定审批权限。"))
                return redirect("referrals:approval_rules")
    district = request.user.jurisdiction.ancestor(JurisdictionLevel.DISTRICT) if request.user.jurisdiction_id \
        else None
    rows = list(ApprovalRule.objects.filter(district=district).select_related("created_by")
                .order_by("assistance_type", "effective_from", "pk")) if district else []
    today = timezone.localdate()
    table = []
    for kind in RULE_KINDS:
        rule = approval_rule_for(district.pk if district else None, kind, today, rows=rows)
        later = [r for r in rows if r.assistance_type == kind and r.effective_from > today]
        table.append({"label": OutcomeAssistance(kind).label, "rule": rule, "later": later})
    return TemplateResponse(request, "referrals/approval_rules.html", {
        "table": table, "form": form, "may_set": may_set, "history": sorted(rows, key=lambda r: r.created_at,
                                                                          reverse=True)[:50]},
        status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------- 救助对象长期公示
@access_rule(Action.VIEW, roles=[Role.CASEWORKER, Role.TOWNSHIP])
def notice_boards(request):
    """The villages whose standing notice the user may print."""
    villages = access.villages_for(request.user, Action.VIEW).select_related("parent").order_by("code")
    return TemplateResponse(request, "referrals/notice_boards.html", {"villages": villages})


def _as_of(value: str | None) -> tuple[dt.date, str]:
    today = timezone.localdate()
    if not value:
        return today, ""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return today, _("日期格式不正确，已按今天显示。")
    if day > today:
        return today, _("不能公示将来的日期，已按今天显示。")
    return day, ""


@access_rule(Action.VIEW, roles=[Role.CASEWORKER, Role.TOWNSHIP])
def notice_board(request, village_pk):
    """救助对象长期公示: the village's current 低保/特困 recipients as of a date, names masked, printable."""
    village = get_object_or_404(access.villages_for(request.user, Action.VIEW).select_related("parent"),
                                pk=village_pk)
    may_set_hotline = access.inspects_village(request.user, village.parent_id)
    hotline_form = HotlineForm(request.POST or None) if may_set_hotline else None
    if request.method == "POST":
        if not may_set_hotline:
            raise PermissionDenied(_("异议受理电话由乡镇（街道）民政办设置。"))
        if hotline_form.is_valid():
            try:
                services.objection_hotline_set(actor=request.user, township=village.parent_id,
                                               phone=hotline_form.cleaned_data["phone"])
            except ValidationError as exc:
                _apply_errors(hotline_form, exc)
            else:
                messages.success(request, _("已设置异议受理电话。"))
                return redirect("referrals:notice_board", village_pk=village.pk)
    day, date_error = _as_of(request.GET.get("as_of"))
    hotline = selectors_approval.hotline_of(village.parent_id)
    if hotline_form is not None and hotline and not hotline_form.is_bound:
        hotline_form = HotlineForm(initial={"phone": hotline.phone})
    return TemplateResponse(request, "referrals/notice_board.html", {
        "village": village, "rows": selectors_approval.notice_board_rows(village.pk, day), "as_of": day,
        "date_error": date_error, "hotline": hotline, "hotline_form": hotline_form,
        "today": timezone.localdate()}, status=400 if request.method == "POST" else 200)
