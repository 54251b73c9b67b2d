"""Pages of the libraries, teams, resource map, household plans (一户一策) and policy-match results."""
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from households.models import Household, TargetKind
from households.presence import listed
from relief import access
from relief.access import Action, access_rule
from relief.audit import AuditEvent, audit_record
from relief.models import Jurisdiction, JurisdictionLevel

from . import selectors, services
from .forms import (
    ConditionFormSet, NeedForm, PlanItemForm, PolicyForm, ProgressForm, ProjectForm, ResourceForm, TeamMemberForm,
)
from .models import (
    Need, PlanItem, PlanProgress, Policy, PolicyMatch, Project, ProjectKind, Resource, ResourceKind, TeamMember,
    TeamRole,
)
from .selectors import library_editable, library_visible


def _apply_errors(form, exc: ValidationError, default_field=None):
    """Show a service's refusal at the field it concerns, or above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = name if name in form.fields else default_field
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# --------------------------------------------------------------------------- policy library
@access_rule(Action.VIEW)
def policy_list(request):
    q = request.GET.get("q", "").strip()
    policies = library_visible(Policy.objects.select_related("owner"), request.user).annotate(
        n_conditions=Count("conditions"))
    if q:
        policies = policies.filter(Q(name__icontains=q) | Q(summary__icontains=q) | Q(department__icontains=q))
    return TemplateResponse(request, "plans/policy_list.html", {
        "policies": policies, "q": q, "can_edit": access.keeps_libraries(request.user)})


def _visible_policy(request, pk) -> Policy:
    qs = selectors.policies_with_conditions(library_visible(Policy.objects.select_related("owner"), request.user))
    return get_object_or_404(qs, pk=pk)


@access_rule(Action.VIEW)
def policy_detail(request, pk):
    policy = _visible_policy(request, pk)
    editable = library_editable(Policy.objects.filter(pk=pk), request.user).exists()
    return TemplateResponse(request, "plans/policy_detail.html", {"policy": policy, "editable": editable})


@access_rule(Action.VIEW)
def policy_sheet(request, pk):
    """明白纸: the policy on one printable page, in plain words (seed 003 §三(三))."""
    policy = _visible_policy(request, pk)
    from .views_advisers import sheet_advisers

    return TemplateResponse(request, "plans/policy_sheet.html", {"policy": policy, **sheet_advisers(request)})


def _policy_form_page(request, policy=None):
    user = request.user
    initial_conditions = []
    if policy is not None:
        initial_conditions = [{"group": c.group, "kind": c.kind, "comparison": c.comparison, "factor": c.factor,
                               "amount": c.amount, "min_value": c.min_value, "max_value": c.max_value,
                               "values": [f"{_domain(c.kind)}:{v}" for v in c.values]}
                              for c in policy.conditions.all()]
    if request.method == "POST":
        form = PolicyForm(request.POST, instance=policy, user=user)
        formset = ConditionFormSet(request.POST, prefix="c", initial=initial_conditions)
        if form.is_valid() and formset.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "areas"}
            try:
                saved = services.policy_save(actor=user, policy=policy, data=data, areas=form.cleaned_data["areas"],
                                             conditions=formset.conditions(), version=request.POST.get("version"))
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                formset_errors = errors.pop("conditions", [])
                for name, texts in errors.items():
                    for text in texts:
                        form.add_error(name if name in form.fields else None, text)
            else:
                messages.success(request, _("政策“%(n)s”已保存。") % {"n": saved.name})
                return redirect("plans:policy_detail", pk=saved.pk)
        else:
            formset_errors = []
    else:
        form = PolicyForm(instance=policy, user=user)
        formset = ConditionFormSet(prefix="c", initial=initial_conditions)
        formset_errors = []
    return TemplateResponse(request, "plans/policy_form.html", {
        "form": form, "formset": formset, "policy": policy, "condition_errors": formset_errors})


def _domain(kind):
    from .forms import VALUE_DOMAINS

    return VALUE_DOMAINS.get(kind, "")


@access_rule(Action.VIEW, roles=access.LIBRARY_KEEPERS)
def policy_create(request):
    return _policy_form_page(request)


@access_rule(Action.VIEW)
def policy_edit(request, pk):
    policy = get_object_or_404(library_editable(Policy.objects.prefetch_related("conditions", "areas"),
                                                request.user), pk=pk)
    return _policy_form_page(request, policy)


# --------------------------------------------------------------------------- resources and projects
@access_rule(Action.VIEW)
def resource_list(request):
    kind = request.GET.get("kind", "")
    resources = library_visible(Resource.objects.select_related("owner"), request.user).prefetch_related("villages")
    if kind in ResourceKind.values:
        resources = resources.filter(kind=kind)
    editable_ids = set(library_editable(Resource.objects.all(), request.user).values_list("pk", flat=True))
    return TemplateResponse(request, "plans/resource_list.html", {
        "resources": resources, "kinds": ResourceKind.choices, "kind": kind, "editable_ids": editable_ids,
        "can_edit": access.keeps_libraries(request.user)})


@access_rule(Action.VIEW)
def project_list(request):
    kind = request.GET.get("kind", "")
    projects = library_visible(Project.objects.select_related("owner", "provider"), request.user).prefetch_related(
        "villages")
    if kind in ProjectKind.values:
        projects = projects.filter(kind=kind)
    editable_ids = set(library_editable(Project.objects.all(), request.user).values_list("pk", flat=True))
    return TemplateResponse(request, "plans/project_list.html", {
        "projects": projects, "kinds": ProjectKind.choices, "kind": kind, "editable_ids": editable_ids,
        "can_edit": access.keeps_libraries(request.user)})


def _library_form_page(request, form_class, save, obj, title, list_url):
    user = request.user
    if request.method == "POST":
        form = form_class(request.POST, instance=obj, user=user)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "villages"}
            try:
                saved = save(actor=user, data=data, villages=form.cleaned_data["villages"])
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("“%(n)s”已保存。") % {"n": saved.name})
                return redirect(list_url)
    else:
        form = form_class(instance=obj, user=user)
    return TemplateResponse(request, "plans/library_form.html", {"form": form, "title": title, "obj": obj,
                                                                 "list_url": list_url})


@access_rule(Action.VIEW, roles=access.LIBRARY_KEEPERS)
def resource_create(request):
    return _library_form_page(request, ResourceForm, lambda **kw: services.resource_save(**kw), None,
                              _("登记帮扶资源"), "plans:resource_list")


@access_rule(Action.VIEW)
def resource_edit(request, pk):
    resource = get_object_or_404(library_editable(Resource.objects.all(), request.user), pk=pk)
    return _library_form_page(request, ResourceForm, lambda **kw: services.resource_save(resource=resource, **kw),
                              resource, _("修改帮扶资源"), "plans:resource_list")


@access_rule(Action.VIEW, roles=access.LIBRARY_KEEPERS)
def project_create(request):
    return _library_form_page(request, ProjectForm, lambda **kw: services.project_save(**kw), None,
                              _("登记服务项目"), "plans:project_list")


@access_rule(Action.VIEW)
def project_edit(request, pk):
    project = get_object_or_404(library_editable(Project.objects.all(), request.user), pk=pk)
    return _library_form_page(request, ProjectForm, lambda **kw: services.project_save(project=project, **kw),
                              project, _("修改服务项目"), "plans:project_list")


def _township_from_request(request):
    townships = list(selectors.visible_townships(request.user).order_by("code"))
    if not townships:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    wanted = request.GET.get("township")
    if wanted:
        chosen = next((t for t in townships if str(t.pk) == wanted), None)
        if chosen is None:
            raise Http404(_("未找到该记录，或它不在您的辖区内。"))
        return chosen, townships
    return townships[0], townships


@access_rule(Action.VIEW)
def resource_map(request):
    """资源地图: resources and projects by village of one township, as a table and a schematic SVG."""
    township, townships = _township_from_request(request)
    villages = list(Jurisdiction.objects.filter(parent=township, level=JurisdictionLevel.VILLAGE).order_by("code"))
    district_ids = selectors.district_jurisdiction_ids(request.user)
    resources = Resource.objects.filter(is_active=True, villages__in=villages).distinct()
    projects = Project.objects.filter(villages__in=villages).distinct()
    if district_ids is not None:
        resources = resources.filter(owner_id__in=district_ids)
        projects = projects.filter(owner_id__in=district_ids)
    by_village = {v.pk: {"resources": [], "projects": []} for v in villages}
    village_ids = set(by_village)
    for r in resources.prefetch_related("villages"):
        for v in r.villages.all():
            if v.pk in village_ids:
                by_village[v.pk]["resources"].append(r)
    for p in projects.prefetch_related("villages"):
        for v in p.villages.all():
            if v.pk in village_ids:
                by_village[v.pk]["projects"].append(p)
    rows, cols = [], 3
    for i, v in enumerate(villages):
        entry = by_village[v.pk]
        kinds = defaultdict(int)
        for r in entry["resources"]:
            kinds[r.get_service_kind_display()] += 1
        n = len(entry["resources"]) + len(entry["projects"])
        rows.append({"village": v, "resources": entry["resources"], "projects": entry["projects"],
                     "kinds": sorted(kinds.items()), "x": 20 + (i % cols) * 200, "y": 20 + (i // cols) * 120,
                     "total": n, "shade": "#e6f4ea" if n >= 3 else ("#fff6e0" if n else "#fdecea")})
    height = 20 + ((len(villages) + cols - 1) // cols) * 120
    return TemplateResponse(request, "plans/resource_map.html", {
        "township": township, "townships": townships, "rows": rows, "svg_height": height,
        "svg_width": 20 + cols * 200})


# --------------------------------------------------------------------------- teams
@access_rule(Action.VIEW)
def team_list(request):
    township, townships = _township_from_request(request)
    villages = list(Jurisdiction.objects.filter(parent=township, level=JurisdictionLevel.VILLAGE).order_by("code"))
    assistants = selectors.village_assistants(villages)
    group = selectors.collection_group_members([township])[township.pk]
    others = (TeamMember.objects.filter(township=township, role__in=[TeamRole.VOLUNTEER, TeamRole.GRID_WORKER,
                                                                       TeamRole.GROUP_LEADER])
              .prefetch_related("villages").order_by("role", "name"))
    editable = access.keeps_libraries_of(request.user, township)
    return TemplateResponse(request, "plans/team_list.html", {
        "township": township, "townships": townships,
        "village_rows": [{"village": v, "assistants": assistants[v.pk]} for v in villages],
        "missing": [v for v in villages if not assistants[v.pk]], "group": group,
        "has_leader": any(m.is_leader for m in group), "others": others, "editable": editable,
        "inactive": TeamMember.objects.filter(township=township, is_active=False).order_by("name")})


def _team_form_page(request, township, member=None):
    if not access.keeps_libraries_of(request.user, township):
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    if request.method == "POST":
        form = TeamMemberForm(request.POST, instance=member, township=township)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "villages"}
            try:
                saved = services.team_member_save(actor=request.user, member=member, township=township, data=data,
                                                  villages=form.cleaned_data["villages"])
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("%(n)s 的信息已保存。") % {"n": saved.name})
                return redirect(f"{_url('plans:team_list')}?township={township.pk}")
    else:
        form = TeamMemberForm(instance=member, township=township)
    return TemplateResponse(request, "plans/team_form.html", {"form": form, "township": township, "member": member})


def _url(name, **kwargs):
    from django.urls import reverse

    return reverse(name, kwargs=kwargs or None)


@access_rule(Action.VIEW, roles=access.LIBRARY_KEEPERS)
def team_create(request):
    township, _townships = _township_from_request(request)
    return _team_form_page(request, township)


@access_rule(Action.VIEW)
def team_edit(request, pk):
    member = get_object_or_404(TeamMember.objects.filter(
        township__in=selectors.visible_townships(request.user)).select_related("township"), pk=pk)
    return _team_form_page(request, member.township, member)


# --------------------------------------------------------------------------- household plan 一户一策
def _household(request, pk, action=Action.VIEW) -> Household:
    qs = access.scope(Household.objects.select_related("village__parent__parent"), request.user, action)
    return get_object_or_404(qs, pk=pk)


def plan_context(request, household, *, forms=True) -> dict:
    """Needs, plan items, and the policies the family may qualify for; a fixed number of queries."""
    user = request.user
    full = selectors.household_for_matching(household)
    missing, received, facts = selectors.household_policy_results(full, user)
    # One household's rows: ordered without the models' household-first ordering, whose joins cost more to plan
    # than the rows cost to read.
    needs = listed(household, Need, lambda: Need.objects.filter(household=household).select_related("created_by")
                   .order_by("created_at", "pk"))
    items = listed(household, PlanItem, lambda: PlanItem.objects.filter(household=household)
                   .order_by("due_date", "pk")
                   .select_related("need", "policy", "resource", "project", "owner").prefetch_related(
                       Prefetch("progress", queryset=PlanProgress.objects.select_related("actor").order_by("at", "pk"))))
    show_figures = access.can(user, Action.VIEW_PERSONAL_DATA, household.village_id)
    found_kind = (TargetKind.INSUFFICIENT if facts.categories else TargetKind.MISSING) if missing else ""
    context = {
        "household": household, "missing": missing, "received": received, "needs": needs, "items": items,
        "target_kind": TargetKind(found_kind).label if found_kind else "",
        # On the roster under another 对象类型 than the policies find (a 救助预警 family that may qualify for 低保
        # and receives nothing is 救助缺失): said beside the finding, for staff to correct; never changed silently.
        "roster_kind_differs": (TargetKind(household.roster_kind).label
                                if found_kind and household.roster_kind in TargetKind.values
                                and household.roster_kind != found_kind else ""),
        "show_figures": show_figures, "standard": facts.standard,
        "can_edit": access.can(user, Action.EDIT_HOUSEHOLDS, household.village_id),
        "can_refer": access.can(user, Action.SUBMIT_REFERRALS, household.village_id),
        "matches": listed(household, PolicyMatch,
                          lambda: PolicyMatch.objects.filter(household=household).select_related("policy")),
    }
    if forms and context["can_edit"]:
        district_ids = selectors.district_jurisdiction_ids(user)
        policies = [r.policy for r in missing] + [p for p in selectors.active_policies(user)
                                                  if p.pk not in {r.policy.pk for r in missing}]
        resources = list(Resource.objects.filter(is_active=True, villages=household.village_id).filter(
            **({} if district_ids is None else {"owner_id__in": district_ids})))
        projects = list(Project.objects.filter(villages=household.village_id).filter(
            **({} if district_ids is None else {"owner_id__in": district_ids})))
        context.update({
            "need_form": NeedForm(prefix="need"),
            "item_form": PlanItemForm(prefix="item", household=household, user=user, policies=policies,
                                      resources=resources, projects=projects),
            "progress_form": ProgressForm(prefix="p"),
        })
    return context


@access_rule(Action.VIEW)
def household_plan(request, household_pk):
    household = _household(request, household_pk)
    context = plan_context(request, household)
    if context["show_figures"] and context["missing"]:
        audit_record(event=AuditEvent.VIEW_PERSONAL_DATA, actor=request.user, obj=household, request=request,
                     detail={"page": "plans:household_plan", "fields": ["per_capita_income"]})
    return TemplateResponse(request, "plans/household_plan.html", context)


@access_rule(Action.VIEW)
def plan_print(request, household_pk):
    household = _household(request, household_pk)
    context = plan_context(request, household, forms=False)
    audit_record(event=AuditEvent.EXPORT, actor=request.user, obj=household, request=request,
                 detail={"page": "plans:plan_print", "what": _("一户一策打印")})
    return TemplateResponse(request, "plans/plan_print.html", context)


@access_rule(Action.EDIT_HOUSEHOLDS)
@require_POST
def need_add(request, household_pk):
    household = _household(request, household_pk, Action.EDIT_HOUSEHOLDS)
    form = NeedForm(request.POST, prefix="need")
    if form.is_valid():
        try:
            services.need_create(actor=request.user, household=household, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已加入需求清单。"))
            return redirect("plans:household_plan", household_pk=household.pk)
    context = plan_context(request, household)
    context["need_form"] = form
    return TemplateResponse(request, "plans/household_plan.html", context, status=400)


@access_rule(Action.EDIT_HOUSEHOLDS)
@require_POST
def item_add(request, household_pk):
    household = _household(request, household_pk, Action.EDIT_HOUSEHOLDS)
    context = plan_context(request, household)
    form = PlanItemForm(request.POST, prefix="item", household=household, user=request.user,
                        policies=context["item_form"].lookup["policy"].values(),
                        resources=context["item_form"].lookup["resource"].values(),
                        projects=context["item_form"].lookup["project"].values())
    if form.is_valid():
        try:
            services.plan_item_create(actor=request.user, household=household, need=form.cleaned_data["need"],
                                      action=form.cleaned_data["action"], owner=form.cleaned_data["owner"],
                                      due_date=form.cleaned_data["due_date"], **form.matched())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已加入一户一策。"))
            return redirect("plans:household_plan", household_pk=household.pk)
    context["item_form"] = form
    return TemplateResponse(request, "plans/household_plan.html", context, status=400)


def _item(request, pk) -> PlanItem:
    qs = access.scope(PlanItem.objects.select_related("household"), request.user, Action.EDIT_HOUSEHOLDS,
                      field="household__village")
    return get_object_or_404(qs, pk=pk)


@access_rule(Action.EDIT_HOUSEHOLDS)
@require_POST
def item_progress(request, pk):
    item = _item(request, pk)
    form = ProgressForm(request.POST, prefix="p")
    if form.is_valid():
        try:
            services.plan_item_progress(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已记录落实情况。"))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("plans:household_plan", household_pk=item.household_id)


@access_rule(Action.EDIT_HOUSEHOLDS)
@require_POST
def item_refer(request, pk):
    item = _item(request, pk)
    try:
        referral = services.plan_item_refer(actor=request.user, item=item)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已发起转介（转办编号 %(n)s），请在转办中完成村级研究后报送乡镇。") % {"n": referral.pk})
    return redirect("plans:household_plan", household_pk=item.household_id)


# --------------------------------------------------------------------------- policy-match results
@access_rule(Action.VIEW)
def match_list(request):
    """政策找人: households the match found, within the user's villages, newest first."""
    matches = access.scope(PolicyMatch.objects.select_related("household__village", "policy"), request.user,
                           field="household__village")
    policy = request.GET.get("policy", "")
    if policy.isdigit():
        matches = matches.filter(policy_id=int(policy))
    page = Paginator(matches.order_by("-matched_at", "-pk"), 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "plans/match_list.html", {
        "page": page, "policies": library_visible(Policy.objects.filter(is_active=True), request.user),
        "policy": policy})

