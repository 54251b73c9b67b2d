"""{{ lead.pk|lead_label }} → 线索12 · Lead 12; {{ referral.pk|referral_label }} → 转办7 · Referral 7 (referrals/labels.py)."""
from django import template

from referrals import labels

register = template.Library()
register.filter("lead_label", labels.lead_label)
register.filter("referral_label", labels.referral_label)
