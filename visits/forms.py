from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy as _

from relief.models import User

from .models import CHECK_FIELDS, NeedKind, Visit, VisitKind
from .photos import PHOTO_MAX_BYTES, PHOTO_MAX_COUNT


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input (Django's documented pattern); the service checks each one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp",
                                                             "capture": "environment"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class VisitForm(forms.ModelForm):
    """The visit record on a phone. Model.clean() enforces the three don'ts; errors land at the field."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput, error_messages={
        "required": _("提交编号缺失，请刷新页面后重新填写。"), "invalid": _("提交编号无效，请刷新页面后重新填写。")})
    needs = forms.MultipleChoiceField(label=_("发现的需求"), choices=NeedKind.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    photos = MultiplePhotoField(
        label=_("照片"), required=False,
        # Formatted when shown, not at import: a lazy string formatted here would stay in the default language.
        help_text=lazy(lambda: gettext("JPG、PNG 或 WebP，每张不超过 %(mb)d MB，最多 %(n)d 张。网络不好时可先不传照片。")
                       % {"mb": PHOTO_MAX_BYTES // 1024 // 1024, "n": PHOTO_MAX_COUNT}, str)())

    class Meta:
        model = Visit
        fields = ["visited_on", "kind", "method", "visitors", "volunteers", "person_seen", "not_seen_reason",
                  *CHECK_FIELDS, "situation", "needs", "needs_text", "willingness", "ability", "help_offered",
                  "actions_taken", "measures", "situation_clear", "next_follow_up_on"]
        widgets = {
            "visited_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "next_follow_up_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "visitors": forms.CheckboxSelectMultiple,
            "situation": forms.Textarea(attrs={"rows": 3}),
            "needs_text": forms.Textarea(attrs={"rows": 2}),
            "help_offered": forms.Textarea(attrs={"rows": 2}),
            "actions_taken": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "person_seen": _("未见到本人的走访不算完成本期走访，系统会安排再次跟进。"),
            "kind": _("复核走访见到本人时，同时完成该户本季度的排查（季度排查名单上的家庭）。"),
            "situation_clear": _("需逐项了解上面的生活状况并见到本人，才能勾选。"),
            "next_follow_up_on": _("未见到本人且不填写时，默认 7 天后跟进。"),
            "measures": _("发现需求时必须提出对策建议，否则此户仍需跟进。"),
        }

    def __init__(self, *args, household, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.household = household
        self.fields["visitors"].queryset = (
            User.objects.filter(is_active=True, jurisdiction__in=[household.village_id, household.village.parent_id])
            .order_by("role", "full_name", "username"))
        self.fields["visitors"].label_from_instance = lambda u: u.display_name
        self.fields["visitors"].required = False
        self.fields["visitors"].help_text = _("不选时默认为您本人。")
        for name in CHECK_FIELDS:
            self.fields[name].widget = forms.RadioSelect(choices=self.fields[name].choices)
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]
            self.fields[name].required = False
        # The page's script leaves 情况已调查清楚 off until the person is seen and every check answered, as clean()
        # requires; these are the checks it waits for.
        self.fields["situation_clear"].widget.attrs["data-needs-checks"] = ",".join(CHECK_FIELDS)
        self.user = user
        self.fields["willingness"].required = False
        # A form posted without it (an older page still open on a phone) logs a routine visit.
        self.fields["kind"].required = False
        self.fields["kind"].choices = VisitKind.choices
        self.fields["willingness"].choices = [c for c in self.fields["willingness"].choices if c[0] != ""]
        self.fields["willingness"].help_text = _("未见到本人时不记录救助意愿。")

    def clean(self):
        data = super().clean()
        data["kind"] = data.get("kind") or VisitKind.ROUTINE
        self.instance.kind = data["kind"]
        if not data.get("person_seen"):
            # Nobody was asked: whatever the willingness field holds (a draft restored on the phone, a
            # choice made before unticking 见到本人) is not an answer.
            data["willingness"] = ""
            self.instance.willingness = ""
        return data
