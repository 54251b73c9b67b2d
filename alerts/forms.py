from django import forms
from django.utils.translation import gettext_lazy as _

from relief import access
from relief.access import Action
from relief.forms import search_field
from relief.models import Jurisdiction, Role

from .models import AlertKind, AlertStatus


class AlertCloseForm(forms.Form):
    note = forms.CharField(label=_("处理情况"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("关闭预警时请写明处理情况。")})


class AlertFilterForm(forms.Form):
    """Filters of the alert inbox. `village` is a Jurisdiction pk among the user's villages (the ledgers
    dashboard links overdue-visit numbers as ?kind=overdue_visit&village=<pk>); any other value is an
    error at the field and filters nothing."""

    q = search_field(_("姓名、拼音、身份证号或地址"))
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[
        ("unhandled", _("未处理")), *AlertStatus.choices, ("all", _("全部"))])
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部类型")), *AlertKind.choices])
    village = forms.ModelChoiceField(label=_("村/社区"), required=False, queryset=Jurisdiction.objects.none(),
                                     empty_label=_("全部村/社区"), error_messages={
                                         "invalid_choice": _("所选村/社区不存在或不在您的辖区内。")})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = access.villages_for(user, Action.VIEW).select_related("parent").order_by("code")
        self.fields["village"].queryset = villages
        # Staff above a township see villages of several townships: name the township too.
        if user.role in (Role.DISTRICT, Role.ADMIN):
            self.fields["village"].label_from_instance = lambda v: f"{v.parent.name if v.parent else ''} {v.name}"

    def filters(self) -> dict:
        """The valid filters (a bad value in one field does not drop the others)."""
        self.is_valid()
        data = self.cleaned_data
        return {"status": data.get("status") or "unhandled", "kind": data.get("kind") or "",
                "village": data.get("village"), "q": data.get("q") or ""}
