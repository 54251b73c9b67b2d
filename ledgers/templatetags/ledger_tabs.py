"""The tabs of the ledger and statistics pages: each shown only to users its page lets in."""
from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from relief import access

register = template.Library()

TABS = [
    ("ledgers:index", _("台账下载")),
    ("ledgers:closing", _("月结报送")),
    ("ledgers:dashboard", _("统计图表")),
    ("ledgers:scorecards", _("考核评分")),
    ("ledgers:sampling", _("随机抽查")),
    ("ledgers:inspections", _("监督检查")),
    ("ledgers:assistant_gaps", _("协理员保障")),
    ("ledgers:assessment", _("年度考核")),
    ("ledgers:self_assessments", _("自查评估")),
    ("ledgers:rosters", _("花名册备案")),
]


@register.simple_tag(takes_context=True)
def ledger_tabs(context) -> list[dict]:
    user = context["request"].user
    return [{"url": reverse(name), "label": label} for name, label in TABS if access.may_open(user, name)]
