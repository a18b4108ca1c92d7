"""One clock: instants are stored in UTC and shown in WIB (Asia/Jakarta)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")

BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)


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
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def format_datetime_id(value: datetime | None) -> str:
    """'27 November 2026 14.05 WIB' (Indonesian uses a dot between hours and minutes)."""
    if value is None:
        return ""
    local = to_wib(value)
    return f"{format_date_id(local.date())} {local:%H.%M} WIB"


def format_period_id(period: str | None) -> str:
    """'2022-07' -> 'Juli 2022'."""
    if not period:
        return ""
    year, month = period.split("-")
    return f"{BULAN[int(month) - 1]} {year}"
