"""Dates written into sentences, in the language of the request (relief/formats/<language>/formats.py).

Templates write `{{ day|date:"DATE_FORMAT" }}`; Python code that puts a date into a message uses these, never
an f-string with 年/月/日, so that an English page reads "5 Mar 2026" where a Chinese one reads 2026年3月5日.
"""
import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext as _


def long_date(day: dt.date) -> str:
    """2026年3月5日 · 5 Mar 2026"""
    return date_format(day, "DATE_FORMAT")


def month_day(day: dt.date) -> str:
    """3月5日 · 5 March"""
    return date_format(day, "MONTH_DAY_FORMAT")


def year_month(day: dt.date) -> str:
    """2026年3月 · March 2026"""
    return date_format(day, "YEAR_MONTH_FORMAT")


def quarter_label(year: int, quarter: int) -> str:
    """2026年第1季度 · Q1 2026"""
    return _("%(y)s年第%(q)s季度") % {"y": year, "q": quarter}
