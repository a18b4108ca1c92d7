"""WIB calendar dates and months as SQL expressions (SQLite and PostgreSQL), and
the month arithmetic of the report periods."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Integer, case, cast, func, literal

from slrt.common.time import WIB
from slrt.extensions import db


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def wib_date(col):
    """The WIB calendar date of a UTC instant column, as SQL."""
    if _dialect() == "sqlite":
        return func.date(col, "+7 hours")
    return func.date(func.timezone("Asia/Jakarta", col))


def wib_month(col):
    if _dialect() == "sqlite":
        return func.strftime("%Y-%m", col, "+7 hours")
    return func.to_char(func.timezone("Asia/Jakarta", col), "YYYY-MM")


def days_between(start_col, end_col):
    """Whole WIB calendar days from one instant to another."""
    if _dialect() == "sqlite":
        # One julianday() per value: the Julian day number changes at noon UTC,
        # so +0.5 moves the boundary to midnight UTC and +7/24 to midnight WIB.
        def day(col):
            return cast(func.julianday(col) + (0.5 + 7 / 24), Integer)

        return day(end_col) - day(start_col)
    return wib_date(end_col) - wib_date(start_col)


def closed_by_due_date(closed_col, due_col):
    """True when an instant falls on or before a WIB due date (SQL)."""
    if _dialect() == "sqlite":
        # Stored as 'YYYY-MM-DD HH:MM:SS': the due date's WIB midnight that ends it
        # is 17:00 UTC of the due date, so a string comparison decides.
        return closed_col < due_col.op("||")(literal(" 17:00:00"))
    return wib_date(closed_col) <= due_col


def month_bucket(col, start: date, end: date):
    """'YYYY-MM' (WIB) of an instant in [start, end], as a CASE over the month
    boundaries: a few comparisons per row instead of a date function."""
    months = []
    m = date(start.year, start.month, 1)
    while m <= end:
        months.append(m)
        m = add_months(m, 1)
    whens = [(col < wib_start(add_months(m, 1)), f"{m:%Y-%m}") for m in months[:-1]]
    last = f"{months[-1]:%Y-%m}"
    return case(*whens, else_=last) if whens else literal(last)


def wib_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=WIB)


def month_start(today: date) -> date:
    return today.replace(day=1)


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)



def whole_months(start: date, end: date, today: date) -> bool:
    """Whether the monthly summaries answer for `start`..`end`: the period starts
    on the 1st and ends on a month's last day, or today or later (nothing is
    registered after today). A period ending mid-month in the past does not."""
    return start.day == 1 and (end >= today or (end + timedelta(days=1)).day == 1)


def months_between(start: date, end: date) -> list[str]:
    """'YYYY-MM' of every month from `start`'s to `end`'s, in order."""
    out, m = [], date(start.year, start.month, 1)
    while m <= end:
        out.append(f"{m:%Y-%m}")
        m = add_months(m, 1)
    return out
