"""Full personal data on demand (PIPL 个人敏感信息): shown masked by default, even to roles that may see it.

Showing an ID number or a phone number in full takes a click and a reason from a short list; the reason is
written to the audit log with the view. The reveal lasts for the page view it answers (a POST that renders
the page once, unmasked): a reload or the next page is masked again. Exports that contain full data ask for
their purpose the same way (`ledgers.forms.LedgerForm.purpose`).
"""
from __future__ import annotations

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _


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


def reveal_reason(request) -> tuple[str | None, RevealForm]:
    """The reason of a valid reveal POST (None for a GET or an invalid form) and the form to show."""
    if request.method != "POST":
        return None, RevealForm()
    form = RevealForm(request.POST)
    if form.is_valid():
        return form.cleaned_data["reason"], RevealForm()
    return None, form


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
