"""Forms of care agreements (照料协议) and their follow-ups (照料跟踪)."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .care_models import CarerRelation
from .forms import DateInput


class CareAgreementForm(forms.Form):
    carer_name = forms.CharField(label=_("照料人姓名"), max_length=50,
                                 error_messages={"required": _("请填写照料人姓名。")})
    carer_phone = forms.CharField(label=_("照料人电话"), max_length=30,
                                  error_messages={"required": _("请填写照料人联系电话。")})
    carer_relation = forms.ChoiceField(label=_("与被照料人关系"), choices=[("", "---------")] + CarerRelation.choices,
                                       error_messages={"required": _("请选择照料人与被照料人的关系。")})
    terms = forms.CharField(label=_("照料内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                            help_text=_("如：每日上门送餐、协助洗漱服药、每周打扫卫生，发现异常及时报告村委会"),
                            error_messages={"required": _("请写明照料内容。")})
    starts_on = forms.DateField(label=_("协议开始日期"), widget=DateInput(), initial=timezone.localdate,
                                error_messages={"required": _("请填写协议开始日期。")})
    ends_on = forms.DateField(label=_("协议结束日期"), widget=DateInput(),
                              error_messages={"required": _("请填写协议结束日期。")})
    follow_months = forms.IntegerField(label=_("跟踪间隔（月）"), min_value=1, max_value=12, initial=1,
                                       help_text=_("每隔几个月跟踪了解一次照料落实情况"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class CareFollowUpForm(forms.Form):
    followed_on = forms.DateField(label=_("跟踪日期"), widget=DateInput(), initial=timezone.localdate,
                                  error_messages={"required": _("请填写跟踪日期。")})
    care_given = forms.BooleanField(label=_("照料已按协议落实"), required=False, initial=True)
    finding = forms.CharField(label=_("跟踪情况"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("见到被照料人了吗？照料人是否按协议照料？基本生活有无困难？"),
                              error_messages={"required": _("请写明跟踪了解到的照料情况。")})
