"""Street-patrol pages (街面巡查): the township's list, recording a patrol, one patrol with the leads it raised."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from relief import access
from relief.access import Action, access_rule
from relief.models import Jurisdiction, JurisdictionLevel, Role

from . import selectors_patrols as selectors, services
from .forms_patrols import PatrolEditForm, PatrolFilterForm, PatrolForm, PatrolLeadForm
from .views import _apply_errors

STAFF = [Role.CASEWORKER, Role.TOWNSHIP, Role.DISTRICT]
RECORDERS = [Role.CASEWORKER, Role.TOWNSHIP]


def _township(request, townships):
    wanted = request.GET.get("township")
    if wanted:
        chosen = next((t for t in townships if str(t.pk) == wanted), None)
        if chosen is None:
            raise Http404(_("未找到该记录，或它不在您的辖区内。"))
        return chosen
    return townships[0]


@access_rule(Action.VIEW, roles=STAFF)
def patrol_list(request):
    user = request.user
    townships = selectors.patrol_townships(user)
    if not townships:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    township = _township(request, townships)
    villages = access.villages_for(user, Action.VIEW).filter(parent=township).order_by("code")
    form = PatrolFilterForm(request.GET or None, townships=Jurisdiction.objects.filter(
        pk__in=[t.pk for t in townships]).order_by("code"), villages=villages, initial={"township": township.pk})
    filters = form.cleaned_data if form.is_valid() else {}
    patrols = selectors.patrols_filtered(user, township=township, month=filters.get("month"),
                                         village=filters.get("village"))
    page = Paginator(patrols, 30).get_page(request.GET.get("page"))
    may_record = access.can_anywhere(user, Action.EDIT_HOUSEHOLDS) and access.may_open(user, "referrals:patrol_create")
    return TemplateResponse(request, "referrals/patrol_list.html", {
        "form": form, "page": page, "township": township, "townships": townships, "may_record": may_record})


@access_rule(Action.EDIT_HOUSEHOLDS, roles=RECORDERS)
def patrol_create(request):
    user = request.user
    townships = [t for t in selectors.patrol_townships(user)]
    if not townships:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    township = _township(request, townships)
    villages = access.villages_for(user, Action.EDIT_HOUSEHOLDS).filter(parent=township).order_by("code")
    # Staff of a village record their own village's patrols; township staff may record one across villages.
    across = access.can(user, Action.EDIT_HOUSEHOLDS, township)
    form = PatrolForm(request.POST or None, villages=villages, staff=services.patrol_staff_choices(township)
                      .select_related("jurisdiction"), village_required=not across)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            patrol = services.patrol_record(actor=user, township=township, **data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("巡查记录已保存。巡查中发现困难群众的，请在下面登记线索。"))
            return redirect("referrals:patrol_detail", pk=patrol.pk)
    return TemplateResponse(request, "referrals/patrol_form.html", {
        "form": form, "township": township,
        "cancel_url": f"{reverse('referrals:patrol_list')}?township={township.pk}"})


def _patrol(request, pk):
    qs = selectors.patrols_for(request.user).select_related("township", "village", "recorded_by")
    return get_object_or_404(qs, pk=pk)


def _lead_villages(user, patrol):
    qs = access.villages_for(user, Action.VIEW)
    qs = qs.filter(pk=patrol.village_id) if patrol.village_id else qs.filter(parent=patrol.township_id)
    return [v for v in qs.order_by("code") if access.may_register_lead(user, v)]


@access_rule(Action.VIEW, roles=STAFF)
def patrol_detail(request, pk):
    patrol = _patrol(request, pk)
    user = request.user
    villages = _lead_villages(user, patrol)
    form = None
    if villages:
        form = PatrolLeadForm(request.POST or None, villages=Jurisdiction.objects.filter(
            pk__in=[v.pk for v in villages]).order_by("code"))
        if request.method == "POST" and form.is_valid():
            try:
                services.patrol_raise_lead(actor=user, patrol=patrol, **form.cleaned_data)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("线索已登记，可在线索页核实、关联家庭、转办。"))
                return redirect("referrals:patrol_detail", pk=patrol.pk)
    elif request.method == "POST":
        raise Http404(_("未找到该操作。"))
    links = list(patrol.lead_links.select_related("lead__village").order_by("pk"))
    return TemplateResponse(request, "referrals/patrol_detail.html", {
        "patrol": patrol, "staff": list(patrol.staff.select_related("jurisdiction").order_by("username")),
        "leads": [link.lead for link in links], "form": form,
        "may_edit": access.can(user, Action.EDIT_HOUSEHOLDS, patrol.place_id)
        and access.may_open(user, "referrals:patrol_edit", patrol.pk),
        "list_url": f"{reverse('referrals:patrol_list')}?township={patrol.township_id}"})


@access_rule(Action.EDIT_HOUSEHOLDS, roles=RECORDERS)
def patrol_edit(request, pk):
    """Correct a patrol's date, area, people and notes; a patrol changed meanwhile is not overwritten."""
    patrol = _patrol(request, pk)
    user = request.user
    if not access.can(user, Action.EDIT_HOUSEHOLDS, patrol.place_id):
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    staff = (services.patrol_staff_choices(patrol.township)
             | user.__class__.objects.filter(pk__in=patrol.staff.values("pk"))).distinct().select_related("jurisdiction")
    initial = {"version": services.patrol_version(patrol), "patrolled_on": patrol.patrolled_on, "area": patrol.area,
               "staff": list(patrol.staff.values_list("pk", flat=True)), "others": patrol.others,
               "people_met": patrol.people_met, "notes": patrol.notes}
    form = PatrolEditForm(request.POST or None, initial=initial, staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            services.patrol_update(actor=user, patrol=patrol, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("巡查记录已修改。"))
            return redirect("referrals:patrol_detail", pk=patrol.pk)
    return TemplateResponse(request, "referrals/patrol_form.html", {
        "form": form, "township": patrol.township, "patrol": patrol,
        "cancel_url": reverse("referrals:patrol_detail", args=[patrol.pk])})
