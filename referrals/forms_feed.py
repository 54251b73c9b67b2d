"""Forms of the department-data-to-lead page (部门数据比对转线索)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from imports.models import FeedKind


class FeedRowFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("转线索情况"), required=False, choices=[
        ("", _("待转线索")), ("done", _("已转线索")), ("all", _("全部"))], widget=forms.Select(attrs={"data-autosubmit": ""}))
    feed_kind = forms.ChoiceField(label=_("部门数据类型"), choices=[("", _("全部"))] + FeedKind.choices, required=False)
    batch = forms.IntegerField(label=_("导入记录编号"), required=False, min_value=1)
