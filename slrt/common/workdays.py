"""Working days of the Indonesian calendar (national holidays from `holidays`)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _national(year: int) -> frozenset[date]:
    return frozenset(holidays.Indonesia(years=year))


def is_working_day(day: date, extra: frozenset[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in _national(day.year) and day not in extra


def add_working_days(start: date, days: int, extra: frozenset[date] = frozenset()) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, extra):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, extra: frozenset[date] = frozenset()) -> int:
    """Working days after `start` up to and including `end` (negative if end < start)."""
    if end < start:
        return -working_days_between(end, start, extra)
    n, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, extra):
            n += 1
    return n
