"""Cadence and due dates: calendar months clamped to month ends, leap years, the overdue threshold."""
import datetime as dt

import pytest

from relief.months import add_months
from visits.cadence import due_date, overdue_threshold, period_end

D = dt.date


@pytest.mark.parametrize("day,months,expected", [
    (D(2024, 1, 31), 1, D(2024, 2, 29)),   # leap year
    (D(2023, 1, 31), 1, D(2023, 2, 28)),   # common year
    (D(2100, 1, 31), 1, D(2100, 2, 28)),   # century, not a leap year
    (D(2000, 1, 31), 1, D(2000, 2, 29)),   # 400-year leap year
    (D(2024, 3, 31), 1, D(2024, 4, 30)),
    (D(2024, 12, 15), 1, D(2025, 1, 15)),  # across the year end
    (D(2023, 11, 30), 3, D(2024, 2, 29)),  # quarterly into a leap February
    (D(2024, 8, 31), 6, D(2025, 2, 28)),   # half-yearly
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
    (D(2024, 3, 31), -1, D(2024, 2, 29)),
])
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_due_date_by_cadence():
    assert due_date(D(2024, 1, 31), "monthly") == D(2024, 2, 29)
    assert due_date(D(2024, 1, 31), "quarterly") == D(2024, 4, 30)
    assert due_date(D(2024, 1, 31), "half_yearly") == D(2024, 7, 31)


@pytest.mark.parametrize("cadence", ["monthly", "quarterly", "half_yearly"])
@pytest.mark.parametrize("today", [D(2024, 3, 1), D(2024, 2, 29), D(2023, 3, 1), D(2024, 12, 31), D(2025, 1, 1),
                                   D(2024, 5, 31), D(2024, 7, 15)])
def test_overdue_threshold_agrees_with_due_date_for_every_anchor(cadence, today):
    """An anchor is overdue exactly when it lies before the threshold (the scan's SQL comparison)."""
    threshold = overdue_threshold(today, cadence)
    for offset in range(0, 400):
        anchor = today - dt.timedelta(days=offset)
        assert (due_date(anchor, cadence) < today) == (anchor < threshold), (anchor, today, cadence)


def test_visit_on_31_january_is_overdue_on_1_march_but_not_on_29_february():
    assert overdue_threshold(D(2024, 2, 29), "monthly") <= D(2024, 1, 31)
    assert D(2024, 1, 31) < overdue_threshold(D(2024, 3, 1), "monthly")


def test_period_end():
    assert period_end(D(2024, 2, 10)) == D(2024, 2, 29)
    assert period_end(D(2023, 2, 10)) == D(2023, 2, 28)
    assert period_end(D(2024, 12, 1)) == D(2024, 12, 31)
