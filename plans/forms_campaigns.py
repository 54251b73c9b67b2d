"""The form that starts a focused screening campaign (集中排查): shape only; plans.services checks the rules."""
from django import forms
from django.utils.translation import gettext_lazy as _

from households.models import FocusReason
from imports.models import FeedKind

from .models_campaigns import CampaignTargetKind


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("排查名称"), max_length=100, error_messages={"required": _("请填写排查名称。")},
                           help_text=_("如“7月暴雨灾后集中排查”"))
    purpose = forms.CharField(label=_("排查要求"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("排查什么、重点了解哪些情况（协理员在走访任务中看到）"))
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                error_messages={"required": _("请填写开始日期。"), "invalid": _("请按 2026-07-01 的格式填写日期。")})
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              error_messages={"required": _("请填写结束日期。"), "invalid": _("请按 2026-07-31 的格式填写日期。")})
    target_kind = forms.ChoiceField(label=_("排查对象"), choices=CampaignTargetKind.choices,
                                    widget=forms.RadioSelect, error_messages={"required": _("请选择排查对象。")})
    focus_reason = forms.ChoiceField(label=_("关注原因"), required=False,
                                     choices=[("", _("（按关注原因排查时选择）"))] + FocusReason.choices)
    feed_kind = forms.ChoiceField(label=_("部门数据类型"), required=False,
                                  choices=[("", _("（按部门数据排查时选择）"))] + FeedKind.choices)
    event_since = forms.DateField(label=_("受灾/比对命中起始日期"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                  help_text=_("按受灾或部门数据排查时填写：此日起登记的受灾、比对命中的家庭"),
                                  error_messages={"invalid": _("请按 2026-07-01 的格式填写日期。")})
    event_keyword = forms.CharField(label=_("灾害名称（关键词）"), max_length=50, required=False,
                                    help_text=_("按受灾排查时可填，如“暴雨”；留空为全部受灾登记"))
    villages = forms.ModelMultipleChoiceField(label=_("排查村/社区"), queryset=None, required=False,
                                              widget=forms.CheckboxSelectMultiple,
                                              help_text=_("不选为全乡镇（街道）"),
                                              error_messages={"invalid_choice": _("请选择本乡镇（街道）的村/社区。")})

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].queryset = villages
