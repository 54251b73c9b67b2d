"""Forms after 公示: objection, submission for approval, the district's answer, 审批权限, 异议受理电话."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .forms import DATE, IneligibleForm, VersionForm, _blank
from .models import OutcomeAssistance
from .models_approval import ApprovalLevel
from .services.approval import MATERIALS, RULE_KINDS


class ObjectionForm(VersionForm):
    raised_by = forms.CharField(label=_("异议人"), max_length=100, help_text=_("可写“匿名群众”"),
                                error_messages={"required": _("请填写异议人（可写“匿名群众”）。")})
    raised_on = forms.DateField(label=_("提出日期"), widget=DATE, initial=timezone.localdate,
                                error_messages={"required": _("请填写异议提出日期。"), "invalid": _("日期格式不正确。")})
    content = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": _("请写明异议内容。")})
    handling = forms.CharField(label=_("处理情况"), widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("如：交民政部门重新入户调查、核对车辆登记"),
                               error_messages={"required": _("请写明如何处理（如：交部门重新入户调查核实）。")})
    deadline = forms.DateField(label=_("重新调查办结期限"), widget=DATE,
                               error_messages={"required": _("请填写重新调查的办结期限。"), "invalid": _("日期格式不正确。")})


class ApprovalSubmitForm(VersionForm):
    assistance_type = forms.ChoiceField(label=_("拟给予救助方式"), choices=_blank(OutcomeAssistance.choices, _("请选择")),
                                        error_messages={"required": _("请选择救助方式。")})
    amount = forms.DecimalField(label=_("拟救助金额（元/月；一次性救助填总额）"), min_value=0, max_digits=10,
                                decimal_places=2, error_messages={"required": _("请填写金额。"), "invalid": _("金额格式不正确。"),
                                                                  "min_value": _("金额不能为负数。")})
    start_date = forms.DateField(label=_("拟救助开始日期"), widget=DATE, initial=timezone.localdate,
                                 error_messages={"required": _("请填写拟救助开始日期。"), "invalid": _("日期格式不正确。")})
    materials = forms.MultipleChoiceField(label=_("报送材料"), choices=MATERIALS, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    materials_note = forms.CharField(label=_("其他材料"), max_length=300, required=False)
    opinion = forms.CharField(label=_("乡镇审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    comment = None


class ApproveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RefuseForm(IneligibleForm):
    reason = forms.CharField(label=_("不予批准的原因（可向家庭解释的话）"), widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请写明不予批准的原因（可向家庭解释的话）。")})
    family_informed = None
    comment = None


class ApprovalRuleForm(forms.Form):
    assistance_type = forms.ChoiceField(label=_("救助方式"), choices=[
        (k, OutcomeAssistance(k).label) for k in RULE_KINDS])
    level = forms.ChoiceField(label=_("审批层级"), choices=ApprovalLevel.choices)
    township_up_to = forms.DecimalField(label=_("乡镇审批金额上限（元）"), required=False, min_value=0, max_digits=10,
                                        decimal_places=2, help_text=_("仅“乡镇审批”时填写：超过该金额的报区县审批"),
                                        error_messages={"invalid": _("金额格式不正确。"), "min_value": _("金额不能为负数。")})
    days = forms.IntegerField(label=_("审批时限（天）"), min_value=1, max_value=90, initial=10,
                              error_messages={"required": _("请填写审批时限。"), "min_value": _("审批时限须在1至90天之间。"),
                                              "max_value": _("审批时限须在1至90天之间。")})
    effective_from = forms.DateField(label=_("生效日期"), widget=DATE, initial=timezone.localdate,
                                     error_messages={"required": _("请填写生效日期。"), "invalid": _("日期格式不正确。")})
    note = forms.CharField(label=_("依据/说明"), max_length=300, required=False)


class HotlineForm(forms.Form):
    phone = forms.CharField(label=_("异议受理电话"), max_length=30,
                            error_messages={"required": _("请填写异议受理电话。")})
