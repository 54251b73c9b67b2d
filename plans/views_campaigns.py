"""Focused screening campaign pages (集中排查): the list, starting one, the coverage report and the lists its
figures count; and the campaign's section of the caseworkers' worklist (settings.RELIEF_WORKLIST_SECTIONS)."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Max, OuterRef, Subquery, Value, When
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from households.models import Member, Relation
from referrals.models import Lead
from relief import access
from relief.access import Action, access_rule
from relief.models import Role
from visits.models import Visit
from visits.selectors import attach_households
from visits.worklist_sections import WorklistSection

from . import selectors_campaigns as sel
from . import services
from .forms_campaigns import CampaignForm
from .models_campaigns import CampaignState, finished_q
from .selectors import visible_townships
from .views import _apply_errors

PAGE_SIZE = 30
WORKLIST_PREVIEW = 10
STATE_LABELS = {"visited": gettext_lazy("已走访"), "pending": gettext_lazy("尚未走访"), "leads": gettext_lazy("已提出线索")}

NOT_FOUND = gettext_lazy("未找到该记录，或它不在您的辖区内。")


def _campaign_or_404(request, pk):
    campaign = sel.campaign_for(request.user, pk)
    if campaign is None:
        raise Http404(NOT_FOUND)
    return campaign


@access_rule(Action.VIEW)
def campaign_list(request):
    """集中排查: the campaigns of the townships the user sees, running first, with their coverage so far."""
    today = timezone.localdate()
    townships = list(visible_townships(request.user).order_by("code"))
    campaigns = sel.campaigns_for(request.user)
    chosen = request.GET.get("township", "")
    if chosen:
        township = next((t for t in townships if str(t.pk) == chosen), None)
        if township is None:
            raise Http404(NOT_FOUND)
        campaigns = campaigns.filter(township=township)
    state = request.GET.get("state", "")
    if state in CampaignState.values:
        campaigns = campaigns.in_state(state, today)
    else:
        state = ""
    campaigns = campaigns.annotate(rank=Case(When(starts_on__gt=today, then=Value(1)),
                                             When(finished_q(today), then=Value(2)), default=Value(0)))
    page = Paginator(campaigns.order_by("rank", "-starts_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    summaries = sel.campaign_summaries(request.user, list(page.object_list))
    for c in page.object_list:
        c.state = c.state_on(today)
        c.summary = summaries[c.pk]
    starts_in = [t for t in townships if access.runs_campaigns_of(request.user, t)]
    return TemplateResponse(request, "plans/campaign_list.html", {
        "page": page, "today": today, "townships": townships if len(townships) > 1 else [], "chosen": chosen,
        "state": state, "states": CampaignState.choices, "starts_in": starts_in})


@access_rule(Action.EDIT_HOUSEHOLDS, roles=[Role.TOWNSHIP])
def campaign_create(request):
    """发起集中排查: name, period, target group and villages; the families are frozen when it is saved."""
    townships = [t for t in visible_townships(request.user).order_by("code")
                 if access.runs_campaigns_of(request.user, t)]
    wanted = request.GET.get("township") or request.POST.get("township")
    township = next((t for t in townships if str(t.pk) == wanted), None) if wanted else (
        townships[0] if townships else None)
    if township is None:
        raise Http404(NOT_FOUND)
    villages = sel.township_villages(township)
    if request.method == "POST":
        form = CampaignForm(request.POST, villages=villages)
        if form.is_valid():
            data = dict(form.cleaned_data)
            chosen = list(data.pop("villages"))
            try:
                campaign = services.campaign_start(actor=request.user, township=township, data=data, villages=chosen)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("集中排查“%(n)s”已发起，排查对象 %(c)d 户已列入协理员的走访任务。") % {
                    "n": campaign.name, "c": campaign.target_count})
                return redirect("plans:campaign_detail", pk=campaign.pk)
        status = 400
    else:
        today = timezone.localdate()
        form = CampaignForm(villages=villages, initial={"starts_on": today, "ends_on": today + dt.timedelta(days=14)})
        status = 200
    return TemplateResponse(request, "plans/campaign_form.html", {"form": form, "township": township},
                            status=status)


@access_rule(Action.VIEW)
def campaign_detail(request, pk):
    """The coverage report (排查进度): per village targeted / visited / not yet / with a lead raised, totals; every
    figure links to the list of the families it counts."""
    campaign = _campaign_or_404(request, pk)
    today = timezone.localdate()
    rows, total = sel.coverage(request.user, campaign)
    base = reverse("plans:campaign_targets", args=[campaign.pk])
    for row in [*rows, total]:
        village = {"village": row.village.pk} if row.village else {}
        row.urls = {state: f"{base}?{urlencode({**village, **({'state': state} if state != 'all' else {})})}"
                    for state in ("all", *sel.TARGET_STATES)}
    state = campaign.state_on(today)
    return TemplateResponse(request, "plans/campaign_detail.html", {
        "campaign": campaign, "state": state, "today": today, "rows": rows, "total": total,
        "villages": list(campaign.villages.order_by("code")),
        "may_end": state == CampaignState.RUNNING and access.runs_campaigns_of(request.user, campaign.township)})


@require_POST
@access_rule(Action.VIEW)  # whose campaign it is decides (404 outside; the service refuses anyone but its staff)
def campaign_end(request, pk):
    """提前结束: the township ends a running campaign today, with its reason; back to the coverage report."""
    campaign = _campaign_or_404(request, pk)
    try:
        campaign = services.campaign_end_early(actor=request.user, campaign=campaign,
                                               reason=request.POST.get("end_reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("集中排查“%(n)s”已提前结束：排查进度按截至今天（%(d)s）的走访计算，协理员的走访任务中不再列出。") % {
            "n": campaign.name, "d": campaign.ends_on.isoformat()})
    return redirect("plans:campaign_detail", pk=campaign.pk)


@access_rule(Action.VIEW)
def campaign_targets(request, pk):
    """The families a coverage figure counts: `?state=visited|pending|leads`, `?village=`; one row per family."""
    campaign = _campaign_or_404(request, pk)
    targets = sel.targets_for(request.user, campaign)
    village = request.GET.get("village", "")
    village_obj = None
    if village:
        if not village.isdigit():
            raise Http404(NOT_FOUND)
        targets = targets.filter(village_id=int(village))
        village_obj = access.scope(sel.township_villages(campaign.township), request.user, Action.VIEW,
                                   field="pk").filter(pk=int(village)).first()
        if village_obj is None:
            raise Http404(NOT_FOUND)
    state = request.GET.get("state", "")
    if state not in sel.TARGET_STATES:
        state = ""
    head = Member.objects.filter(household=OuterRef("household_id")).order_by(
        Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1)), "pk")
    seen = (Visit.objects.filter(household=OuterRef("household_id"), person_seen=True,
                                 visited_on__gte=campaign.starts_on, visited_on__lte=campaign.ends_on)
            .order_by().values("household").annotate(last=Max("visited_on")).values("last"))
    rows = (sel.targets_in_state(targets, state).select_related("household", "village")
            .annotate(head_name=Subquery(head.values("name")[:1]), visited_on=Subquery(seen[:1]))
            .order_by("village__code", "household_id"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    leads = {}
    start, end = sel._day_start(campaign.starts_on), sel._day_start(campaign.ends_on + dt.timedelta(days=1))
    for lead in Lead.objects.filter(household_id__in=[t.household_id for t in items], received_at__gte=start,
                                    received_at__lt=end).order_by("received_at"):
        leads.setdefault(lead.household_id, []).append(lead)
    household_villages = access.village_ids_for(request.user, Action.VIEW)
    for t in items:
        t.leads = leads.get(t.household_id, [])
        t.may_open = t.household.village_id in household_villages
    return TemplateResponse(request, "plans/campaign_targets.html", {
        "campaign": campaign, "page": page, "items": items, "state": state,
        "state_label": STATE_LABELS.get(state, _("全部排查对象")), "village": village_obj,
        "may_log": access.can_anywhere(request.user, Action.LOG_VISITS),
        "today": timezone.localdate(), "campaign_state": campaign.state_on(timezone.localdate())})


def worklist_sections(request, village_ids, today: dt.date) -> list[WorklistSection]:
    """One worklist section per campaign running today with families in these villages: the families not yet
    visited in the campaign's period (the first few, with the total), and the days left. Its count equals the
    rows of the campaign's 尚未走访 list for the same villages, which its "more" link opens."""
    village_ids = set(village_ids)
    sections, shown = [], []
    for campaign in sel.running_for_villages(village_ids, today):
        total, items = sel.pending_in_villages(campaign, village_ids, WORKLIST_PREVIEW)
        shown.extend(items)
        query = {"state": "pending"}
        if len(village_ids) == 1:
            query["village"] = next(iter(village_ids))
        sections.append(WorklistSection(
            title=_("集中排查：%(n)s") % {"n": campaign.name}, template="plans/_campaign_worklist.html", order=50,
            context={"campaign": campaign, "total": total, "items": items,
                     "more_url": f"{reverse('plans:campaign_targets', args=[campaign.pk])}?{urlencode(query)}"}))
    attach_households(shown)  # one query for every section's families
    return sections
