from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import FeedKind, FeedRecord, ImportKind, ImportStatus
from .reader import max_upload_bytes


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入类型"), choices=ImportKind.choices, initial=ImportKind.HOUSEHOLDS)
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"), help_text=_("请使用本页提供的模板"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
    feed_kind = forms.ChoiceField(label=_("部门数据类型"), choices=[("", "—")] + FeedKind.choices, required=False)
    source_department = forms.CharField(label=_("推送部门"), max_length=100, required=False,
                                        help_text=_("不填则按数据类型取默认部门，如 社保所、残联"))
    data_date = forms.DateField(label=_("数据日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}), help_text=_("部门导出这份名单的日期"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(_("文件大小 %(size).1f MB，超过了 %(limit).0f MB 的上限；请分成几个文件导入。") % {
                "size": upload.size / 1024 / 1024, "limit": max_upload_bytes() / 1024 / 1024})
        return upload

    def clean(self):
        data = super().clean()
        if data.get("kind") == ImportKind.FEED:
            if not data.get("feed_kind"):
                self.add_error("feed_kind", _("部门数据比对须选择数据类型。"))
            if not data.get("data_date"):
                self.add_error("data_date", _("部门数据比对须填写数据日期。"))
            elif data["data_date"] > timezone.localdate():
                self.add_error("data_date", _("数据日期不能晚于今天。"))
        return data


class RecordFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入类型"), choices=[("", _("全部"))] + ImportKind.choices, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部"))] + ImportStatus.choices, required=False)


class LeadFilterForm(forms.Form):
    feed_kind = forms.ChoiceField(label=_("部门数据类型"), choices=[("", _("全部"))] + FeedKind.choices, required=False)
    reviewed = forms.ChoiceField(label=_("核实情况"), required=False,
                                 choices=[("", _("未核实")), ("yes", _("已核实")), ("all", _("全部"))])


class LeadReviewForm(forms.ModelForm):
    class Meta:
        model = FeedRecord
        fields = ["review_note"]
        widgets = {"review_note": forms.TextInput(attrs={"placeholder": _("如：已入户核实，符合低保条件，已转办")})}

    def clean_review_note(self):
        note = self.cleaned_data["review_note"].strip()
        if not note:
            raise forms.ValidationError(_("请写明核实情况。"))
        return note
