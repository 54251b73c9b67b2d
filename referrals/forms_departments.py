"""Forms of the multi-department pages (综合评估, 部门办理): they check shape; referrals.services checks rules."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Department, OutcomeAssistance
from .models_departments import AssessmentIntake, ItemStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Measures offered on one assessment form; rows left empty are ignored.
ITEM_ROWS = 4


class AssessmentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    intake = forms.ChoiceField(label=_("受理方式"), choices=AssessmentIntake.choices,
                               initial=AssessmentIntake.REVIEW)
    needs = forms.CharField(label=_("家庭需求（综合评估）"), widget=forms.Textarea(attrs={"rows": 3}),
                            error_messages={"required": _("请写明家庭的需求（综合评估）。")},
                            help_text=_("基本生活、医疗、教育、住房、就业、照护等方面的需求"))
    opinion = forms.CharField(label=_("综合实施社会救助措施意见"), widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": _("请写明综合实施社会救助措施意见。")})

    def __init__(self, *args, default_deadline=None, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, ITEM_ROWS + 1):
            self.fields[f"department_{n}"] = forms.ChoiceField(
                label=_("措施%(n)s · 承办部门") % {"n": n}, required=False,
                choices=[("", "---------"), *Department.choices])
            self.fields[f"measure_{n}"] = forms.CharField(
                label=_("措施%(n)s · 拟实施的救助措施") % {"n": n}, required=False, max_length=300,
                error_messages={"max_length": _("措施不能超过300字。")})
            self.fields[f"assistance_type_{n}"] = forms.ChoiceField(
                label=_("措施%(n)s · 救助方式") % {"n": n}, required=False,
                choices=[("", _("（不涉及救助金）")), *OutcomeAssistance.choices])
            self.fields[f"deadline_{n}"] = forms.DateField(
                label=_("措施%(n)s · 办理期限") % {"n": n}, required=False, widget=DATE, initial=default_deadline,
                error_messages={"invalid": _("请填写正确的日期。")})

    def item_rows(self):
        """The measure rows as groups of bound fields, for the template."""
        return [[self[f"{name}_{n}"] for name in ("department", "measure", "assistance_type", "deadline")]
                for n in range(1, ITEM_ROWS + 1)]

    def items(self) -> list[dict]:
        data = self.cleaned_data
        return [{"department": data.get(f"department_{n}") or "", "measure": data.get(f"measure_{n}") or "",
                 "assistance_type": data.get(f"assistance_type_{n}") or "", "deadline": data.get(f"deadline_{n}")}
                for n in range(1, ITEM_ROWS + 1)]


class ItemDecideForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("办理结果"), widget=forms.RadioSelect,
                                 choices=[(ItemStatus.APPROVED, ItemStatus.APPROVED.label),
                                          (ItemStatus.REFUSED, ItemStatus.REFUSED.label)],
                                 error_messages={"required": _("请选择同意或不同意。")})
    amount = forms.DecimalField(label=_("救助金额（元）"), required=False, min_value=0, max_digits=10,
                                decimal_places=2, error_messages={"invalid": _("金额格式不正确。"),
                                                                  "min_value": _("金额不能为负数。")})
    reason = forms.CharField(label=_("办理意见/不同意的原因"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("不同意的，用可以向家庭解释的话写明原因"))


class InformForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("告知情况"), widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("请写明告知的方式和家庭的意见。")},
                           help_text=_("如：入户当面告知各部门结果，家庭无异议"))


class ItemFilterForm(forms.Form):
    STATES = [("pending", _("办理中")), ("overdue", _("已超期")), ("decided", _("已办结")), ("all", _("全部"))]
    state = forms.ChoiceField(label=_("状态"), choices=STATES, required=False)
    department = forms.ChoiceField(label=_("承办部门"), required=False,
                                   choices=[("", _("全部部门")), *Department.choices])
