from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief import access
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel, Role, User

from .matching import VALUE_CHOICES, clean_condition, contradictions
from .models import (
    ConditionKind, ItemStatus, Need, Policy, PolicyCondition, Project, Resource, TeamMember,
)
from .selectors import library_visible, owner_choices

# Condition values from different choice lists share codes ("none", "other"): the form prefixes them.
VALUE_DOMAINS = {kind: choices.__name__ for kind, choices in VALUE_CHOICES.items()}


def _value_choices():
    seen, groups = set(), []
    for kind, choices in VALUE_CHOICES.items():
        domain = choices.__name__
        if domain in seen:
            continue
        seen.add(domain)
        label = ConditionKind(kind).label if kind != ConditionKind.CATEGORY_NOT_HELD else _("救助类别")
        if kind in (ConditionKind.CATEGORY_HELD, ConditionKind.CATEGORY_NOT_HELD):
            label = _("救助类别")
        groups.append((label, [(f"{domain}:{v}", lbl) for v, lbl in choices.choices if v]))
    return groups


class ConditionForm(forms.ModelForm):
    values = forms.MultipleChoiceField(label=_("取值"), required=False, choices=_value_choices,
                                       widget=forms.SelectMultiple(attrs={"size": 4}))

    class Meta:
        model = PolicyCondition
        fields = ["group", "kind", "comparison", "factor", "amount", "min_value", "max_value", "values"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A row without a condition kind is an unused blank row, not an error.
        self.fields["group"].required = False
        self.fields["kind"].required = False
        if self.instance.pk and self.instance.kind in VALUE_DOMAINS:
            domain = VALUE_DOMAINS[self.instance.kind]
            self.initial["values"] = [f"{domain}:{v}" for v in self.instance.values]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        raw = data.get("values") or []
        domain = VALUE_DOMAINS.get(kind)
        wrong = [v for v in raw if v.split(":", 1)[0] != domain]
        if wrong and kind:
            self.add_error("values", _("所选取值与条件“%(k)s”不符，请重新选择。") % {"k": ConditionKind(kind).label})
        data["values"] = [v.split(":", 1)[1] for v in raw if v.split(":", 1)[0] == domain]
        if kind and not self.errors:
            try:
                clean_condition(PolicyCondition(**self._condition_fields(data)))
            except forms.ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(name if name in self.fields else None, message)
        return data

    def validate_unique(self):
        # The model's check constraint (min ≤ max) is reported by clean_condition in Chinese instead.
        return

    @staticmethod
    def _condition_fields(d) -> dict:
        return {k: d.get(k) for k in ["group", "kind", "comparison", "factor", "amount", "min_value", "max_value",
                                       "values"]} | {"group": d.get("group") or 1, "comparison": d.get("comparison") or ""}

    def as_condition_data(self) -> dict:
        return self._condition_fields(self.cleaned_data)


class BaseConditionFormSet(forms.BaseFormSet):
    def clean(self):
        # Contradictions among the conditions that are valid on their own, shown with their own errors.
        valid = [f.as_condition_data() for f in self.forms if not f.errors and f.has_changed()
                 and f.cleaned_data.get("kind") and not f.cleaned_data.get("DELETE")]
        messages = contradictions([PolicyCondition(**c) for c in valid])
        if messages:
            raise forms.ValidationError(messages)

    def conditions(self) -> list[dict]:
        return [f.as_condition_data() for f in self.forms
                if f.has_changed() and f.cleaned_data.get("kind") and not f.cleaned_data.get("DELETE")]


ConditionFormSet = forms.formset_factory(ConditionForm, formset=BaseConditionFormSet, extra=3, can_delete=True)


def _areas_queryset(user):
    return access.jurisdictions_for(user, Action.VIEW).filter(
        level__in=[JurisdictionLevel.DISTRICT, JurisdictionLevel.TOWNSHIP, JurisdictionLevel.VILLAGE]
    ).order_by("code")


class OwnedForm(forms.ModelForm):
    owner = forms.ModelChoiceField(label=_("维护单位"), queryset=Jurisdiction.objects.none(),
                                   error_messages={"required": _("请选择维护单位。")})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices(user)
        if not self.instance.pk and user.jurisdiction_id:
            self.initial.setdefault("owner", user.jurisdiction_id)


class PolicyForm(OwnedForm):
    areas = forms.ModelMultipleChoiceField(label=_("适用地区"), queryset=Jurisdiction.objects.none(),
                                           widget=forms.SelectMultiple(attrs={"size": 6}),
                                           error_messages={"required": _("请选择政策适用的地区。")})

    class Meta:
        model = Policy
        fields = ["code", "name", "assistance_type", "summary", "eligibility", "benefits", "how_to_apply",
                  "documents", "department", "contact_phone", "basis", "owner", "areas", "is_active", "opens_leads"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in ["eligibility", "benefits", "how_to_apply",
                                                                  "documents"]}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["areas"].queryset = _areas_queryset(user)


class ResourceForm(OwnedForm):
    villages = forms.ModelMultipleChoiceField(label=_("服务村/社区"), queryset=Jurisdiction.objects.none(),
                                              widget=forms.CheckboxSelectMultiple,
                                              error_messages={"required": _("请选择服务的村/社区。")})

    class Meta:
        model = Resource
        fields = ["name", "kind", "service_kind", "offer", "capacity", "contact_person", "contact_phone",
                  "address", "owner", "villages", "is_active"]
        widgets = {"offer": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"contact_person": {"required": _("请填写联系人，否则无法对接帮扶。")},
                          "contact_phone": {"required": _("请填写联系电话，否则无法对接帮扶。")}}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["villages"].queryset = access.villages_for(user, Action.VIEW).order_by("code")


class ProjectForm(ResourceForm):
    class Meta:
        model = Project
        fields = ["name", "kind", "description", "target", "provider", "place", "start_date", "end_date",
                  "capacity", "contact_person", "contact_phone", "owner", "villages"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}),
                   "start_date": forms.DateInput(attrs={"type": "date"}),
                   "end_date": forms.DateInput(attrs={"type": "date"})}
        error_messages = ResourceForm.Meta.error_messages

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["provider"].queryset = library_visible(Resource.objects.all(), user)


