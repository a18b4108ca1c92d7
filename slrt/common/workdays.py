"""Working days of the Indonesian calendar.

Days off come from the `holidays` package: the national public holidays and
the government's joint leave days (cuti bersama, its GOVERNMENT category), so
a new year's cuti bersama needs nobody to type it. The admin adjusts the
calendar only where the office differs: days off added (a regency's own
leave) and listed days removed (a joint leave day the office works anyway).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache

import holidays
from holidays.constants import GOVERNMENT, PUBLIC

from slrt.common.models import get_setting, regency_key, set_setting

CUTI_BERSAMA_KEY = "cuti_bersama"  # days off the admin added
WORKED_HOLIDAYS_KEY = "cuti_bersama_masuk"  # listed holidays the office works


class DaysOff(frozenset):
    """The admin's adjustments to the calendar: the set holds the days off
    added; `.removed` the listed holidays that are working days here."""

    removed: frozenset[date] = frozenset()

    def __new__(cls, added=(), removed=()):
        obj = super().__new__(cls, added)
        obj.removed = frozenset(removed)
        return obj

    def __hash__(self):
        return hash((frozenset(self), self.removed))

    def __eq__(self, other):
        if isinstance(other, DaysOff):
            return frozenset(self) == frozenset(other) and self.removed == other.removed
        return frozenset.__eq__(self, other)


@lru_cache(maxsize=64)
def national_days_off(year: int) -> dict[date, str]:
    """The public holidays and cuti bersama of a year, with their names in Indonesian."""
    calendar = holidays.Indonesia(years=year, categories=(PUBLIC, GOVERNMENT), language="id")
    return dict(sorted(calendar.items()))


@lru_cache(maxsize=64)
def _national(year: int) -> frozenset[date]:
    return frozenset(national_days_off(year))


def is_working_day(day: date, extra: frozenset[date] = frozenset()) -> bool:
    if day.weekday() >= 5:
        return False
    if day in getattr(extra, "removed", ()):
        return True
    return day not in _national(day.year) and day not in extra


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
    """Working days after `start` up to and including `end` (negative if end < start).

    Counted, not walked: the weekdays of the span by arithmetic, less the
    weekday holidays inside it (a bisect in the sorted days off of those
    years). The handler's queue asks this for every row it shows; walking
    day by day was half the page's time for referrals overdue for months.
    """
    if end < start:
        return -working_days_between(end, start, extra)
    total = (end - start).days
    weeks, rest = divmod(total, 7)
    first = start.weekday()
    n = weeks * 5 + sum(1 for i in range(1, rest + 1) if (first + i) % 7 < 5)
    off = _weekday_days_off(start.year, end.year, frozenset(extra),
                            frozenset(getattr(extra, "removed", ())))
    return n - (bisect_right(off, end) - bisect_right(off, start))


@lru_cache(maxsize=256)
def _weekday_days_off(first_year: int, last_year: int, added: frozenset[date],
                      worked: frozenset[date]) -> tuple:
    """The sorted days off from Monday to Friday of those years: national ones and
    the admin's additions, without the listed days the office works."""
    days = set(added)
    for year in range(first_year, last_year + 1):
        days |= _national(year)
    return tuple(sorted(d for d in days - worked if d.weekday() < 5))


def _dates(raw: str) -> set[date]:
    days = set()
    for part in raw.replace("\n", ",").split(","):
        part = part.strip()
        if part:
            try:
                days.add(date.fromisoformat(part))
            except ValueError:
                continue
    return days


def cuti_bersama(regency: str | None = None) -> DaysOff:
    """A regency's adjustments to the national calendar (which already holds
    the government's cuti bersama): days off added, listed days worked. Each
    regency keeps its own (its admin's settings); without one, the
    installation's default regency (SLRT_KABUPATEN: a script's, a benchmark's)."""
    if regency is None:
        from flask import current_app

        regency = current_app.config["SLRT_KABUPATEN"]
    return DaysOff(_dates(get_setting(regency_key(regency, CUTI_BERSAMA_KEY), "") or ""),
                   _dates(get_setting(regency_key(regency, WORKED_HOLIDAYS_KEY), "") or ""))


def set_cuti_bersama(regency: str, days, worked=None) -> None:
    set_setting(regency_key(regency, CUTI_BERSAMA_KEY),
                ",".join(d.isoformat() for d in sorted(set(days))))
    if worked is not None:
        set_setting(regency_key(regency, WORKED_HOLIDAYS_KEY),
                    ",".join(d.isoformat() for d in sorted(set(worked))))
