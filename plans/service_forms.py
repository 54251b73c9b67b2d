"""Forms of the service-kind section (服务类型). Rules that span records are in plans/service_kinds.py."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.forms import DateInput
from households.models import Cadence
from relief.models import User

from .models import Resource, ResourceKind
from .service_models import ContactMethod, GoalStatus, ServiceType

VERSION = {"required": _("页面已过期，请刷新后重新填写。")}


class ServiceStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("服务类型"), choices=ServiceType.choices,
                             error_messages={"required": _("请选择服务类型。")})
    started_on = forms.DateField(label=_("开始日期"), widget=DateInput, initial=timezone.localdate,
                                 error_messages={"required": _("请填写开始日期。"), "invalid": _("日期格式不正确。")})
    reason = forms.CharField(label=_("决定理由"), max_length=300,
                             error_messages={"required": _("请写明为什么确定这一服务类型。")})
    case_worker = forms.ModelChoiceField(label=_("责任社工（转介服务）"), queryset=User.objects.none(),
                                         required=False,
                                         error_messages={"invalid_choice": _("责任社工须为本村或本乡镇在岗的工作人员。")})
    organisation = forms.ModelChoiceField(label=_("承接社会组织（转介服务，可选）"), queryset=Resource.objects.none(),
                                          required=False,
                                          error_messages={"invalid_choice": _("所选社会组织不服务本村（社区）。")})
    cadence = forms.ChoiceField(label=_("联系频次（跟踪联系服务）"), choices=[("", "---------"), *Cadence.choices],
                                required=False)
    current_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, household, case_workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_worker"].queryset = case_workers
        self.fields["case_worker"].label_from_instance = lambda u: f"{u.display_name}（{u.get_role_display()}）"
        self.fields["organisation"].queryset = Resource.objects.filter(
            is_active=True, kind=ResourceKind.SOCIAL_ORG, villages=household.village_id)


class ServiceVersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=VERSION)


class ServiceReviewForm(ServiceVersionForm):
    note = forms.CharField(label=_("复核情况"), max_length=300, error_messages={"required": _("请写明复核情况。")})


class ServiceEndForm(ServiceVersionForm):
    ended_on = forms.DateField(label=_("结束日期"), widget=DateInput, initial=timezone.localdate,
                               error_messages={"required": _("请填写结束日期。"), "invalid": _("日期格式不正确。")})
    reason = forms.CharField(label=_("结束理由"), max_length=300, error_messages={"required": _("请写明结束服务的理由。")})


class GoalForm(ServiceVersionForm):
    text = forms.CharField(label=_("服务目标"), max_length=300, error_messages={"required": _("请填写服务目标。")})
    target_on = forms.DateField(label=_("目标日期"), widget=DateInput,
                                error_messages={"required": _("请填写目标日期。"), "invalid": _("日期格式不正确。")})


class GoalStatusForm(ServiceVersionForm):
    status = forms.ChoiceField(label=_("状态"), choices=GoalStatus.choices,
                               error_messages={"required": _("请选择目标状态。")})
    note = forms.CharField(label=_("情况说明"), max_length=300, required=False)


class NoteForm(ServiceVersionForm):
    noted_on = forms.DateField(label=_("跟进日期"), widget=DateInput, initial=timezone.localdate,
                               error_messages={"required": _("请填写跟进日期。"), "invalid": _("日期格式不正确。")})
    note = forms.CharField(label=_("跟进情况"), max_length=500, error_messages={"required": _("请填写跟进情况。")})


class ContactForm(ServiceVersionForm):
    contacted_on = forms.DateField(label=_("联系日期"), widget=DateInput, initial=timezone.localdate,
                                   error_messages={"required": _("请填写联系日期。"), "invalid": _("日期格式不正确。")})
    method = forms.ChoiceField(label=_("联系方式"), choices=ContactMethod.choices,
                               error_messages={"required": _("请选择联系方式。")})
    note = forms.CharField(label=_("联系情况"), max_length=500, error_messages={"required": _("请填写联系情况。")})
