import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import AssistanceType, TargetKind
from relief import access
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel
from relief.punctuation import parenthesized
from relief.reveal import PersonalDataPurpose

from .models import CheckResult, SampleSizeMode
from relief.months import add_months, month_end, month_start

from .reports import available_kinds

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month picker); cleans to the first day of the month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"})
    default_error_messages = {"invalid": _("请按“年-月”填写月份，例如 2026-01。")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = MONTH_RE.match(value.strip())
        if not match:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        year, month = int(match[1]), int(match[2])
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return dt.date(year, month, 1)

    def prepare_value(self, value):
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return value


def jurisdiction_choices(user, action):
    return access.jurisdictions_for(user, action).exclude(level=JurisdictionLevel.GROUP).select_related(
        "parent").order_by("code")


class JurisdictionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        indent = {"district": "", "township": "　", "village": "　　"}.get(obj.level, "")
        return f"{indent}{obj.name}{parenthesized(obj.get_level_display())}"


class PeriodMixin:
    """Period from month_from to month_to: not in the future, not reversed."""

    def clean_period(self, data):
        today = timezone.localdate()
        start, end = data.get("month_from"), data.get("month_to")
        if start and start > month_start(today):
            self.add_error("month_from", _("开始月份不能晚于本月。"))
        if end and end > month_start(today):
            self.add_error("month_to", _("结束月份不能晚于本月（不能导出未来的台账）。"))
        if start and end and start > end:
            self.add_error("month_to", _("结束月份不能早于开始月份。"))
        if start and end and start <= end and add_months(start, 36) <= end:
            self.add_error("month_to", _("一次最多导出36个月。"))
        if start and end:
            data["start"], data["end"] = start, month_end(end)
        return data


class LedgerForm(PeriodMixin, forms.Form):
    kind = forms.ChoiceField(label=_("台账"), choices=())
    jurisdiction = JurisdictionChoiceField(
        label=_("辖区"), queryset=Jurisdiction.objects.none(), empty_label=None,
        error_messages={"invalid_choice": _("所选辖区不在您的管辖范围内。")})
    month_from = MonthField(label=_("开始月份"))
    month_to = MonthField(label=_("结束月份"))
    category = forms.ChoiceField(label=_("救助类别"), required=False,
                                 choices=[("", _("全部"))] + list(AssistanceType.choices))
    target_kind = forms.ChoiceField(label=_("对象类型"), required=False,
                                    choices=[("", _("全部"))] + list(TargetKind.choices))
    # Full personal data only on purpose: blank exports every ID number masked (relief/reveal.py).
    purpose = forms.ChoiceField(label=_("导出完整身份证号的用途"), required=False,
                                choices=[("", _("不导出完整身份证号和电话（脱敏）"))] + list(PersonalDataPurpose.choices),
                                error_messages={"invalid_choice": _("请从列表中选择导出用途。")})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].choices = available_kinds()
        if not access.village_ids_for(user, Action.VIEW_PERSONAL_DATA) and not user.is_superuser:
            del self.fields["purpose"]  # nothing to unmask for this user: the question would mislead
        self.fields["kind"].error_messages["invalid_choice"] = _("请选择一种台账。")
        self.fields["jurisdiction"].queryset = jurisdiction_choices(user, Action.EXPORT_LEDGERS)
        this_month = month_start(timezone.localdate())
        self.fields["month_from"].initial = this_month
        self.fields["month_to"].initial = this_month
        if user.jurisdiction_id:
            self.fields["jurisdiction"].initial = user.jurisdiction_id

    def clean(self):
        return self.clean_period(super().clean())


class SamplingDrawForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("季度"), coerce=int, choices=[
        (1, _("第一季度")), (2, _("第二季度")), (3, _("第三季度")), (4, _("第四季度"))])
    size_mode = forms.ChoiceField(label=_("抽样方式"), choices=SampleSizeMode.choices)
    size_value = forms.IntegerField(label=_("抽取数量或比例（%）"), min_value=1,
                                    error_messages={"min_value": _("至少抽取1户（或1%）。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["year"].initial = today.year
        self.fields["quarter"].initial = (today.month - 1) // 3 + 1

    def clean(self):
        data = super().clean()
        if data.get("size_mode") == SampleSizeMode.PERCENT and data.get("size_value", 0) > 100:
            self.add_error("size_value", _("比例不能超过100%。"))
        year, quarter = data.get("year"), data.get("quarter")
        if year and quarter:
            today = timezone.localdate()
            if dt.date(year, (quarter - 1) * 3 + 1, 1) > today:
                self.add_error("quarter", _("该季度尚未开始，不能抽查。"))
        return data


class SampleCheckForm(forms.Form):
    # No result is pre-selected: pressing 记录 without choosing must not record 准确.
    result = forms.ChoiceField(label=_("核查结果"), choices=[("", _("请选择核查结果")),
                                                         *[c for c in CheckResult.choices if c[0] != "pending"]],
                               error_messages={"required": _("请选择核查结果。")})
    note = forms.CharField(label=_("核查说明"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("result") in (CheckResult.OMISSION, CheckResult.ERROR) and not (data.get("note") or "").strip():
            self.add_error("note", _("漏报或错报必须写明核查说明。"))
        return data


class DashboardForm(PeriodMixin, forms.Form):
    jurisdiction = JurisdictionChoiceField(
        label=_("辖区"), queryset=Jurisdiction.objects.none(), required=False, empty_label=None,
        error_messages={"invalid_choice": _("所选辖区不在您的管辖范围内。")})
    month_from = MonthField(label=_("开始月份"), required=False)
    month_to = MonthField(label=_("结束月份"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdiction_choices(user, Action.VIEW)
        # The filter shows the period the figures cover, not blank boxes.
        defaults = self.clean_defaults()
        self.fields["month_from"].initial = f"{defaults['start']:%Y-%m}"
        self.fields["month_to"].initial = f"{defaults['end']:%Y-%m}"

    def clean_defaults(self) -> dict:
        """The period shown before the user filters: the last six months."""
        end = month_start(timezone.localdate())
        return {"jurisdiction": None, "start": add_months(end, -5), "end": month_end(end)}

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        if not data.get("month_to"):
            data["month_to"] = month_start(today)
        if not data.get("month_from"):
            data["month_from"] = add_months(data["month_to"], -5)
        return self.clean_period(data)


CORRECTION_ROWS = 3  # blank rows offered with a new inspection; more are added on its page


class InspectionForm(forms.Form):
    """A township's inspection of one of its villages, with up to three corrections asked for."""

    village = forms.ModelChoiceField(label=_("被检查村/社区"), queryset=Jurisdiction.objects.none(),
                                     error_messages={"required": _("请选择被检查的村/社区。"),
                                                     "invalid_choice": _("该村/社区不在本乡镇/街道。")})
    inspected_on = forms.DateField(label=_("检查日期"), widget=forms.DateInput(attrs={"type": "date"}),
                                   error_messages={"required": _("请填写检查日期。"),
                                                   "invalid": _("日期格式应为 年-月-日。")})
    inspectors = forms.CharField(label=_("检查人员"), max_length=200, help_text=_("多人用顿号分隔"),
                                 error_messages={"required": _("请填写检查人员。")})
    subjects = forms.CharField(label=_("检查内容"), max_length=200, required=False,
                               help_text=_("如：走访台账、花名册、线索办理、预警处置"))
    findings = forms.CharField(label=_("发现的问题"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = access.villages_for(user, Action.VIEW).order_by("code")
        self.fields["inspected_on"].initial = timezone.localdate()
        for i in range(1, CORRECTION_ROWS + 1):
            self.fields[f"item_{i}"] = forms.CharField(label=_("整改事项%(n)s") % {"n": i}, max_length=300,
                                                       required=False)
            self.fields[f"due_{i}"] = forms.DateField(
                label=_("整改期限%(n)s") % {"n": i}, required=False, widget=forms.DateInput(attrs={"type": "date"}),
                error_messages={"invalid": _("日期格式应为 年-月-日。")})

    def correction_rows(self):
        """(item field, due field) pairs, for the template."""
        return [(self[f"item_{i}"], self[f"due_{i}"]) for i in range(1, CORRECTION_ROWS + 1)]

    def clean(self):
        data = super().clean()
        for i in range(1, CORRECTION_ROWS + 1):
            item, due = (data.get(f"item_{i}") or "").strip(), data.get(f"due_{i}")
            if item and not due and f"due_{i}" not in self.errors:
                self.add_error(f"due_{i}", _("请填写整改期限。"))
            if due and not item:
                self.add_error(f"item_{i}", _("请填写整改事项，或清空期限。"))
        return data

    def corrections(self) -> list[tuple[str, dt.date]]:
        data = self.cleaned_data
        return [(data[f"item_{i}"].strip(), data[f"due_{i}"]) for i in range(1, CORRECTION_ROWS + 1)
                if (data.get(f"item_{i}") or "").strip()]


class CorrectionForm(forms.Form):
    item = forms.CharField(label=_("整改事项"), max_length=300, error_messages={"required": _("请填写整改事项。")})
    due_on = forms.DateField(label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}),
                             error_messages={"required": _("请填写整改期限。"), "invalid": _("日期格式应为 年-月-日。")})


class CorrectionDoneForm(forms.Form):
    done_on = forms.DateField(label=_("完成日期"), widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"required": _("请填写完成日期。"), "invalid": _("日期格式应为 年-月-日。")})
    note = forms.CharField(label=_("整改情况"), max_length=300, error_messages={"required": _("请填写整改情况。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = timezone.localdate()
