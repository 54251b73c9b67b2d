"""Visit cadence — 走访频次: when a household's next visit falls due.

Roster households are visited monthly, refused or exited families quarterly (the roster entry's
`cadence`), observation-list entries as set on the entry. The next visit falls due `n` months after
the anchor: the last visit that completed a period (the person was seen), or, before any, the day
the household entered the roster. Months are calendar months clamped to the month's end: a visit on
31 January falls due on 28 February, or 29 February in a leap year.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from households.models import Cadence
from relief.months import add_months, month_end


# A village's thousands of watched households share a few hundred anchor days: the worklist computes each
# (day, cadence) once rather than once per household.
@lru_cache(maxsize=8192)
def due_date(anchor: dt.date, cadence: str) -> dt.date:
    """When the next visit falls due after a completing visit (or roster entry) on `anchor`."""
    return add_months(anchor, Cadence.months_of(cadence))


def overdue_threshold(today: dt.date, cadence: str) -> dt.date:
    """The earliest anchor that is NOT overdue today: anchors before it are overdue.

    A household is overdue when today is past its due date, i.e. due_date(anchor) < today. Because
    add_months only ever moves forward as the anchor does, the overdue anchors are exactly those
    before one date, which lets the overdue scan compare a plain date column (index-friendly and the
    same SQL on PostgreSQL and SQLite) instead of doing month arithmetic in the database.
    """
    months = Cadence.months_of(cadence)
    candidate = add_months(today, -months) - dt.timedelta(days=4)
    while due_date(candidate, cadence) < today:
        candidate += dt.timedelta(days=1)
    return candidate


def period_end(today: dt.date) -> dt.date:
    """The last day of the current calendar month: "due this period" means due on or before it."""
    return month_end(today)
