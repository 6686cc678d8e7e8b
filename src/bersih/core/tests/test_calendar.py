"""The working-day calendar: weekends, public holidays and collective leave (2026's SKB)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bersih.core import calendar

WIB = ZoneInfo("Asia/Jakarta")


def test_weekends_holidays_and_collective_leave_are_not_working_days():
    assert calendar.is_working_day(date(2026, 11, 27))  # a Friday
    assert not calendar.is_working_day(date(2026, 11, 28))  # Saturday
    assert not calendar.is_working_day(date(2026, 8, 17))  # Independence Day, a Monday
    assert not calendar.is_working_day(date(2026, 3, 23))  # cuti bersama Idul Fitri, a Monday
    assert "Cuti bersama" in calendar.days_off(2026)[date(2026, 12, 24)]


def test_working_days_skip_the_idul_fitri_break():
    # Thursday 19 March 2026 is Nyepi; 20, 23 and 24 March are collective leave; 21-22 are Idul Fitri.
    assert calendar.add_working_days(date(2026, 3, 17), 1) == date(2026, 3, 25)
    assert calendar.working_days_between(date(2026, 3, 17), date(2026, 3, 25)) == 1


def test_a_three_working_day_clock_from_friday_ends_on_wednesday_at_closing_time():
    start = datetime(2026, 11, 27, 10, 0, tzinfo=WIB)
    due = calendar.deadline(start, 3, "working_days")
    assert due == datetime(2026, 12, 2, 16, 0, tzinfo=WIB)


def test_working_hours_run_only_in_office_time():
    start = datetime(2026, 11, 27, 15, 30, tzinfo=WIB)  # Friday, half an hour before closing
    assert calendar.deadline(start, 2, "working_hours") == datetime(2026, 11, 30, 9, 30, tzinfo=WIB)
    evening = datetime(2026, 11, 26, 20, 0, tzinfo=WIB)  # after closing: starts next morning
    assert calendar.deadline(evening, 1, "working_hours") == datetime(2026, 11, 27, 9, 0, tzinfo=WIB)


def test_calendar_units_are_plain_time():
    start = datetime(2026, 11, 28, 23, 0, tzinfo=WIB)
    assert calendar.deadline(start, 15, "minutes") == datetime(2026, 11, 28, 23, 15, tzinfo=WIB)
    assert calendar.deadline(start, 2, "days") == datetime(2026, 11, 30, 23, 0, tzinfo=WIB)


@pytest.mark.parametrize(("amount", "unit"), [(1, "fortnights"), (-1, "working_days")])
def test_unknown_units_and_negative_amounts_are_refused(amount, unit):
    with pytest.raises(ValueError):
        calendar.deadline(datetime(2026, 1, 5, tzinfo=WIB), amount, unit)


@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)), st.integers(0, 30))
def test_adding_working_days_lands_on_a_working_day_that_many_days_later(start, count):
    end = calendar.add_working_days(start, count)
    assert calendar.working_days_between(start, end) == count
    assert count == 0 or calendar.is_working_day(end)
