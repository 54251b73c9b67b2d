"""Assistants' support pages (协理员履职保障): the gap table by village, the assistants behind each number, one
assistant's training, insurance, equipment and allowances (recorded there by the township's staff)."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access
from relief.access import Action, access_rule
from relief.models import Role

from . import services
from .forms_support import SUPPORT_FORMS, AssistantFilterForm
from .models_support import AssistantAllowance, AssistantEquipment, AssistantInsurance, AssistantTraining
from .selectors_support import LACKS, assistants_for, lacking, village_gaps

SUPPORT_WRITERS = {
    "training": services.assistant_training_add,
    "insurance": services.assistant_insurance_add,
    "equipment": services.assistant_equipment_issue,
    "allowance": services.assistant_allowance_add,
}


@access_rule(Action.VIEW, roles=[Role.TOWNSHIP, Role.DISTRICT])
def assistant_gaps(request):
    """Villages whose assistants lack training this year, valid insurance or a recorder; each number links to
    exactly the assistants it counts."""
    today = timezone.localdate()
    base = reverse("ledgers:assistant_list")
    rows = [{"row": row, "links": {key: f"{base}?village={row.village.pk}&lack={key}" for key in LACKS},
             "all": f"{base}?village={row.village.pk}"} for row in village_gaps(request.user, day=today)]
    return TemplateResponse(request, "ledgers/assistant_gaps.html", {
        "rows": rows, "lacks": LACKS, "year": today.year, "today": today})


@access_rule(Action.VIEW, roles=[Role.TOWNSHIP, Role.DISTRICT])
def assistant_list(request):
    villages = access.villages_for(request.user, Action.VIEW).order_by("code")
    form = AssistantFilterForm(request.GET or None, villages=villages)
    filters = form.cleaned_data if form.is_valid() else {}
    assistants = assistants_for(request.user)
    if filters.get("village"):
        assistants = assistants.filter(jurisdiction=filters["village"])
    assistants = lacking(assistants, filters.get("lack", ""))
    return TemplateResponse(request, "ledgers/assistant_list.html", {
        "form": form, "assistants": list(assistants), "today": timezone.localdate()})


@access_rule(Action.VIEW)
def assistant_detail(request, pk):
    assistant = assistants_for(request.user).filter(pk=pk).first()
    if assistant is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    editable = access.keeps_township_people_of(request.user, assistant.jurisdiction.parent_id)
    forms = {key: cls(prefix=key) for key, cls in SUPPORT_FORMS.items()} if editable else {}
    if request.method == "POST":
        which = request.POST.get("which", "")
        if not editable or which not in SUPPORT_FORMS:
            raise Http404(_("未找到该操作。"))
        form = forms[which] = SUPPORT_FORMS[which](request.POST, prefix=which)
        if form.is_valid():
            try:
                SUPPORT_WRITERS[which](actor=request.user, assistant=assistant, **form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                    for message in errors:
                        form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, _("已登记。"))
                return redirect("ledgers:assistant_detail", pk=assistant.pk)
    return TemplateResponse(request, "ledgers/assistant_detail.html", {
        "assistant": assistant, "editable": editable, "forms": forms, "today": timezone.localdate(),
        "trainings": AssistantTraining.objects.filter(assistant=assistant),
        "insurances": AssistantInsurance.objects.filter(assistant=assistant),
        "equipment": AssistantEquipment.objects.filter(assistant=assistant),
        "allowances": AssistantAllowance.objects.filter(assistant=assistant)[:24]})
