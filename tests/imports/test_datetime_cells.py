"""Date-time cells (a hotline's 受理时间 and deadlines): what Chinese spreadsheets hold, read in Shanghai time."""
import datetime as dt

import pytest
from django.utils import timezone

from imports.columns import CellError, parse_datetime


def local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize("value, expected", [
    ("2026-12-01 09:30", "2026-12-01 09:30:00"),
    ("2026/12/1 9:30:05", "2026-12-01 09:30:05"),
    ("2026年12月1日 14:30", "2026-12-01 14:30:00"),
    ("2026年12月1日14:30", "2026-12-01 14:30:00"),
    ("２０２６-１２-０１ ０８：００", "2026-12-01 08:00:00"),
    ("2026-12-01T08:00", "2026-12-01 08:00:00"),
    (dt.datetime(2026, 12, 1, 8, 15), "2026-12-01 08:15:00"),
    (46357.75, "2026-12-01 18:00:00"),  # an Excel date-time serial
    ("2026-12-01", "2026-12-01 00:00:00"),
])
def test_a_date_time_is_read_in_local_time(value, expected):
    assert local(parse_datetime(value)) == expected


def test_a_deadline_given_as_a_bare_date_runs_to_the_end_of_that_day():
    assert local(parse_datetime("2026-12-05", end_of_day=True)) == "2026-12-05 23:59:59"
    assert local(parse_datetime("2026-12-05 12:00", end_of_day=True)) == "2026-12-05 12:00:00"


@pytest.mark.parametrize("value, message", [
    ("明天上午", "无法识别时间"), ("2026-12-01 25:00", "不是存在的时间"), ("2026-02-30 08:00", "不是存在的日期"),
])
def test_what_is_not_a_time_is_refused_in_words(value, message):
    with pytest.raises(CellError, match=message):
        parse_datetime(value)
