"""Pages of care agreements (照料协议) of 特困 people cared for at home: the household page's section, the
township's list (with counts per village), and the forms that record an agreement and a follow-up."""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access
from relief.access import Action, access_rule
from relief.http import safe_redirect_target

from . import care, care_services, selectors
from .care_forms import CareAgreementForm, CareFollowUpForm
from .care_models import CareAgreement
from .checks import village_table
from .models import AssistanceType, Member
from .sections import HouseholdSection
from .views import _form_page, _written

PAGE_SIZE = 30


def section(request, household) -> HouseholdSection | None:
    """照料协议 on the household page: its members who need an agreement and every agreement recorded. Only a
    household receiving 特困人员供养 today (the kept copy of its categories, read with the household) can need one,
    so every other household page reads nothing for it; a 特困 household reads four queries."""
    if AssistanceType.TEKUN not in household.category_codes:
        return None
    info = care.household_care(household, timezone.localdate())
    if not (info["people"] or info["agreements"]):
        return None
    user = request.user
    return HouseholdSection(
        title=_("分散供养特困人员照料协议"), template="households/care_section.html", order=45,
        context={"household": household, "care": info,
                 "may_record": access.can(user, Action.EDIT_HOUSEHOLDS, household.village_id),
                 "may_follow": access.can(user, Action.LOG_VISITS, household.village_id)})


@access_rule(Action.VIEW)
def care_list(request):
    """分散供养特困人员照料协议: who needs one, missing / expired / expiring / valid, with counts per village."""
    villages = list(access.villages_for(request.user, Action.VIEW).order_by("code"))
    ids = {v.pk for v in villages}
    chosen = request.GET.get("village", "")
    if chosen.isdigit() and int(chosen) in ids:
        ids = {int(chosen)}
    else:
        chosen = ""
    show = request.GET.get("show", "due")
    if show not in care.SHOW_CHOICES:
        show = "due"
    today = timezone.localdate()
    counts: dict[int, dict[str, int]] = {}
    for village_id, state in care.care_people(ids, today).order_by().values_list("household__village_id", "care_state"):
        row = counts.setdefault(village_id, {"due": 0, "expiring": 0, "valid": 0, "all": 0})
        row["all"] += 1
        row["due" if state in care.CareState.DUE else state] += 1
    table, totals = village_table(ids, counts, ("due", "expiring", "valid", "all"))
    page = Paginator(care.care_rows(ids, show, today), PAGE_SIZE).get_page(request.GET.get("page"))
    care.attach_agreements(page.object_list, today)
    return TemplateResponse(request, "households/care_list.html", {
        "villages": villages if len(villages) > 1 else [], "chosen": chosen, "show": show,
        "shows": list(care.SHOW_CHOICES.items()), "table": table, "totals": totals, "page": page,
        "may_record": access.can_anywhere(request.user, Action.EDIT_HOUSEHOLDS),
        "may_follow": access.can_anywhere(request.user, Action.LOG_VISITS),
        "expiring_days": care.EXPIRING_DAYS,
    })


def _target(request, household, anchor="care-agreements"):
    fallback = f"{reverse('households:detail', args=[household.pk])}#{anchor}"
    return safe_redirect_target(request, request.POST.get("next") or request.GET.get("next"), fallback)


@access_rule(Action.EDIT_HOUSEHOLDS)
def care_agreement_add(request, pk: int, member_pk: int):
    """登记照料协议 for one person of the household (a renewal is a new agreement)."""
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    member = get_object_or_404(Member.objects.filter(household=household), pk=member_pk)
    form = CareAgreementForm(request.POST or None)
    target = _target(request, household)
    if _written(request, form, lambda: care_services.care_agreement_record(
            actor=request.user, member=member, **form.cleaned_data)):
        messages.success(request, _("已登记%(name)s的照料协议。") % {"name": member.name})
        return redirect(target)
    response = _form_page(request, form=form, title=_("登记照料协议：%(name)s") % {"name": member.name},
                          household=household, submit=_("保存照料协议"),
                          intro=_("分散供养的失能、半失能特困人员，须落实照料协议：写明照料人、照料内容和协议期限，并按约定间隔跟踪了解照料落实情况。"))
    response.context_data["next"] = target
    return response


@access_rule(Action.LOG_VISITS)
def care_follow_up_add(request, pk: int, agreement_pk: int):
    """登记照料跟踪 of one agreement."""
    household = selectors.household_get(request.user, pk, Action.LOG_VISITS)
    agreement = get_object_or_404(CareAgreement.objects.filter(household=household).select_related("member"),
                                  pk=agreement_pk)
    form = CareFollowUpForm(request.POST or None)
    target = _target(request, household)
    if _written(request, form, lambda: care_services.care_follow_up_record(
            actor=request.user, agreement=agreement, **form.cleaned_data)):
        messages.success(request, _("照料跟踪已登记。"))
        return redirect(target)
    response = _form_page(
        request, form=form, title=_("登记照料跟踪：%(name)s") % {"name": agreement.member.name}, household=household,
        submit=_("保存跟踪"), intro=_("照料人：%(c)s（%(r)s，%(p)s）；协议 %(s)s 至 %(e)s。") % {
            "c": agreement.carer_name, "r": agreement.get_carer_relation_display(), "p": agreement.carer_phone,
            "s": agreement.starts_on, "e": agreement.ends_on})
    response.context_data["next"] = target
    return response
