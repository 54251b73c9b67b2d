"""Forms of the assistants' support pages: shape only; ledgers.services checks rules and jurisdiction."""
import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models_support import AllowanceKind, EquipmentKind
from .selectors_support import LACKS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_field(label, required_message):
    return forms.DateField(label=label, widget=DATE, error_messages={
        "required": required_message, "invalid": _("请填写正确的日期。")})


class TrainingForm(forms.Form):
    trained_on = _date_field(_("培训日期"), _("请填写培训日期。"))
    topic = forms.CharField(label=_("培训内容"), max_length=200, error_messages={"required": _("请填写培训内容。")})
    hours = forms.DecimalField(label=_("学时"), max_digits=4, decimal_places=1, min_value=0.1,
                               error_messages={"required": _("请填写学时。"), "invalid": _("学时请填数字。"),
                                               "min_value": _("学时须大于0。"),
                                               "max_digits": _("学时填写有误。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trained_on"].initial = timezone.localdate


class InsuranceForm(forms.Form):
    insurer = forms.CharField(label=_("承保公司"), max_length=100, error_messages={"required": _("请填写承保公司。")})
    policy_number = forms.CharField(label=_("保单号"), max_length=60, required=False)
    valid_until = _date_field(_("保险到期日"), _("请填写保险到期日。"))


class EquipmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("装备"), choices=EquipmentKind.choices, error_messages={"required": _("请选择装备。")})
    description = forms.CharField(label=_("型号/编号"), max_length=100, required=False)
    issued_on = _date_field(_("发放日期"), _("请填写发放日期。"))


class AllowanceForm(forms.Form):
    month = forms.CharField(label=_("月份"), widget=forms.TextInput(attrs={"type": "month"}),
                            error_messages={"required": _("请填写月份。")})
    kind = forms.ChoiceField(label=_("类别"), choices=AllowanceKind.choices)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=9, decimal_places=2, min_value=0.01,
                                error_messages={"required": _("请填写金额。"), "invalid": _("金额请填数字。"),
                                                "min_value": _("金额须大于0。")})

    def clean_month(self):
        try:
            return dt.datetime.strptime(self.cleaned_data["month"].strip(), "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 年-月，如 2026-03。")) from None


SUPPORT_FORMS = {"training": TrainingForm, "insurance": InsuranceForm, "equipment": EquipmentForm,
                 "allowance": AllowanceForm}


class AssistantFilterForm(forms.Form):
    village = forms.ModelChoiceField(label=_("村/社区"), queryset=None, required=False, empty_label=_("全部"))
    lack = forms.ChoiceField(label=_("缺项"), required=False,
                             choices=[("", _("全部协理员")), ("any", _("有任一缺项")), *LACKS.items()])

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