class TeamMemberForm(forms.ModelForm):
    villages = forms.ModelMultipleChoiceField(label=_("负责村/社区"), queryset=Jurisdiction.objects.none(),
                                              widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = TeamMember
        fields = ["role", "name", "sex", "position", "phone", "user", "villages", "is_active", "since"]
        widgets = {"since": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, township, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].queryset = Jurisdiction.objects.filter(parent=township).order_by("code")
        self.fields["user"].queryset = User.objects.filter(
            is_active=True, role__in=[Role.CASEWORKER, Role.TOWNSHIP],
            jurisdiction__in=Jurisdiction.objects.filter(pk=township.pk) | Jurisdiction.objects.filter(parent=township)
        ).order_by("role", "username")
        self.fields["user"].required = False


class NeedForm(forms.ModelForm):
    class Meta:
        model = Need
        fields = ["kind", "description"]
        error_messages = {"description": {"required": _("请写明需求内容。")}}


class PlanItemForm(forms.Form):
    need = forms.ModelChoiceField(label=_("对应需求"), queryset=Need.objects.none(),
                                  error_messages={"required": _("请选择该家庭需求清单中的一项需求。")})
    match = forms.ChoiceField(label=_("对接政策/资源/项目"), error_messages={
        "required": _("请为这项需求对接一项政策、资源或项目（只选一项）。"),
        "invalid_choice": _("请从列表中选择政策、资源或项目。")})
    action = forms.CharField(label=_("具体措施"), max_length=300, error_messages={"required": _("请写明具体措施。")})
    owner = forms.ModelChoiceField(label=_("责任人"), queryset=User.objects.none(),
                                   error_messages={"required": _("请指定责任人。")})
    due_date = forms.DateField(label=_("完成时限"), widget=forms.DateInput(attrs={"type": "date"}),
                               error_messages={"required": _("请填写完成时限。"), "invalid": _("日期格式不正确。")})

    def __init__(self, *args, household, user, policies, resources, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = Need.objects.filter(household=household)
        latest = Need.objects.filter(household=household).order_by("-pk").values_list("pk", flat=True).first()
        if latest:
            self.initial.setdefault("need", latest)  # the need just entered is the usual next step
        self.fields["match"].choices = [("", "---------")] + [
            (_("政策"), [(f"policy:{p.pk}", p.name) for p in policies]),
            (_("资源"), [(f"resource:{r.pk}", f"{r.name}（{r.get_service_kind_display()}）") for r in resources]),
            (_("项目"), [(f"project:{p.pk}", p.name) for p in projects]),
        ]
        village = household.village
        self.fields["owner"].queryset = User.objects.filter(is_active=True, jurisdiction__in=[
            village.pk, village.parent_id]).order_by("role", "username")
        self.initial.setdefault("owner", user.pk)
        self.lookup = {"policy": {p.pk: p for p in policies}, "resource": {r.pk: r for r in resources},
                       "project": {p.pk: p for p in projects}}

    def clean_due_date(self):
        value = self.cleaned_data["due_date"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("完成时限不能早于今天。"))
        return value

    def matched(self) -> dict:
        kind, pk = self.cleaned_data["match"].split(":")
        return {kind: self.lookup[kind][int(pk)]}


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("进度"), choices=ItemStatus.choices)
    note = forms.CharField(label=_("落实情况"), max_length=300, error_messages={"required": _("请写明落实情况。")})
