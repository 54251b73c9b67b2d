from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .audit import AuditEvent


def search_field(hint) -> forms.CharField:
    """The search box the lists share (templates/partials/search_box.html): one line of text, what it
    finds said below it (its help text, "可按…查询"), not in its placeholder, which a 360-px phone cut after nine
    characters; the list's selector decides how the term is matched."""
    return forms.CharField(label=_("搜索"), required=False, max_length=100, help_text=hint, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("输入查询内容"), "autocomplete": "off", "data-testid": "search-box"}))


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确，请重新输入。连续输错多次后账号将被暂时锁定。"),
        "inactive": _("该账号已停用，请联系安全管理员。"),
    }


class AuditFilterForm(forms.Form):
    EVENT_CHOICES = [("", _("全部")), ("create", _("新增")), ("update", _("修改")), ("delete", _("删除"))] + list(
        AuditEvent.choices
    )
    event = forms.ChoiceField(label=_("事件"), choices=EVENT_CHOICES, required=False)
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    q = search_field(_("人员姓名、拼音、身份证号或记录内容"))
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data


class AuditExportForm(forms.Form):
    """The audit log's export asks why it leaves the application, like every export (recorded with it)."""

    purpose = forms.ChoiceField(
        label=_("导出用途"), error_messages={"required": _("请选择导出用途。"),
                                          "invalid_choice": _("请从列表中选择导出用途。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .audit_export import AuditExportPurpose

        self.fields["purpose"].choices = [("", _("请选择用途"))] + list(AuditExportPurpose.choices)
