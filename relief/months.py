"""Calendar months — the one place month arithmetic lives.

Visits fall due "n months after" a day, ledgers cover calendar months, reviews come round every quarter. All
use the same rule: the same day n months later, clamped to the end of the target month (31 January + 1 month
is 28 February, or 29 in a leap year). Applied to the first of a month it gives the first of a month, which
is what the ledgers step through.
"""
from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clamped to the last day of the target month."""
    year, month = divmod(day.year * 12 + (day.month - 1) + months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of every calendar month from start's month to end's month, both included."""
    months, cursor = [], month_start(start)
    while cursor <= end:
        months.append(cursor)
        cursor = add_months(cursor, 1)
    return months
