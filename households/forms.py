"""Forms of the household pages. They check the input and show errors at the field; the writes
(and the checks that span records: duplicate ID numbers, stale versions) are in services.py."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief import access
from relief.access import Action
from relief.dates import long_date
from relief.forms import search_field
from relief.models import Jurisdiction, JurisdictionLevel, Role, User

from . import idcard
from .models import WholeHouseholdOutcome
from .models import (
    AssistanceRecord, AssistanceType, Cadence, FocusReason, Household, Member, MemberStatus, ObservationEntry,
    ROSTER_CADENCES, Sex, TargetKind, UNRECORDED,
)
from .selectors import SORT_CHOICES
from .services import HOUSEHOLD_FIELDS, MEMBER_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


YES_NO = [("", _("全部")), ("1", _("是")), ("0", _("否"))]


def _village_choices(user, action) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("村/社区"), queryset=access.villages_for(user, action).order_by("code"),
        error_messages={"invalid_choice": _("未找到该村/社区，或它不在您的辖区内，请从列表中选择。"),
                        "required": _("请选择村/社区。")},
    )


def caseworkers_in(village_ids):
    return User.objects.filter(role=Role.CASEWORKER, is_active=True, jurisdiction__in=village_ids).order_by("username")


class HouseholdFilterForm(forms.Form):
    q = search_field(_("姓名、拼音、身份证号或地址"))
    # Choosing a township reloads the list with its villages only (static/js/relief.js, data-autosubmit).
    township = forms.ModelChoiceField(
        label=_("乡镇/街道"), required=False, queryset=Jurisdiction.objects.none(), empty_label=_("全部"),
        widget=forms.Select(attrs={"data-autosubmit": "", "data-autosubmit-clear": "village"}),
        error_messages={"invalid_choice": _("未找到该乡镇/街道，或它不在您的辖区内，请从列表中选择。")})
    village = forms.ModelChoiceField(
        label=_("村/社区"), required=False, queryset=Jurisdiction.objects.none(), empty_label=_("全部"),
        error_messages={"invalid_choice": _("未找到该村/社区，或它不在您的辖区内，请从列表中选择。")})
    category = forms.ChoiceField(label=_("救助类别"), required=False,
                                 choices=[("", _("全部"))] + list(AssistanceType.choices))
    reason = forms.ChoiceField(label=_("关注原因"), required=False, choices=[("", _("全部"))] + list(FocusReason.choices))
    target_kind = forms.ChoiceField(label=_("对象类型"), required=False,
                                    choices=[("", _("全部"))] + list(TargetKind.choices))
    on_roster = forms.ChoiceField(label=_("在花名册"), required=False, choices=YES_NO)
    on_observation = forms.ChoiceField(label=_("在观察名单"), required=False, choices=YES_NO)
    review_due = forms.BooleanField(label=_("观察名单到期待复核"), required=False)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = access.jurisdictions_for(
            user, Action.VIEW, JurisdictionLevel.TOWNSHIP).order_by("code")
        if not (user.is_superuser or access.ROLE_LEVEL.get(user.role) == JurisdictionLevel.DISTRICT):
            # Serving one township or village there is nothing to choose; a link may still carry it.
            self.fields["township"].widget = forms.HiddenInput()
        village = self.fields["village"]
        village.queryset = access.villages_for(user, Action.VIEW).select_related("parent").order_by("code")
        chosen = (self.data.get(self.add_prefix("township")) or "") if self.is_bound else ""
        if chosen.isdigit() and self.fields["township"].queryset.filter(pk=int(chosen)).exists():
            # A township chosen: the list offers its villages only (any of the user's still validates, so a
            # village of another township gets the precise message of clean()).
            village.widget.choices = [("", village.empty_label)] + [
                (v.pk, v.name) for v in village.queryset.filter(parent_id=int(chosen))]
        elif not isinstance(self.fields["township"].widget, forms.HiddenInput):
            # The district's villages: each named with its township, as several townships may share a name.
            village.label_from_instance = lambda v: f"{v.parent.name if v.parent else ''} {v.name}"
            village.widget.choices = village.choices

    def clean(self):
        data = super().clean()
        township, village = data.get("township"), data.get("village")
        if township and village and village.parent_id != township.pk:
            self.add_error("village", _("所选村/社区不属于所选乡镇/街道。"))
        return data

    def filters(self) -> dict | None:
        """The list's filters; None when the input is invalid (the page then lists nothing rather
        than more than was asked for, and shows the error at the field)."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        data = self.cleaned_data
        yes_no = {"1": True, "0": False, "": None}
        return {
            "q": data["q"], "township": data["township"], "village": data["village"],
            "category": data["category"], "reason": data["reason"],
            "target_kind": data["target_kind"], "on_roster": yes_no[data["on_roster"]],
            "on_observation": yes_no[data["on_observation"]], "review_due": data["review_due"], "sort": data["sort"],
        }


class HouseholdForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Household
        fields = ["village", *HOUSEHOLD_FIELDS]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "residence_address": {"required": _("请填写居住地址。")},
            "per_capita_income": {"invalid": _("请填写数字（元）。")},
        }

    def __init__(self, *args, user, masked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        villages = access.villages_for(user, Action.EDIT_HOUSEHOLDS).order_by("code")
        self.fields["village"] = _village_choices(user, Action.EDIT_HOUSEHOLDS)
        if self.instance.pk:
            self.fields["village"].initial = self.instance.village_id
            self.fields["version"].initial = self.instance.version
        village_ids = list(villages.values_list("pk", flat=True))
        self.fields["group"].queryset = Jurisdiction.objects.filter(
            level=JurisdictionLevel.GROUP, parent__in=village_ids).select_related("parent").order_by("code")
        self.fields["group"].label_from_instance = lambda g: f"{g.parent.name} {g.name}"
        self.fields["caseworker"].queryset = caseworkers_in(village_ids)
        self.fields["caseworker"].label_from_instance = lambda u: u.display_name
        for name in ("per_capita_income", "medical_expense", "education_expense", "other_expense"):
            self.fields[name].widget.attrs.update({"min": "0", "step": "0.01", "inputmode": "decimal"})
        # What the registering user does not know may stay unrecorded (未登记), never a guessed default.
        for name in ("hukou_type", "housing"):
            field = self.fields[name]
            field.choices = [("", UNRECORDED), *[c for c in field.choices if c[0] != ""]]
            field.help_text = _("不清楚时选“未登记”。")
        self.fields["phone"].widget.attrs.update({"type": "tel", "inputmode": "tel"})
        if masked:
            # Shown masked beside the form (relief/reveal.py) and left out of it: the stored number stays.
            del self.fields["phone"]
        # The hukou place: any township the installation holds (of any district), or a division outside it.
        township = self.fields["hukou_township"]
        township.queryset = Jurisdiction.objects.filter(level=JurisdictionLevel.TOWNSHIP).select_related(
            "parent").order_by("code")
        township.label_from_instance = lambda t: f"{t.parent.name if t.parent_id else ''} {t.name}".strip()
        township.empty_label = _("不在本系统内或未登记")
        self.fields["hukou_division_code"].widget.attrs.update({"inputmode": "numeric", "maxlength": "12"})
        order = list(self.fields)
        for name in ("hukou_division_name", "hukou_division_code", "hukou_township"):
            order.remove(name)
            order.insert(order.index("hukou_address") + 1, name)
        self.order_fields(order)

    def clean(self):
        data = super().clean()
        group, village = data.get("group"), data.get("village")
        if group and village and group.parent_id != village.pk:
            self.add_error("group", _("所选村民小组不属于该村/社区。"))
        if data.get("hukou_township") and (data.get("hukou_division_code") or data.get("hukou_division_name")):
            self.add_error("hukou_division_code", _(
                "户籍地已选本系统内的乡镇（街道），区划代码和名称请留空（二者只填一项）。"))
        return data

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("village", *HOUSEHOLD_FIELDS) if name in self.fields}


