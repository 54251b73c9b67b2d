"""Forms of the district's supervision pages: shape only; ledgers.services_assessment checks the rules."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .models_assessment import CriterionKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CriterionForm(forms.Form):
    pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("考核内容"), choices=CriterionKind.choices, initial=CriterionKind.CUSTOM)
    name = forms.CharField(label=_("指标名称"), max_length=100, required=False)
    weight = forms.IntegerField(label=_("权重（分）"), required=False,
                                error_messages={"invalid": _("权重须为整数分值。")})
    target = forms.DecimalField(label=_("目标值（%）"), required=False, max_digits=5, decimal_places=1,
                                error_messages={"invalid": _("目标值须为数字。")})
    remove = forms.BooleanField(label=_("删除"), required=False)

    def entry(self) -> dict | None:
        data = self.cleaned_data
        if data.get("remove") or (not data.get("pk") and not data.get("name") and data.get("weight") is None):
            return None
        return {"pk": data.get("pk"), "kind": data.get("kind"), "name": data.get("name", ""),
                "weight": data.get("weight"), "target": data.get("target")}


CriterionFormSet = forms.formset_factory(CriterionForm, extra=2)


class PlanDatesForm(forms.Form):
    self_assessment_due = forms.DateField(label=_("自查评估截止日期"), required=False, widget=DATE,
                                          error_messages={"invalid": _("请填写正确的日期。")})
    roster_due = forms.DateField(label=_("花名册报送截止日期"), required=False, widget=DATE,
                                 error_messages={"invalid": _("请填写正确的日期。")})


class AdjustmentForm(forms.Form):
    criterion = forms.TypedChoiceField(label=_("考核指标"), coerce=int, error_messages={"required": _("请选择考核指标。")})
    points = forms.DecimalField(label=_("调整分值"), max_digits=5, decimal_places=1,
                                help_text=_("加分填正数，减分填负数，如 -2"),
                                error_messages={"required": _("请填写调整分值。"), "invalid": _("调整分值须为数字。")})
    reason = forms.CharField(label=_("调整理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("请填写调整理由。")})

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = [("", "—")] + [
            (c.pk, _("%(n)s（%(w)s分）") % {"n": c.name, "w": c.weight}) for c in criteria]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结果"), choices=[("accept", _("审核通过")), ("return", _("退回修改"))],
                                 widget=forms.RadioSelect, error_messages={"required": _("请选择审核结果。")})
    comment = forms.CharField(label=_("审核意见"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class RosterDueForm(forms.Form):
    roster_due = forms.DateField(label=_("花名册报送截止日期"), widget=DATE,
                                 error_messages={"required": _("请填写截止日期。"), "invalid": _("请填写正确的日期。")})
