"""Forms of the hotline work orders (热线工单). They check shape; referrals.services.hotline checks the rules."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import HotlineSource, WorkOrderStage

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _moment(label, required=True, help_text=""):
    return forms.DateTimeField(
        label=label, required=required, help_text=help_text, input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        error_messages={"required": _("请填写时间。"), "invalid": _("请填写有效的日期和时间。")})


class WorkOrderForm(forms.Form):
    """The work order's own facts: number, hotline, received time, the hotline's two deadlines."""

    number = forms.CharField(label=_("工单编号"), max_length=50, error_messages={"required": _("请填写工单编号。")})
    source = forms.ChoiceField(label=_("来源热线"), choices=HotlineSource.choices, initial=HotlineSource.CITY_12345,
                               widget=forms.RadioSelect)
    received_at = _moment(_("受理时间"))
    response_due = _moment(_("首次响应期限"), required=False, help_text=_("热线规定的时间；登记时不填为受理后24小时"))
    feedback_due = _moment(_("反馈期限"), required=False, help_text=_("热线规定的时间；登记时不填为受理后5天"))


class WorkOrderAnswerForm(forms.Form):
    """A response or feedback given: when, and what."""

    at = _moment(_("时间"))
    text = forms.CharField(label=_("内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("请写明内容。")})

    def __init__(self, *args, label: str = "", **kwargs):
        kwargs.setdefault("initial", {"at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        if label:
            self.fields["text"].label = label


class WorkOrderFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("状态"), required=False,
                              choices=[("", _("全部"))] + list(WorkOrderStage.choices),
                              widget=forms.Select(attrs={"data-autosubmit": ""}))
    village = forms.ModelChoiceField(label=_("村/社区"), queryset=None, required=False, empty_label=_("全部"),
                                     error_messages={"invalid_choice": _("请选择您辖区内的村/社区。")})

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages


class HotlineImportForm(forms.Form):
    file = forms.FileField(label=_("热线工单文件（.xlsx 或 CSV）"),
                           error_messages={"required": _("请选择要上传的文件。")})
