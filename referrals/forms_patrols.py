"""Forms of the street-patrol pages: they check shape; referrals.services checks rules and jurisdiction."""
import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.validators import validate_person_name
from relief.models import Jurisdiction
from relief.punctuation import parenthesized

from .models import Urgency

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj}{parenthesized(obj.jurisdiction.name)}" if obj.jurisdiction_id else str(obj)


class PatrolForm(forms.Form):
    village = forms.ModelChoiceField(label=_("村/社区"), queryset=None, required=False,
                                     error_messages={"invalid_choice": _("请选择您辖区内的村/社区。")})
    patrolled_on = forms.DateField(label=_("巡查日期"), widget=DATE,
                                   error_messages={"required": _("请填写巡查日期。"), "invalid": _("请填写正确的日期。")})
    area = forms.CharField(label=_("巡查区域/路线"), max_length=200,
                           error_messages={"required": _("请填写巡查区域或路线。"),
                                           "max_length": _("巡查区域/路线不能超过200字。")})
    staff = StaffChoiceField(label=_("巡查工作人员"), queryset=None, required=False,
                             widget=forms.CheckboxSelectMultiple,
                             error_messages={"invalid_choice": _("请选择本乡镇（街道）的工作人员。")})
    others = forms.CharField(label=_("其他参与人员"), max_length=200, required=False,
                             help_text=_("志愿者、网格员、村民组长等，写姓名即可"))
    people_met = forms.IntegerField(label=_("遇到人数"), min_value=0, initial=0,
                                    error_messages={"required": _("请填写遇到人数，没有遇到填0。"),
                                                    "min_value": _("遇到人数不能为负数。"),
                                                    "invalid": _("遇到人数请填整数。")})
    notes = forms.CharField(label=_("情况记录"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("遇到的流浪乞讨人员、困难群众的简要情况"))

    def __init__(self, *args, villages, staff, village_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["staff"].queryset = staff
        self.fields["patrolled_on"].initial = timezone.localdate
        if village_required:
            self.fields["village"].required = True
            self.fields["village"].error_messages["required"] = _("请选择巡查的村/社区。")
            if len(villages) == 1:
                self.fields["village"].initial = villages[0].pk
        else:
            self.fields["village"].empty_label = _("跨村巡查（全镇/街道）")


class PatrolEditForm(PatrolForm):
    """Correcting a patrol: everything but its place, which its leads lie in."""

    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, villages=Jurisdiction.objects.none(), staff=staff, village_required=False, **kwargs)
        del self.fields["village"]


class PatrolLeadForm(forms.Form):
    """A lead found on the patrol: who, where, what."""

    village = forms.ModelChoiceField(label=_("困难群众所在村/社区"), queryset=None,
                                     error_messages={"required": _("请选择困难群众所在的村/社区。"),
                                                     "invalid_choice": _("请选择本次巡查所在乡镇的村/社区。")})
    subject_name = forms.CharField(label=_("困难群众姓名"), max_length=50, required=False,
                                   validators=[validate_person_name])
    subject_address = forms.CharField(label=_("所在位置/住址"), max_length=200, required=False)
    description = forms.CharField(label=_("发现的情况"), widget=forms.Textarea(attrs={"rows": 3}),
                                  error_messages={"required": _("请写明发现的困难情况。")})
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        if len(villages) == 1:
            self.fields["village"].initial = villages[0].pk


class PatrolFilterForm(forms.Form):
    township = forms.ModelChoiceField(label=_("乡镇/街道"), queryset=None, required=False, empty_label=None)
    month = forms.CharField(label=_("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    village = forms.ModelChoiceField(label=_("村/社区"), queryset=None, required=False, empty_label=_("全部"))

    def __init__(self, *args, townships, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        self.fields["village"].queryset = villages

    def clean_month(self):
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        try:
            return dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 年-月，如 2026-03。")) from None
