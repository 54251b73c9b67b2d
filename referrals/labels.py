"""How a lead or a referral is named on its own — a page title, a link, a tag, an alert's source: 线索12 · Lead 12,
转办7 · Referral 7. One message each, so that every page names a record alike (templates through
`{% load referral_labels %}{{ lead.pk|lead_label }}`); a sentence about a record keeps its own message."""
from django.utils.translation import gettext


def lead_label(pk) -> str:
    return gettext("线索%(n)s") % {"n": pk}


def referral_label(pk) -> str:
    return gettext("转办%(n)s") % {"n": pk}
