"""Calendar months: one rule for visits, reviews and ledgers (relief/months.py, Cadence.months_of)."""
import datetime as dt

from households.models import Cadence
from households.services import next_review_date
from relief.months import add_months, month_end, months_between
from visits.cadence import due_date


def test_first_of_a_month_stays_the_first_so_ledgers_can_step_by_months():
    assert add_months(dt.date(2026, 1, 1), 1) == dt.date(2026, 2, 1)
    assert add_months(dt.date(2026, 1, 1), -13) == dt.date(2024, 12, 1)
    assert months_between(dt.date(2025, 11, 20), dt.date(2026, 2, 3)) == [
        dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    assert month_end(dt.date(2028, 2, 10)) == dt.date(2028, 2, 29)


def test_visits_and_reviews_count_months_the_same_way():
    for cadence in Cadence.values:
        day = dt.date(2026, 1, 31)
        assert next_review_date(day, cadence) == due_date(day, cadence) == add_months(day, Cadence.months_of(cadence))
    # A missing cadence means monthly everywhere (it used to be quarterly for reviews, monthly for visits).
    assert Cadence.months_of("") == 1
    assert next_review_date(dt.date(2026, 1, 31), "") == due_date(dt.date(2026, 1, 31), "") == dt.date(2026, 2, 28)
