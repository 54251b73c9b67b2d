"""The alert inbox (预警): list, one alert, acknowledge, close. Writes go through alerts.services."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relief import access
from relief.access import Action, access_rule
from relief.search_terms import search_data, search_scope, searched_by_post

from . import selectors
from .forms import AlertCloseForm, AlertFilterForm
from .services import alert_acknowledge, alert_close

ALERTS_PER_PAGE = 30


@access_rule(Action.VIEW)
@searched_by_post
def alert_list(request):
    """预警 inbox: the user's jurisdiction, unhandled first by default; filters status, kind, village."""
    form = AlertFilterForm(search_data(request) or None, user=request.user)
    filters = form.filters() if form.is_bound else {"status": "unhandled", "kind": "", "village": None}
    page = Paginator(selectors.alerts_for(request.user, **filters).order_by("-opened_at", "-pk"),
                     ALERTS_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "alerts/list.html", {
        "form": form, "page": page, "search_everywhere": search_scope(request, form, {"status": "all"}),
        "counts": selectors.alert_counts(request.user, village=filters["village"]),
        "village": filters["village"],
        "may_handle": access.can_anywhere(request.user, Action.LOG_VISITS),
    })


@access_rule(Action.VIEW)
def alert_detail(request, pk):
    alert = selectors.alert_for(request.user, pk)
    return TemplateResponse(request, "alerts/detail.html", {
        "alert": alert, "close_form": AlertCloseForm(),
        "may_handle": access.can(request.user, Action.LOG_VISITS, alert.place_id),
    })


@access_rule(Action.LOG_VISITS)
@require_POST
def alert_acknowledge_view(request, pk):
    alert = selectors.alert_for(request.user, pk, Action.LOG_VISITS)
    try:
        alert_acknowledge(actor=request.user, alert=alert)
        messages.success(request, _("已标记为知悉。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("alerts:detail", pk=alert.pk)


@access_rule(Action.LOG_VISITS)
@require_POST
def alert_close_view(request, pk):
    alert = selectors.alert_for(request.user, pk, Action.LOG_VISITS)
    form = AlertCloseForm(request.POST)
    if form.is_valid():
        try:
            alert_close(actor=request.user, alert=alert, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("预警已关闭。"))
            return redirect("alerts:detail", pk=alert.pk)
    return TemplateResponse(request, "alerts/detail.html", {
        "alert": alert, "close_form": form, "may_handle": True}, status=400)
