"""One clock: instants are stored in UTC and shown in WIB (Asia/Jakarta).

Dates, times and numbers are written through Babel's `id` locale data (the
CLDR month names and separators), not hand-written tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal as _babel_decimal

WIB = ZoneInfo("Asia/Jakarta")
LOCALE = "id"


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_wib(now: datetime | None = None) -> date:
    return (now or now_utc()).astimezone(WIB).date()


def to_wib(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(WIB)


def format_date_id(value: date | datetime | None) -> str:
    """'27 November 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_wib(value).date()
    return _babel_date(value, "d MMMM y", locale=LOCALE)


def format_datetime_id(value: datetime | None) -> str:
    """'27 November 2026 14.05 WIB' (Indonesian uses a dot between hours and minutes)."""
    if value is None:
        return ""
    local = to_wib(value)
    return f"{format_date_id(local.date())} {local:%H.%M} WIB"


STALE_AFTER_MONTHS = 6


def period_age_months(period: str | None, as_of=None) -> int | None:
    """Whole months from a registry period ('2022-07') to as_of (a date or a
    UTC datetime; today in WIB when None)."""
    if not period:
        return None
    if as_of is None:
        as_of = today_wib()
    elif isinstance(as_of, datetime):
        as_of = to_wib(as_of).date()
    year, month = int(period[:4]), int(period[5:7])
    return (as_of.year - year) * 12 + as_of.month - month


def period_is_stale(period: str | None, as_of=None) -> bool:
    """Registry data older than six months when used (the issue's threshold)."""
    age = period_age_months(period, as_of)
    return age is not None and age > STALE_AFTER_MONTHS


def format_period_id(period: str | None) -> str:
    """'2022-07' -> 'Juli 2022'."""
    if not period:
        return ""
    year, month = period.split("-")
    return _babel_date(date(int(year), int(month), 1), "LLLL y", locale=LOCALE)


EMPTY_CELL = "–"


def format_cell_id(value) -> str:
    """A cell of a report table: a number in Indonesian grouping (2,5), a date
    in words, an empty value as "–"."""
    if value is None or value == "":
        return EMPTY_CELL
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return format_number_id(round(value, 1) if isinstance(value, float) else value)
    if isinstance(value, date):
        return format_date_id(value)
    return str(value)


def format_number_id(value) -> str:
    """1234567 -> '1.234.567' (Indonesian digit grouping); None -> '0'."""
    return _babel_decimal(value or 0, locale=LOCALE)
