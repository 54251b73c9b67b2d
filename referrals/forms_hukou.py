"""Forms of the cooperation letters (协查函/转办函). They check shape; referrals.services.hukou checks the rules."""
import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models_hukou import LetterKind, LetterState

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The reply deadline the form offers: a month, the usual time given to another county's civil-affairs office.
DEFAULT_REPLY_DAYS = 30


class LetterForm(forms.Form):
    kind = forms.ChoiceField(label=_("函件类型"), choices=LetterKind.choices, initial=LetterKind.INQUIRY,
                             help_text=_("协查函：请户籍地协助核查；转办函：请户籍地受理办理。"))
    sent_to = forms.CharField(label=_("发往单位"), max_length=100,
                              error_messages={"required": _("请填写发往单位（如：××县民政局）。")})
    content = forms.CharField(label=_("函件内容"), widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"required": _("请写明请协查或转办的事项。")})
    sent_on = forms.DateField(label=_("发函日期"), widget=DATE,
                              error_messages={"required": _("请填写发函日期。"),
                                              "invalid": _("发函日期格式不正确，请按“年-月-日”填写。")})
    reply_due = forms.DateField(label=_("回复期限"), widget=DATE,
                                error_messages={"required": _("请填写回复期限。"),
                                                "invalid": _("回复期限格式不正确，请按“年-月-日”填写。")})

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["sent_on"].initial = today
        self.fields["reply_due"].initial = today + dt.timedelta(days=DEFAULT_REPLY_DAYS)
        if household is not None and household.hukou_division_name:
            self.fields["sent_to"].initial = _("%(place)s民政部门") % {"place": household.hukou_division_name}


class LetterAnswerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    answer = forms.CharField(label=_("回复内容"), widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": _("请填写回复内容。")})
    answered_on = forms.DateField(label=_("回复日期"), widget=DATE, initial=timezone.localdate,
                                  error_messages={"required": _("请填写回复日期。"),
                                                  "invalid": _("回复日期格式不正确，请按“年-月-日”填写。")})


class LetterFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + LetterState.choices)
