"""Where each referral stands against its service time, in one place.

on track -> at risk (2 working days or a quarter of the service time left,
whichever is larger) -> overdue (the due date has passed) -> escalated
(overdue by N more working days, REMINDER_ESCALATE_AFTER_DAYS). Paused and
closed referrals stand still. Urgent (darurat) referrals are at risk from
the day they are sent, so they are reminded the same day.

Working days follow the Indonesian calendar (slrt/common/workdays.py: public
holidays, the government's cuti bersama, and the admin's adjustments kept in
the app settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from slrt.common.permissions import regency_of
from slrt.common.workdays import (
    add_working_days,
    cuti_bersama,
    is_working_day,
    working_days_between,
)

URGENT = frozenset({"darurat"})
DEFAULT_ESCALATE_AFTER = 3

STATES = {
    "on_track": _l("Sesuai jadwal"),
    "at_risk": _l("Hampir jatuh tempo"),
    "overdue": _l("Lewat batas waktu"),
    "escalated": _l("Lewat batas, dieskalasi"),
    "paused": _l("Dijeda"),
    "closed": _l("Selesai"),
}
LEVELS = {"on_track": 0, "at_risk": 1, "overdue": 2, "escalated": 3}


def escalate_after() -> int:
    if has_app_context():
        return int(current_app.config.get("REMINDER_ESCALATE_AFTER_DAYS", DEFAULT_ESCALATE_AFTER))
    return DEFAULT_ESCALATE_AFTER


def risk_threshold(service_days: int) -> float:
    """At risk when this many working days (or fewer) are left."""
    return max(2.0, service_days / 4)


def working_days_back(day: date, n: int, extra: frozenset[date] = frozenset()) -> date:
    """The latest date D with working_days_between(D, day) >= n."""
    d, count = day, 0
    while count < n:
        if is_working_day(d, extra):
            count += 1
        d -= timedelta(days=1)
    return d


@dataclass(frozen=True)
class Clock:
    state: str
    days_left: int | None = None  # working days until the due date (0 on the day)
    days_over: int | None = None  # working days past the due date

    @property
    def label(self) -> str:
        return str(STATES[self.state])

    @property
    def level(self) -> int:
        return LEVELS.get(self.state, 0)

    @property
    def detail(self) -> str:
        if self.days_over is not None:
            return f"{self.label} ({self.days_over} hari kerja)" if self.days_over else self.label
        if self.days_left is not None:
            return f"{self.label} (sisa {self.days_left} hari kerja)"
        return self.label


def clock(*, is_open: bool, paused: bool, due_date: date, service_days: int, today: date,
          urgency: str = "biasa", extra: frozenset[date] | None = None,
          escalate_days: int | None = None) -> Clock:
    if not is_open:
        return Clock("closed")
    if paused:
        return Clock("paused")
    extra = frozenset() if extra is None else extra
    n = escalate_after() if escalate_days is None else escalate_days
    if today > due_date:
        over = working_days_between(due_date, today, extra)
        return Clock("escalated" if over >= n else "overdue", days_over=over)
    left = working_days_between(today, due_date, extra)
    if left <= risk_threshold(service_days) or urgency in URGENT:
        return Clock("at_risk", days_left=left)
    return Clock("on_track", days_left=left)


def referral_clock(referral, today: date, extra: frozenset[date] | None = None) -> Clock:
    """The referral's clock; `extra` is its regency's calendar (read when not given)."""
    if extra is None:
        extra = cuti_bersama(regency_of(referral.village_code))
    return clock(is_open=referral.is_open, paused=referral.paused_at is not None,
                 due_date=referral.due_date, service_days=referral.program.service_days,
                 today=today, urgency=referral.urgency, extra=extra)


@dataclass(frozen=True)
class Cutoffs:
    """Date bounds that turn the states into plain comparisons on due_date (for SQL)."""

    today: date
    escalate_on_or_before: date  # due_date <= this: escalated

    def at_risk_until(self, service_days: int, extra: frozenset[date]) -> date:
        """due_date <= this (and >= today): at risk."""
        k = int(risk_threshold(service_days))
        return add_working_days(self.today, k + 1, extra) - timedelta(days=1)


def cutoffs(today: date, extra: frozenset[date], escalate_days: int | None = None) -> Cutoffs:
    n = escalate_after() if escalate_days is None else escalate_days
    return Cutoffs(today=today, escalate_on_or_before=working_days_back(today, n, extra))


def state_from_cutoffs(due_date: date, urgency: str, at_risk_until: date, c: Cutoffs) -> str:
    if due_date <= c.escalate_on_or_before:
        return "escalated"
    if due_date < c.today:
        return "overdue"
    if due_date <= at_risk_until or urgency in URGENT:
        return "at_risk"
    return "on_track"
