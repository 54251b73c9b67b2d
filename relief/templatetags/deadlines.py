"""Deadlines in words: how many days are left, counted in the office's local date (Asia/Shanghai).

    {% load deadlines %}{{ referral.deadline|days_left }}  →  还剩 3 天 · 今天到期 · 已超期 2 天

A date alone makes the reader do the sum; on a phone in a village nobody does it. The count uses
timezone.localdate(), so a deadline is "today" from midnight in Shanghai, not midnight UTC (08:00 there).
"""
import datetime as dt
import re

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import npgettext

register = template.Library()


def days_until(value, today: dt.date | None = None) -> int | None:
    """Days from today to the date (negative once it has passed); None for no date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return (value - (today or timezone.localdate())).days


@register.filter
def nowrap(value) -> str:
    """A formatted date kept on one line: ``{{ d|date:"Y-m-d"|nowrap }}``. Chromium breaks a line after each
    hyphen, so on a phone "2026-12-07" at a line's end was split into "2026-12-" and "07" (relief.css `.date`).
    Empty for no date, so that a `|default:` after it still applies."""
    if value is None or value == "":
        return ""
    return format_html('<span class="date">{}</span>', value)


_DATE_IN_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?")


@register.filter
def keep_dates(value) -> str:
    """Text written in Python with dates in it (an alert's reason: "期限2026-12-05，超时3天"), escaped, each date
    kept on one line as `nowrap` keeps a template's."""
    return mark_safe(_DATE_IN_TEXT.sub(lambda m: f'<span class="date">{m[0]}</span>', escape(str(value or ""))))


@register.filter
def days_left(value) -> str:
    """"还剩 N 天", "今天到期" or "已超期 N 天"; empty for no date."""
    days = days_until(value)
    if days is None:
        return ""
    if days > 0:
        return npgettext("count", "还剩 %(n)s 天", "还剩 %(n)s 天", days) % {"n": days}
    if days == 0:
        return _("今天到期")
    return npgettext("count", "已超期 %(n)s 天", "已超期 %(n)s 天", -days) % {"n": -days}


@register.filter
def deadline_tone(value) -> str:
    """A tag colour for the deadline: red once passed, amber within three days, none otherwise."""
    days = days_until(value)
    if days is None:
        return ""
    return "red" if days < 0 else "amber" if days <= 3 else ""


def _span(seconds: float) -> str:
    """A stretch of time in the unit a reader needs: minutes under an hour, hours under two days, else days."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return npgettext("count", "%(n)s 分钟", "%(n)s 分钟", max(minutes, 1)) % {"n": max(minutes, 1)}
    if minutes < 48 * 60:
        return npgettext("count", "%(n)s 小时", "%(n)s 小时", minutes // 60) % {"n": minutes // 60}
    return npgettext("count", "%(n)s 天", "%(n)s 天", minutes // (24 * 60)) % {"n": minutes // (24 * 60)}


@register.filter
def time_left(value, now=None) -> str:
    """For a deadline with its time of day (a hotline's hours): "还剩 5 小时" or "已超时 2 天"; empty for none.
    At the deadline itself it is still on time."""
    if not value:
        return ""
    seconds = (value - (now or timezone.now())).total_seconds()
    if seconds >= 0:
        return _("还剩 %(t)s") % {"t": _span(seconds)}
    return _("已超时 %(t)s") % {"t": _span(-seconds)}


@register.filter
def time_tone(value, now=None) -> str:
    """Red once the moment has passed, amber within 24 hours, none otherwise."""
    if not value:
        return ""
    seconds = (value - (now or timezone.now())).total_seconds()
    return "red" if seconds < 0 else "amber" if seconds <= 24 * 3600 else ""
