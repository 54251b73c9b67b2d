"""Full personal data on demand (PIPL 个人敏感信息): shown masked by default, even to roles that may see it.

Showing an ID number or a phone number in full takes a click and a reason from a short list; the reason is
written to the audit log with the view. The reveal lasts for the page view it answers (a POST that renders
the page once, unmasked): a reload or the next page is masked again. Exports that contain full data ask for
their purpose the same way (`ledgers.forms.LedgerForm.purpose`).

A page that may show full data:
  reason, form = reveal_for(request, may_reveal=access.can(user, Action.VIEW_PERSONAL_DATA, village_id))
  if reason: audit_reveal(request, obj, reason, page="...")   # and show the full values this once
and `{% include "partials/reveal_form.html" with action=... form=form %}` beside the masked values. An edit
form that holds full data (a member's ID number, a household's phone) uses `edit_reveal(request, ...)`: the
masked fields stay out of the form until a reveal, so an unchanged masked value never overwrites the stored one.
"""
from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext, gettext_lazy as _

from .audit import AuditEvent, audit_record


class PersonalDataPurpose(models.TextChoices):
    """Why someone looks at (or exports) full personal data: the short list the audit log records."""

    VERIFY_IDENTITY = "verify_identity", _("核对身份")
    HANDLE_ASSISTANCE = "handle_assistance", _("办理救助")
    DATA_CHECK = "data_check", _("数据核对")
    HOME_VISIT = "home_visit", _("入户走访")
    APPROVAL_FILE = "approval_file", _("报审材料")


class RevealForm(forms.Form):
    """The small form beside masked data: a reason, then the page once more with the data in full."""

    reason = forms.ChoiceField(
        label=_("查看原因"), choices=[("", _("请选择原因"))] + list(PersonalDataPurpose.choices),
        error_messages={"required": _("请选择查看完整信息的原因。"),
                        "invalid_choice": _("请从列表中选择查看原因。")})


# The reveal form's own marker (templates/partials/reveal_form.html): a page that also takes another POST (an
# edit form) knows which of the two it got.
REVEAL_MARKER = "reveal"


def is_reveal_post(request) -> bool:
    return request.method == "POST" and REVEAL_MARKER in request.POST


def reveal_reason(request) -> tuple[str | None, RevealForm]:
    """The reason of a valid reveal POST (None for a GET or an invalid form) and the form to show."""
    if request.method != "POST":
        return None, RevealForm()
    form = RevealForm(request.POST)
    if form.is_valid():
        return form.cleaned_data["reason"], RevealForm()
    return None, form


def reveal_for(request, *, may_reveal: bool) -> tuple[str | None, RevealForm]:
    """`reveal_reason` for a page whose data the user may (`may_reveal`) or may not see in full: a reveal POST
    from someone who may not is refused (403), not ignored."""
    if request.method == "POST" and not may_reveal:
        raise PermissionDenied(gettext("您无权查看完整个人信息。"))
    return reveal_reason(request)


def audit_reveal(request, obj, reason: str, *, page: str, description: str = "", **detail) -> None:
    """The audit entry of one reveal (查看完整个人信息): which page, which record, and why."""
    audit_record(event=AuditEvent.VIEW_PERSONAL_DATA, actor=request.user, obj=obj, request=request,
                 description=description or str(obj),
                 detail={"page": page, **detail, "reason": reason, "reason_label": reason_label(reason)})


# The hidden input of an edit form shown with its full values (after a reveal): its POST binds them in full.
REVEALED_MARKER = "revealed"


@dataclass
class EditReveal:
    """What an edit form holding personal data shows: masked values it leaves alone, or (after a reveal) the
    full values to edit. `reason` is set on the reveal's own POST (the form is then shown unbound, in full)."""

    may_reveal: bool
    full: bool
    form: RevealForm
    revealing: bool = False
    reason: str | None = None


def edit_reveal(request, *, may_reveal: bool) -> EditReveal:
    """For an edit form: masked fields are left out of the form (so that a masked value is never written
    back), unless this is the reveal's POST with a reason, or the POST of the form shown in full after one."""
    if is_reveal_post(request):
        reason, form = reveal_for(request, may_reveal=may_reveal)
        return EditReveal(may_reveal=may_reveal, full=reason is not None, form=form, revealing=True, reason=reason)
    full = request.method == "POST" and request.POST.get(REVEALED_MARKER) == "1"
    if full and not may_reveal:
        raise PermissionDenied(gettext("您无权查看完整个人信息。"))
    return EditReveal(may_reveal=may_reveal, full=full, form=RevealForm())


def reason_label(reason: str) -> str:
    return str(PersonalDataPurpose(reason).label) if reason in PersonalDataPurpose.values else reason


def mask_phone(phone: str) -> str:
    """A phone number shows its first three and last four digits; anything short is starred out."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
