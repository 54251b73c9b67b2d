"""Department data comparison → leads (部门数据比对转线索): the unmatched rows of department lists, turned into
leads one by one or a whole batch at once. Writes in referrals/services/feed_leads.py."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relief import access, punctuation
from relief.access import Action, access_rule
from relief.http import safe_redirect_target
from relief.models import Jurisdiction, Role

from . import selectors_feed as selectors, services
from .forms_feed import FeedRowFilterForm

VIEWERS = [Role.TOWNSHIP, Role.ADMIN, Role.DISTRICT]


def _error_text(exc: ValidationError) -> str:
    return punctuation.mark("；").join(exc.messages)


@access_rule(Action.VIEW, roles=VIEWERS)
def feed_rows(request):
    """Unmatched rows of the department lists of the user's jurisdiction: pending (default), done, or all."""
    user = request.user
    form = FeedRowFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    state = filters.get("state") or ""
    rows = selectors.feed_rows_for(user)
    if state == "done":
        rows = rows.filter(lead_link__isnull=False)
    elif state != "all":
        rows = rows.filter(lead_link__isnull=True)
    if filters.get("feed_kind"):
        rows = rows.filter(batch__feed_kind=filters["feed_kind"])
    if filters.get("batch"):
        rows = rows.filter(batch_id=filters["batch"])
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for row in page:
        link = getattr(row, "lead_link", None)  # select_related: no query, None when no lead yet
        row.feed_lead = link.lead if link is not None else None
    may_raise = access.can_anywhere(user, Action.IMPORT_DATA)
    batches = list(selectors.feed_batches_for(user).filter(pk=filters["batch"]) if filters.get("batch")
                   else selectors.feed_batches_for(user)[:10])
    villages = (list(access.villages_for(user, Action.EDIT_HOUSEHOLDS).order_by("code"))
                if may_raise and any(r.village_id is None and r.feed_lead is None for r in page) else [])
    return TemplateResponse(request, "referrals/feed_rows.html", {
        "form": form, "page": page, "state": state, "may_raise": may_raise, "batches": batches,
        "villages": villages})


def _back(request):
    return redirect(safe_redirect_target(request, request.POST.get("next"), fallback=reverse("referrals:feed_rows")))


# Object URLs: the rule admits any staff and the service answers 404 outside the actor's import jurisdiction
# (a caseworker imports nothing, so every row is outside theirs), as imports:lead_review does.
@access_rule(Action.VIEW)
@require_POST
def feed_row_lead(request, pk):
    """Turn one row into a lead (a second click returns the lead already made)."""
    village = None
    if request.POST.get("village"):
        village = (access.scope(Jurisdiction.objects.all(), request.user, Action.VIEW, field="pk")
                   .filter(pk=request.POST["village"]).first())
        if village is None:
            messages.error(request, _("请选择您辖区内的村/社区。"))
            return _back(request)
    try:
        lead = services.feed_record_to_lead(actor=request.user, record=pk, village=village)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _back(request)
    if lead.was_created:
        messages.success(request, _("已转为救助线索：线索%(n)d（%(name)s）。") % {"n": lead.pk, "name": lead.subject_name})
    else:
        messages.info(request, _("此人已转为线索%(n)d，未重复登记。") % {"n": lead.pk})
    return _back(request)


@access_rule(Action.VIEW)
@require_POST
def feed_batch_leads(request, pk):
    """Turn every pending row of a batch into a lead at once."""
    try:
        raised = services.feed_batch_to_leads(actor=request.user, batch=pk)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _back(request)
    text = _("本批已转为线索 %(n)d 人。") % {"n": raised.created}
    if raised.without_village:
        text += _("另有 %(n)d 人部门未写明村/社区，请逐个选择村/社区后转线索。") % {"n": raised.without_village}
    (messages.success if raised.created else messages.info)(request, text)
    return _back(request)
