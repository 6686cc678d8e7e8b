"""The working-day calendar: which days count for SLA clocks, and deadlines counted in working days
or office hours.

A working day is a weekday (``rules.WORKING_WEEKDAYS``) that is neither a public holiday (the
``holidays`` package's Indonesian calendar) nor collective leave (``rules.CUTI_BERSAMA``, data per
year). Deadlines are computed in local time (WIB) and returned as aware datetimes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.utils import timezone

from . import rules

UNITS = ("minutes", "hours", "working_hours", "days", "working_days")


@lru_cache(maxsize=32)
def days_off(year: int) -> dict[date, str]:
    """Public holidays and collective leave of ``year``: date → name."""
    off = {day: str(name) for day, name in holidays.Indonesia(years=year).items()}
    for text, name in rules.CUTI_BERSAMA.get(year, {}).items():
        off[date.fromisoformat(text)] = name
    return off


def is_working_day(day: date) -> bool:
    return day.weekday() in rules.WORKING_WEEKDAYS and day not in days_off(day.year)


def next_working_day(day: date) -> date:
    """The first working day after ``day``."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    """The working day ``count`` working days after ``day`` (``day`` itself need not be one)."""
    if count < 0:
        raise ValueError("count working days forward only")
    for _ in range(count):
        day = next_working_day(day)
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 if end ≤ start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def _office_hours() -> tuple[time, time]:
    return time.fromisoformat(rules.OFFICE_OPENS), time.fromisoformat(rules.OFFICE_CLOSES)


def _add_working_hours(start: datetime, hours: float) -> datetime:
    """Office time: the clock runs only between opening and closing on working days."""
    opens, closes = _office_hours()
    tz = timezone.get_current_timezone()
    remaining = timedelta(hours=hours)
    moment = timezone.localtime(start, tz)
    while True:
        day = moment.date()
        day_open = timezone.make_aware(datetime.combine(day, opens), tz)
        day_close = timezone.make_aware(datetime.combine(day, closes), tz)
        if not is_working_day(day) or moment >= day_close:
            moment = timezone.make_aware(datetime.combine(next_working_day(day), opens), tz)
            continue
        moment = max(moment, day_open)
        if moment + remaining <= day_close:
            return moment + remaining
        remaining -= day_close - moment
        moment = day_close


def deadline(start: datetime, amount: float, unit: str) -> datetime:
    """When a clock of ``amount`` ``unit`` started at ``start`` runs out.

    ``working_days``: the end of the office day ``amount`` working days after the start's local date
    (a request received on Friday with 3 working days is due at closing time on Wednesday);
    ``working_hours``: office time only; ``minutes``, ``hours`` and ``days``: calendar time.
    """
    if unit not in UNITS:
        raise ValueError(f"unknown clock unit {unit!r}; one of {', '.join(UNITS)}")
    if amount < 0:
        raise ValueError("a clock cannot run backwards")
    if unit == "minutes":
        return start + timedelta(minutes=amount)
    if unit == "hours":
        return start + timedelta(hours=amount)
    if unit == "days":
        return start + timedelta(days=amount)
    if unit == "working_hours":
        return _add_working_hours(start, amount)
    tz = timezone.get_current_timezone()
    due_day = add_working_days(timezone.localtime(start, tz).date(), int(amount))
    return timezone.make_aware(datetime.combine(due_day, _office_hours()[1]), tz)
