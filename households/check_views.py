"""Pages of the quarterly check (季度排查) and the whole-household check (整户纳入低保): the township lists with
their per-village counts, and the forms that record a check, a written refusal and a whole-household outcome.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access
from relief.access import Action, access_rule
from relief.http import safe_redirect_target

from . import checks, selectors, services
from .forms import QuarterlyCheckForm, WholeHouseholdCheckForm, WrittenRefusalForm
from .views import _form_page, _written

PAGE_SIZE = 30


def _scope(request, action=Action.VIEW):
    """(villages shown in the filter, village ids counted, chosen village id as text)."""
    villages = list(access.villages_for(request.user, action).order_by("code"))
    ids = {v.pk for v in villages}
    chosen = request.GET.get("village", "")
    if chosen.isdigit() and int(chosen) in ids:
        ids = {int(chosen)}
    else:
        chosen = ""
    return villages, ids, chosen


@access_rule(Action.VIEW)
def quarterly_list(request):
    """季度排查名单: refused and exited families, due / overdue / done this quarter, with counts per village."""
    villages, ids, chosen = _scope(request)
    show = request.GET.get("show", "pending")
    if show not in checks.SHOW_CHOICES:
        show = "pending"
    today = timezone.localdate()
    table, totals = checks.village_table(ids, checks.quarterly_counts(ids, today),
                                         ("overdue", "due", "pending", "done", "total"))
    page = Paginator(checks.quarterly_rows(ids, show, today), PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.state_label = checks.CheckState.LABELS[entry.check_state]
        entry.state_tag = checks.CheckState.TAGS[entry.check_state]
    return TemplateResponse(request, "households/quarterly_list.html", {
        "villages": villages if len(villages) > 1 else [], "chosen": chosen, "show": show,
        "shows": list(checks.SHOW_CHOICES.items()), "table": table, "totals": totals, "page": page,
        "quarter_label": checks.quarter_label(today), "quarter_end": checks.quarter_end(today),
        "may_check": access.can_anywhere(request.user, Action.LOG_VISITS),
    })


@access_rule(Action.LOG_VISITS)
def quarterly_check_record(request, pk: int):
    """登记季度排查 for one family on the list (back to where the caseworker came from, e.g. the worklist)."""
    household = selectors.household_get(request.user, pk, Action.LOG_VISITS)
    form = QuarterlyCheckForm(request.POST or None)
    fallback = f"{household_url(household)}#quarterly-check"
    target = safe_redirect_target(request, request.POST.get("next") or request.GET.get("next"), fallback)
    if _written(request, form, lambda: services.quarterly_check_record(
            actor=request.user, household=household, **form.cleaned_data)):
        if form.cleaned_data["circumstances_changed"]:
            messages.warning(request, _("排查已登记：情况有变化，请在家庭页“季度排查”一节发起转办。"))
            return redirect(fallback)
        messages.success(request, _("本季度排查已登记。"))
        return redirect(target)
    info = checks.household_quarterly(household)
    intro = _("%(q)s（截至 %(e)s）。") % {"q": info["quarter_label"], "e": info["quarter_end"]}
    if info["open_entry"] is None:
        intro += _("该家庭不在季度排查名单上。")
    else:
        intro += _("纳入原因：%(r)s（%(d)s）。") % {"r": info["open_entry"].get_reason_display(),
                                                "d": info["open_entry"].entered_on}
    response = _form_page(request, form=form, title=_("登记季度排查"), household=household, submit=_("保存排查"),
                          intro=intro)
    response.context_data["next"] = target
    return response


@access_rule(Action.EDIT_HOUSEHOLDS)
def written_refusal(request, pk: int):
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    form = WrittenRefusalForm(request.POST or None)
    if _written(request, form, lambda: services.written_refusal_record(
            actor=request.user, household=household, **form.cleaned_data)):
        messages.success(request, _("已登记书面拒绝，该家庭不再列入季度排查名单。"))
        return redirect(f"{household_url(household)}#quarterly-check")
    return _form_page(request, form=form, title=_("登记书面拒绝排查"), household=household, submit=_("登记"),
                      intro=_("家庭书面表示不接受季度排查的，登记拒绝日期；登记后不再列入排查名单。"))


@access_rule(Action.VIEW)
def whole_household_list(request):
    """整户纳入低保待核查: partly covered households still in hardship, with counts per village."""
    villages, ids, chosen = _scope(request)
    show = request.GET.get("show", "pending")
    if show not in checks.WHOLE_SHOW_CHOICES:
        show = "pending"
    today = timezone.localdate()
    table, totals = checks.village_table(ids, checks.whole_household_counts(ids, today), ("pending", "checked"))
    page = Paginator(checks.whole_household_rows(ids, show, today), PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "households/whole_household_list.html", {
        "villages": villages if len(villages) > 1 else [], "chosen": chosen, "show": show,
        "shows": list(checks.WHOLE_SHOW_CHOICES.items()), "table": table, "totals": totals, "page": page,
        "may_check": access.can_anywhere(request.user, Action.EDIT_HOUSEHOLDS),
    })


@access_rule(Action.EDIT_HOUSEHOLDS)
def whole_household_check(request, pk: int):
    household = selectors.household_get(request.user, pk, Action.EDIT_HOUSEHOLDS)
    form = WholeHouseholdCheckForm(request.POST or None)
    if _written(request, form, lambda: services.whole_household_check_record(
            actor=request.user, household=household, **form.cleaned_data)):
        messages.success(request, _("整户纳入低保核查已登记。"))
        return redirect(f"{household_url(household)}#whole-household")
    return _form_page(request, form=form, title=_("整户纳入低保核查"), household=household, submit=_("保存核查"),
                      intro=_("部分家庭成员已纳入低保、但生活仍然困难的家庭，符合条件的整户纳入低保（拟整户纳入后请发起转办）；"
                              "不符合的写明原因。"))


def household_url(household) -> str:
    return reverse("households:detail", args=[household.pk])
