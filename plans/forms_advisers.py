"""Forms of the adviser-post pages: shape only; plans.services checks the rules and the jurisdiction."""
from django import forms
from django.utils.translation import gettext_lazy as _

from households.validators import validate_person_name

from .models_advisers import AdviserPostKind


class AdviserPostForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=AdviserPostKind.choices,
                             error_messages={"required": _("请选择顾问点类别。")})
    village = forms.ModelChoiceField(label=_("村/社区"), queryset=None, required=False,
                                     help_text=_("村居救助顾问点填写；受理中心和工作站不填"),
                                     error_messages={"invalid_choice": _("请选择本乡镇（街道）的村/社区。")})
    name = forms.CharField(label=_("名称"), max_length=100, error_messages={"required": _("请填写顾问点名称。")})
    place = forms.CharField(label=_("地点"), max_length=200, error_messages={"required": _("请填写顾问点地点。")})
    opening_hours = forms.CharField(label=_("开放时间"), max_length=100, initial=_("工作日 9:00—17:00"),
                                    error_messages={"required": _("请填写开放时间。")})
    phone = forms.CharField(label=_("咨询电话"), max_length=30, error_messages={"required": _("请填写咨询电话。")},
                            widget=forms.TextInput(attrs={"type": "tel"}))
    is_active = forms.BooleanField(label=_("开放中"), required=False, initial=True)
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages


class AdviserPersonForm(forms.Form):
    """One adviser on duty; a row left blank is no one, a row half filled is refused."""

    name = forms.CharField(label=_("姓名"), max_length=50, required=False, validators=[validate_person_name])
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))
    role = forms.CharField(label=_("职责"), max_length=50, required=False)

    def clean(self):
        data = super().clean()
        values = [(data.get(k) or "").strip() for k in ("name", "phone", "role")]
        if any(values) and not all(values):
            raise forms.ValidationError(_("请把这位救助顾问的姓名、联系电话和职责填写完整。"))
        return data


AdviserPeopleFormSet = forms.formset_factory(AdviserPersonForm, extra=2)
