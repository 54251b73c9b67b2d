"""Forms for leads and referral steps. They check shape; the services check the rules and the jurisdiction."""
import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Household
from households.validators import validate_person_name
from relief.forms import search_field
from relief.models import Role

from .models import (
    Department, LeadChannel, LeadStatus, LimitUnit, OutcomeAssistance, ReferralStatus, StepAction, StepKind, Urgency,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# The deadline the hand-over form offers (办结期限): the seeds set none, 15 days is the usual township practice
# for a department to check a family and answer; staff change it per case.
DEFAULT_DEADLINE_DAYS = 15


def default_deadline():
    """Today + the district's 部门办理 limit for an ordinary case (环节时限), else DEFAULT_DEADLINE_DAYS."""
    from .steplimits import default_deadline_for

    return default_deadline_for(Urgency.NORMAL)


def _blank(choices, label=_("全部")):
    return [("", label)] + list(choices)


class LeadForm(forms.Form):
    """The hotline / window intake form: what the person on the phone says, typed in as they say it."""

    village = forms.ModelChoiceField(label=_("困难群众所在村/社区"), queryset=None,
                                     error_messages={"required": _("请选择困难群众所在的村/社区。"),
                                                     "invalid_choice": _("请选择您辖区内的村/社区。")})
    channel = forms.ChoiceField(label=_("线索来源"), choices=LeadChannel.choices, initial=LeadChannel.HOTLINE)
    reporter_name = forms.CharField(label=_("反映人"), max_length=50, required=False, validators=[validate_person_name])
    reporter_contact = forms.CharField(label=_("反映人联系方式"), max_length=50, required=False,
                                       widget=forms.TextInput(attrs={"type": "tel"}))
    subject_name = forms.CharField(label=_("困难群众姓名"), max_length=50, required=False,
                                   validators=[validate_person_name])
    subject_address = forms.CharField(label=_("困难群众住址"), max_length=200, required=False)
    description = forms.CharField(label=_("反映情况"), widget=forms.Textarea(attrs={"rows": 4}),
                                  error_messages={"required": _("请写明反映的困难情况。")})
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    source_ref = forms.CharField(label=_("工单号/来源编号"), max_length=100, required=False)

    def __init__(self, *args, villages=None, role: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        if villages is not None and len(villages) == 1:
            self.fields["village"].initial = villages[0].pk
        # A caseworker reports what they found on their rounds; township staff mostly type in hotline calls.
        if role == Role.CASEWORKER:
            self.fields["channel"].initial = LeadChannel.VISIT


class LeadCloseForm(forms.Form):
    reason = forms.CharField(label=_("关闭原因"), max_length=300,
                             error_messages={"required": _("请写明关闭原因。")},
                             help_text=_("如：经核实已享受低保；反映情况不属实；已迁出本村"))


class LeadHouseholdForm(forms.Form):
    """Link the lead to a household of its village, or register a new one from it."""

    household = forms.ModelChoiceField(label=_("已登记的家庭"), queryset=Household.objects.none(), required=False,
                                       error_messages={"invalid_choice": _("请从搜索结果中选择您辖区内已登记的家庭。")})
    residence_address = forms.CharField(label=_("或登记新家庭：居住地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)

    def __init__(self, *args, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        if households is not None:
            self.fields["household"].queryset = households

    def clean(self):
        data = super().clean()
        if not data.get("household") and not (data.get("residence_address") or "").strip():
            raise forms.ValidationError(_("请选择已登记的家庭，或填写新家庭的居住地址。"))
        return data


class ReferralCreateForm(forms.Form):
    summary = forms.CharField(label=_("困难情况"), widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"required": _("请写明家庭的困难情况。")})
    requested = forms.ChoiceField(label=_("建议救助方式"), choices=_blank(OutcomeAssistance.choices, _("待部门认定")),
                                  required=False)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    # Unticked until the caseworker has asked: a lead reported by a neighbour says nothing of the
    # person's own wish (救助自愿, seed 001).
    willing = forms.BooleanField(label=_("已宣讲政策，本人有申请意愿"), required=False)


class VersionForm(forms.Form):
    """Every step form carries the version the user read, so a stale decision is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("意见/说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StudyForm(VersionForm):
    meeting_date = forms.DateField(label=_("研究日期"), widget=DATE, initial=timezone.localdate,
                                   error_messages={"required": _("请填写研究日期。"), "invalid": _("日期格式不正确。")})
    participants = forms.CharField(label=_("参加人员"), max_length=300,
                                   error_messages={"required": _("请填写参加研究的人员。")})
    conclusion = forms.CharField(label=_("研究结论"), widget=forms.Textarea(attrs={"rows": 3}),
                                 error_messages={"required": _("请填写研究结论。")})


class AcceptForm(VersionForm):
    department = forms.ChoiceField(label=_("承办部门"), choices=_blank(Department.choices, _("请选择")),
                                   error_messages={"required": _("请选择承办部门。")})
    deadline = forms.DateField(label=_("办结期限"), widget=DATE, initial=default_deadline,
                               help_text=_("默认按区县设定的“部门办理”时限，可按事项调整。"),
                               error_messages={"required": _("请填写办结期限。"), "invalid": _("日期格式不正确。")})


class BulkAcceptForm(forms.Form):
    department = forms.ChoiceField(label=_("承办部门"), choices=_blank(Department.choices, _("请选择")),
                                   error_messages={"required": _("请选择承办部门。")})
    deadline = forms.DateField(label=_("办结期限"), widget=DATE, initial=default_deadline,
                               help_text=_("默认按区县设定的“部门办理”时限，可按事项调整。"),
                               error_messages={"required": _("请填写办结期限。"), "invalid": _("日期格式不正确。")})
    comment = forms.CharField(label=_("意见/说明"), required=False)


class ReviewForm(VersionForm):
    review_date = forms.DateField(label=_("会审日期"), widget=DATE, initial=timezone.localdate,
                                  error_messages={"required": _("请填写会审日期。"), "invalid": _("日期格式不正确。")})
    participants = forms.CharField(label=_("参加人员"), max_length=300,
                                   error_messages={"required": _("请填写参加会审的人员。")})
    conclusion = forms.CharField(label=_("会审结论"), widget=forms.Textarea(attrs={"rows": 3}),
                                 error_messages={"required": _("请填写会审结论。")})


class NoticeStartForm(VersionForm):
    start = forms.DateField(label=_("公示开始日期"), widget=DATE, initial=timezone.localdate,
                            error_messages={"required": _("请填写公示开始日期。"), "invalid": _("日期格式不正确。")})
    end = forms.DateField(label=_("公示结束日期"), widget=DATE,
                          error_messages={"required": _("请填写公示结束日期。"), "invalid": _("日期格式不正确。")})
    place = forms.CharField(label=_("公示地点"), max_length=200, error_messages={"required": _("请填写公示地点。")})


class NoticeResultForm(VersionForm):
    objections = forms.CharField(label=_("收到的异议"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text=_("没有异议请留空"))
    handling = forms.CharField(label=_("异议处理情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    resolved = forms.BooleanField(label=_("异议已处理完毕"), required=False)


class EligibleForm(VersionForm):
    assistance_type = forms.ChoiceField(label=_("救助方式"), choices=_blank(OutcomeAssistance.choices, _("请选择")),
                                        error_messages={"required": _("请选择救助方式。")})
    amount = forms.DecimalField(label=_("救助金额（元/月；一次性救助填总额）"), required=False, min_value=0,
                                max_digits=10, decimal_places=2,
                                error_messages={"invalid": _("金额格式不正确。"), "min_value": _("金额不能为负数。")})
    start_date = forms.DateField(label=_("救助开始日期"), widget=DATE, initial=timezone.localdate,
                                 error_messages={"required": _("请填写救助开始日期。"), "invalid": _("日期格式不正确。")})
    organisation = forms.CharField(label=_("转介机构（转介时填写）"), max_length=100, required=False)
    one_off = forms.BooleanField(label=_("一次性救助（发放一次即结束，不按月持续）"), required=False,
                                 help_text=_("临时救助、受灾人员救助总是一次性的。"))

    def clean_one_off(self):
        # Unticked means "as the kind of assistance usually is" (None), never "monthly" for a temporary grant.
        return True if self.cleaned_data.get("one_off") else None


class IneligibleForm(VersionForm):
    reason = forms.CharField(label=_("不符合条件的原因（可向家庭解释的话）"), widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请写明不符合条件的原因（可向家庭解释的话）。")})
    real_difficulty = forms.BooleanField(label=_("确有实际困难（列入救助观察名单，跟踪联系）"), required=False)
    difficulty = forms.CharField(label=_("实际困难"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    family_informed = forms.BooleanField(label=_("已向家庭解释"), required=False)


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请写明原因。")})


class HelpFirstForm(VersionForm):
    amount = forms.DecimalField(label=_("先行救助金额（元）"), min_value=0, max_digits=10, decimal_places=2,
                                error_messages={"required": _("请填写金额。"), "invalid": _("金额格式不正确。"),
                                                "min_value": _("金额不能为负数。")})
    paperwork_due = forms.DateField(label=_("补办手续期限"), widget=DATE,
                                    error_messages={"required": _("请填写补办手续的期限。"),
                                                    "invalid": _("日期格式不正确。")})


class DiscussionForm(VersionForm):
    amount = forms.DecimalField(label=_("议定临时救助金额（元）"), min_value=0, max_digits=10, decimal_places=2,
                                error_messages={"required": _("请填写金额。"), "invalid": _("金额格式不正确。"),
                                                "min_value": _("金额不能为负数。")})
    justification = forms.CharField(label=_("提高额度的理由"), widget=forms.Textarea(attrs={"rows": 3}),
                                    error_messages={"required": _("请写明提高救助额度的理由。")})
    agreed_by = forms.CharField(label=_("参与议定并同意的人员"), max_length=300,
                                error_messages={"required": _("请填写参与议定并同意的人员。")})
    meeting_date = forms.DateField(label=_("议定日期"), widget=DATE, initial=timezone.localdate,
                                   error_messages={"required": _("请填写议定日期。"), "invalid": _("日期格式不正确。")})


# Step → (form, heading).
STEP_FORMS = {
    StepAction.STUDY: StudyForm,
    StepAction.SUBMIT: VersionForm,
    StepAction.ACCEPT: AcceptForm,
    StepAction.REVIEW: ReviewForm,
    StepAction.NOTICE_START: NoticeStartForm,
    StepAction.NOTICE_RESULT: NoticeResultForm,
    StepAction.DECIDE_ELIGIBLE: EligibleForm,
    StepAction.DECIDE_INELIGIBLE: IneligibleForm,
    StepAction.ESCALATE: ReasonForm,
    StepAction.RETURN: ReasonForm,
    StepAction.HELP_FIRST: HelpFirstForm,
    StepAction.PAPERWORK_DONE: VersionForm,
    StepAction.DISCUSSION: DiscussionForm,
    StepAction.INFORM: VersionForm,
}


class ReferralFilterForm(forms.Form):
    q = search_field(_("姓名（含家庭成员）、拼音、身份证号、地址或工单编号"))
    village = forms.ModelChoiceField(label=_("村/社区"), queryset=None, required=False, empty_label=_("全部"))
    department = forms.ChoiceField(label=_("承办部门"), choices=_blank(Department.choices), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_blank(
        [("village", _("村级待报送（草稿、已集体研究）")), *ReferralStatus.choices]))
    overdue = forms.BooleanField(label=_("仅看超期"), required=False)
    paperwork = forms.BooleanField(label=_("先行救助待补手续"), required=False)
    late = forms.ChoiceField(label=_("环节超时"), required=False, choices=[
        ("", _("全部")), ("all", _("各级环节超时")), ("village", _("村级环节超时")),
        ("township", _("乡镇环节超时（含部门办理）")), ("district", _("区县环节超时"))])
    township = forms.ModelChoiceField(label=_("乡镇（街道）"), queryset=None, required=False, empty_label=_("全部"))
    handled_here = forms.BooleanField(label=_("仅看本级办理（不含户籍地在外乡镇办理的）"), required=False)

    def __init__(self, *args, villages=None, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        _township_field(self, townships)


class LeadFilterForm(forms.Form):
    q = search_field(_("姓名（含家庭成员）、拼音、身份证号、地址或工单编号"))
    village = forms.ModelChoiceField(label=_("村/社区"), queryset=None, required=False, empty_label=_("全部"))
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_blank(
        [("open", _("待处理（新线索、核实中）")), *LeadStatus.choices]))
    channel = forms.ChoiceField(label=_("来源"), choices=_blank(LeadChannel.choices), required=False)
    late = forms.BooleanField(label=_("仅看环节超时（登记后未按时研究）"), required=False)
    township = forms.ModelChoiceField(label=_("乡镇（街道）"), queryset=None, required=False, empty_label=_("全部"))

    def __init__(self, *args, villages=None, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        _township_field(self, townships)


def _township_field(form, townships) -> None:
    """The township filter, for users who serve a district (its per-township figures link to it)."""
    from relief.models import Jurisdiction, JurisdictionLevel

    if townships is None or getattr(townships, "serves_level", "") != JurisdictionLevel.DISTRICT:
        # One township (or none): the field would only repeat it; a value for another is still refused.
        form.fields["township"].widget = forms.HiddenInput()
    form.fields["township"].queryset = townships if townships is not None else Jurisdiction.objects.none()


class StepLimitForm(forms.Form):
    """The district sets one step's limit for one urgency, from a date on (环节时限)."""

    step = forms.ChoiceField(label=_("环节"), choices=StepKind.choices)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    amount = forms.IntegerField(label=_("时限"), min_value=1, max_value=720,
                                error_messages={"required": _("请填写时限。"), "min_value": _("时限须至少为1。"),
                                                "max_value": _("时限不能超过720（天或小时）。"),
                                                "invalid": _("时限请填写整数，如 7。")})
    unit = forms.ChoiceField(label=_("单位"), choices=LimitUnit.choices, initial=LimitUnit.DAYS,
                             help_text=_("急难事项宜按小时计（如24小时，“第一时间”处置）"))
    effective_from = forms.DateField(label=_("生效日期"), widget=DATE, initial=timezone.localdate,
                                     help_text=_("自该日（含）起开始的环节按新时限计算，此前开始的仍按原时限"),
                                     error_messages={"required": _("请填写生效日期。"), "invalid": _("日期格式不正确。")})
    note = forms.CharField(label=_("依据/说明"), max_length=300, required=False)
    confirm_past = forms.BooleanField(label=_("确认追溯生效"), required=False,
                                      help_text=_("生效日期早于今天时须勾选：自该日起已开始的环节将按新时限重新计算"))

    def clean(self):
        data = super().clean()
        amount, unit = data.get("amount"), data.get("unit")
        # 720 hours is 30 days; a limit of more days than a year is a typing slip, not a rule.
        if amount and unit == LimitUnit.DAYS and amount > 365:
            self.add_error("amount", _("按天计的时限不能超过365天。"))
        day = data.get("effective_from")
        if day and day < timezone.localdate() and not data.get("confirm_past"):
            self.add_error("effective_from", _(
                "生效日期早于今天：自该日起已开始的环节将按新时限重新计算。确认无误请勾选“确认追溯生效”后再保存。"))
        return data