class MemberForm(forms.ModelForm):
    """A member; birth date and sex may be left empty: they are read from the ID number."""

    class Meta:
        model = Member
        fields = list(MEMBER_FIELDS)
        error_messages = {
            "name": {"required": _("请填写成员姓名。")},
            "id_number": {"required": _("请填写身份证号。")},
        }
        widgets = {"birth_date": DateInput()}

    # What a masked member form leaves out: the ID number, and the birth date and sex that are read from it.
    IDENTITY_FIELDS = ("id_number", "birth_date", "sex")

    def __init__(self, *args, masked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].required = False
        self.fields["birth_date"].help_text = _("可不填，按身份证号自动识别；填写的须与身份证号一致。")
        self.fields["sex"].required = False
        self.fields["sex"].help_text = _("可不填，按身份证号第17位自动识别。")
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "maxlength": "18",
                                                      "inputmode": "text", "spellcheck": "false"})
        if masked:
            # Shown masked beside the form (relief/reveal.py) and left out of it: the stored number stays, and
            # the service keeps the birth date and sex it reads from it.
            for name in self.IDENTITY_FIELDS:
                del self.fields[name]

    def clean_id_number(self):
        return idcard.validate_id_number(self.cleaned_data.get("id_number", ""))

    def clean(self):
        data = super().clean()
        number = data.get("id_number")
        if number:
            born, sex = idcard.birth_date_of(number), idcard.sex_of(number)
            if data.get("birth_date") and data["birth_date"] != born:
                self.add_error("birth_date", _("出生日期与身份证号不一致：按身份证号应为 %(d)s。") % {
                    "d": long_date(born)})
            if data.get("sex") and data["sex"] != sex:
                self.add_error("sex", _("性别与身份证号不一致：按身份证号第17位应为“%(s)s”。") % {
                    "s": Sex(sex).label})
            # Filled in so that the model check passes; the service derives them again.
            data["birth_date"] = data.get("birth_date") or born
            data["sex"] = data.get("sex") or sex
            self.instance.birth_date = data["birth_date"]
            self.instance.sex = data["sex"]
        return data

    def validate_unique(self):
        """Uniqueness of the ID number is checked by the service, with a clearer message."""

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in MEMBER_FIELDS if name in self.fields}


class MemberStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("变动"), choices=[
        (MemberStatus.DECEASED, _("死亡")), (MemberStatus.MOVED_AWAY, _("迁出")),
        (MemberStatus.PRESENT, _("恢复为在户（更正）"))])
    on_date = forms.DateField(label=_("日期"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class AssistanceForm(forms.ModelForm):
    class Meta:
        model = AssistanceRecord
        fields = ["type", "member", "start_date", "end_date", "monthly_amount", "note"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}
        error_messages = {"type": {"required": _("请选择救助类型。")}, "start_date": {"required": _("请填写开始日期。")}}

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.filter(status=MemberStatus.PRESENT)
        self.fields["monthly_amount"].widget.attrs.update({"min": "0", "step": "0.01"})

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("结束日期不能早于开始日期。"))
        return data

    def _post_clean(self):
        """The household is set by the service; the model check runs there."""


class AssistanceEndForm(forms.Form):
    end_date = forms.DateField(label=_("终止日期"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("终止原因"), required=False, max_length=100)


ROSTER_CADENCE_CHOICES = [(c.value, c.label) for c in ROSTER_CADENCES]


class RosterEnterForm(forms.Form):
    reasons = forms.MultipleChoiceField(label=_("关注原因"), choices=FocusReason.choices,
                                        widget=forms.CheckboxSelectMultiple,
                                        error_messages={"required": _("请至少选择一个关注原因。")})
    target_kind = forms.ChoiceField(label=_("对象类型"), choices=TargetKind.choices, initial=TargetKind.WARNING)
    cadence = forms.ChoiceField(label=_("走访频次"), required=False,
                                choices=[("", _("按关注原因自动（每月；仅因申请被拒或退出保障的每季度）"))]
                                + ROSTER_CADENCE_CHOICES,
                                help_text=_("花名册对象每月至少走访一次；仅因申请被拒或退出保障纳入的可每季度。"))
    caseworker = forms.ModelChoiceField(label=_("责任协理员"), required=False, queryset=User.objects.none())
    entered_on = forms.DateField(label=_("纳入日期"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("说明"), required=False, max_length=300,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers_in([household.village_id])
        self.fields["caseworker"].label_from_instance = lambda u: u.display_name
        self.fields["caseworker"].initial = household.caseworker_id


class RosterChangeForm(forms.Form):
    reasons = forms.MultipleChoiceField(label=_("关注原因"), choices=FocusReason.choices,
                                        widget=forms.CheckboxSelectMultiple,
                                        error_messages={"required": _("请至少选择一个关注原因。")})
    target_kind = forms.ChoiceField(label=_("对象类型"), choices=TargetKind.choices)
    cadence = forms.ChoiceField(label=_("走访频次"), choices=ROSTER_CADENCE_CHOICES,
                                help_text=_("花名册对象每月至少走访一次；仅因申请被拒或退出保障纳入的可每季度。"))
    caseworker = forms.ModelChoiceField(label=_("责任协理员"), required=False, queryset=User.objects.none())
    note = forms.CharField(label=_("说明"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("调整原因"), max_length=300,
                             error_messages={"required": _("请填写调整原因（花名册动态调整须留痕）。")})
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers_in([entry.household.village_id])
        self.fields["caseworker"].label_from_instance = lambda u: u.display_name
        if not self.is_bound:
            self.initial.update({
                "reasons": [t.code for t in entry.reasons.all()], "target_kind": entry.target_kind,
                "cadence": entry.cadence, "caseworker": entry.caseworker_id, "note": entry.note,
                "version": entry.version,
            })


class RosterExitForm(forms.Form):
    reason = forms.CharField(label=_("退出原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("请填写退出原因。")})
    exited_on = forms.DateField(label=_("退出日期"), widget=DateInput(), initial=timezone.localdate)


class ObservationAddForm(forms.ModelForm):
    class Meta:
        model = ObservationEntry
        fields = ["member", "reason_not_eligible", "difficulty", "cadence", "decided_on", "next_review_on"]
        widgets = {"decided_on": DateInput(), "next_review_on": DateInput(),
                   "reason_not_eligible": forms.Textarea(attrs={"rows": 2}),
                   "difficulty": forms.Textarea(attrs={"rows": 2})}
        error_messages = {"reason_not_eligible": {"required": _("请填写未纳入救助的原因。")}}

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.filter(status=MemberStatus.PRESENT)
        self.fields["next_review_on"].required = False
        self.fields["next_review_on"].help_text = _("可不填，按走访频次自动计算。")

    def _post_clean(self):
        """The service validates the entry (dates, one open entry per household)."""


class ObservationReviewForm(forms.Form):
    reviewed_on = forms.DateField(label=_("复核日期"), widget=DateInput(), initial=timezone.localdate,
                                  error_messages={"required": _("请填写复核日期。"),
                                                  "invalid": _("请按“年-月-日”填写日期。")})
    note = forms.CharField(label=_("复核情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("家庭收入、支出、健康、就业等有无变化，是否仍有实际困难，是否需要申请救助。"),
                           error_messages={"required": _("请填写复核情况。")})
    cadence = forms.ChoiceField(label=_("走访频次"), choices=Cadence.choices)
    next_review_on = forms.DateField(label=_("下次复核日期"), widget=DateInput(),
                                     error_messages={"required": _("请填写下次复核日期。"),
                                                     "invalid": _("请按“年-月-日”填写日期。")})

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import next_review_date

        if not self.is_bound:
            today = timezone.localdate()
            self.initial.update({"cadence": entry.cadence, "next_review_on": next_review_date(today, entry.cadence)})


class ObservationRemoveForm(forms.Form):
    reason = forms.CharField(label=_("移出原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("请填写移出原因。")})
    removed_on = forms.DateField(label=_("移出日期"), widget=DateInput(), initial=timezone.localdate)


class QuarterlyCheckForm(forms.Form):
    """季度排查: face to face, whether basic living, housing, medical care or schooling are in difficulty."""

    checked_on = forms.DateField(label=_("排查日期"), widget=DateInput(), initial=timezone.localdate)
    finding = forms.CharField(label=_("排查情况"), widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("面对面了解基本生活、住房、医疗、就学等方面是否遇到困难。"),
                              error_messages={"required": _("请写明排查了解到的情况。")})
    circumstances_changed = forms.BooleanField(label=_("情况有变化（需要进一步救助）"), required=False,
                                               help_text=_("勾选后可从家庭页发起转办。"))


class WrittenRefusalForm(forms.Form):
    refused_on = forms.DateField(label=_("书面拒绝日期"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("说明"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("如：本人签字的《不接受排查告知书》已存档。"))


class WholeHouseholdCheckForm(forms.Form):
    checked_on = forms.DateField(label=_("核查日期"), widget=DateInput(), initial=timezone.localdate)
    outcome = forms.ChoiceField(label=_("核查结论"), choices=WholeHouseholdOutcome.choices, widget=forms.RadioSelect,
                                error_messages={"required": _("请选择核查结论。")})
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请写明理由。")})


def attach_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: at the field where there is one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
