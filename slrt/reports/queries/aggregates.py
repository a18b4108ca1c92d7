"""The grouped scans behind the report figures: cases by month, category,
village, channel and status; referrals per program (status groups, service
time, days to resolve); proposals by status; and the percentiles of a
histogram of days."""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, select

from slrt.cases.models import Case
from slrt.extensions import db
from slrt.referrals.models import Program, Referral
from slrt.reports.queries.dates import (
    closed_by_due_date,
    days_between,
    month_bucket,
    months_between,
    whole_months,
    wib_start,
)
from slrt.reports.queries.scopes import Scope, cases_in, referrals_in

RESOLVED_REFERRAL_STATUSES = ("tersalurkan", "selesai")
# Status groups of the "referrals per program" chart.
REFERRAL_GROUPS = OrderedDict([
    ("terbuka", _l("Terbuka")),
    ("selesai", _l("Selesai/tersalurkan")),
    ("ditolak", _l("Ditolak")),
    ("lainnya", _l("Diteruskan/dibatalkan")),
])


def referral_group(status: str, is_open: bool) -> str:
    if is_open:
        return "terbuka"
    if status in RESOLVED_REFERRAL_STATUSES:
        return "selesai"
    if status == "ditolak":
        return "ditolak"
    return "lainnya"


def percentile(histogram: dict[int, int], q: float) -> float | None:
    """Linear interpolation between ranks over a {value: count} histogram."""
    n = sum(histogram.values())
    if n == 0:
        return None
    pos = q * (n - 1)
    lo, hi = math.floor(pos), math.ceil(pos)

    def at(rank: int) -> int:
        seen = 0
        for value in sorted(histogram):
            seen += histogram[value]
            if rank < seen:
                return value
        raise AssertionError("rank beyond the histogram")

    v_lo, v_hi = at(lo), at(hi)
    return round(v_lo + (v_hi - v_lo) * (pos - lo), 1)


@dataclass
class ProgramRow:
    code: str
    name: str
    service_days: int
    by_group: dict[str, int] = field(default_factory=dict)
    total: int = 0
    closed: int = 0
    resolved: int = 0
    on_time: int = 0
    overdue_open: int = 0
    days: dict[int, int] = field(default_factory=dict)  # histogram of days to resolve

    @property
    def median_days(self) -> float | None:
        return percentile(self.days, 0.5)

    @property
    def p90_days(self) -> float | None:
        return percentile(self.days, 0.9)

    @property
    def on_time_share(self) -> float | None:
        """Share of closed referrals that closed within the service time (0-1)."""
        return self.on_time / self.closed if self.closed else None


def case_aggregate(scope: Scope, start: date, end: date, today: date, *,
                   detail: bool = True) -> list[tuple]:
    """Cases registered from `start` to `end` (WIB dates, inclusive), grouped by
    month, category, village, channel, status and whether referred: ONE scan.

    Without `detail` (the dashboard's charts) only month, category and village:
    the "referred" test is an index probe per case, which at a regency's scale
    costs more than the rest of the scan; channel and status are None."""
    if not detail and scope.programs is None and whole_months(start, end, today):
        return _case_months(scope, start, end)
    if not detail:
        stmt = select(month_bucket(Case.created_at, start, end).label("m"), Case.category_code,
                      Case.village_code)
        stmt = stmt.where(Case.created_at >= wib_start(start),
                          Case.created_at < wib_start(end + timedelta(days=1)))
        return [(m, c, v, None, None, None, n) for m, c, v, n in _grouped(cases_in(scope, stmt))]
    referred = select(Referral.id).where(Referral.case_id == Case.id).exists()
    stmt = select(month_bucket(Case.created_at, start, end).label("m"), Case.category_code,
                  Case.village_code, Case.channel, Case.status, referred.label("referred"))
    stmt = stmt.where(Case.created_at >= wib_start(start),
                      Case.created_at < wib_start(end + timedelta(days=1)))
    return _grouped(cases_in(scope, stmt))


def _case_months(scope: Scope, start: date, end: date) -> list[tuple]:
    """The same rows from the monthly summary the triggers keep (whole months:
    nothing is registered after today)."""
    from slrt.reports.models import CaseMonth as M

    if scope.empty:
        return []
    stmt = select(M.month, M.category_code, M.village_code, func.sum(M.n)).where(
        M.month.in_(months_between(start, end)))
    if scope.villages is not None:
        stmt = stmt.where(M.village_code.in_(scope.villages))
    stmt = stmt.group_by(M.month, M.category_code, M.village_code).having(func.sum(M.n) > 0)
    return [(m, c, v, None, None, None, int(n)) for m, c, v, n in db.session.execute(stmt)]


def _referral_months(scope: Scope, start: date, end: date) -> list[tuple]:
    """Referral rows as program_rows groups them, from the monthly summary."""
    from slrt.reports.models import ReferralMonth as M

    if scope.empty:
        return []
    stmt = select(M.program_code, M.status, M.is_open, M.on_time, M.days, func.sum(M.n)).where(
        M.month.in_(months_between(start, end)))
    if scope.villages is not None:
        stmt = stmt.where(M.village_code.in_(scope.villages))
    if scope.programs is not None:
        stmt = stmt.where(M.program_code.in_(scope.programs))
    stmt = stmt.group_by(M.program_code, M.status, M.is_open, M.on_time, M.days).having(
        func.sum(M.n) > 0)
    return [(code, status, is_open, None if ok == -1 else ok, None if d == -1 else d, 0, int(n))
            for code, status, is_open, ok, d, n in db.session.execute(stmt)]


def _grouped(stmt: Select) -> list[tuple]:
    """GROUP BY every column of `stmt`, counting rows. Grouping on the columns of
    a subquery keeps PostgreSQL from seeing the SELECT and GROUP BY copies of an
    expression with bound parameters as different expressions."""
    inner = stmt.subquery()
    cols = list(inner.c)
    return [tuple(r) for r in db.session.execute(
        select(*cols, func.count()).group_by(*cols)).all()]


def case_resolution_histogram(scope: Scope, start: date, end: date) -> dict[int, int]:
    """Days to resolve of the cases registered in the window that are resolved."""
    stmt = select(days_between(Case.created_at, Case.closed_at).label("d")).where(
        Case.status == "selesai", Case.closed_at.is_not(None),
        Case.created_at >= wib_start(start), Case.created_at < wib_start(end + timedelta(days=1)))
    return {int(k): int(v) for k, v in _grouped(cases_in(scope, stmt))}


def program_rows(scope: Scope, start: date, end: date, today: date, *,
                 summary: bool = False) -> list[ProgramRow]:
    """Referrals created in the window, per program: by status group, service-time
    compliance, days to resolve. ONE grouped scan of the referrals; with
    `summary` (whole months, the dashboard) the monthly summary instead, which
    knows nothing of today, so `overdue_open` stays 0."""
    on_time = case((Referral.closed_at.is_(None), None),
                   else_=case((closed_by_due_date(Referral.closed_at, Referral.due_date), 1),
                              else_=0))
    late_open = case((and_(Referral.is_open.is_(True), Referral.due_date < today), 1), else_=0)
    days = case((Referral.is_open.is_(False), days_between(Referral.created_at,
                                                           Referral.closed_at)), else_=None)
    stmt = select(Referral.program_code, Referral.status, Referral.is_open, on_time.label("ok"),
                  days.label("d"), late_open.label("late"))
    stmt = stmt.where(Referral.created_at >= wib_start(start),
                      Referral.created_at < wib_start(end + timedelta(days=1)))
    rows: dict[str, ProgramRow] = {}
    programs = {p.code: p for p in db.session.scalars(select(Program))}
    if summary and whole_months(start, end, today):
        grouped = _referral_months(scope, start, end)
    else:
        grouped = _grouped(referrals_in(scope, stmt))
    for code, status, is_open, ok, n_days, late, n in grouped:
        prog = programs.get(code)
        row = rows.setdefault(code, ProgramRow(code, prog.name if prog else code,
                                               prog.service_days if prog else 0))
        group = referral_group(status, bool(is_open))
        row.by_group[group] = row.by_group.get(group, 0) + n
        row.total += n
        if not is_open:
            row.closed += n
            row.on_time += n if ok else 0
            if status in RESOLVED_REFERRAL_STATUSES:
                row.resolved += n
                if n_days is not None:
                    row.days[int(n_days)] = row.days.get(int(n_days), 0) + n
        elif late:
            row.overdue_open += n
    order = {p.code: (p.sort_order, p.code) for p in programs.values()}
    return sorted(rows.values(), key=lambda r: order.get(r.code, (10**6, r.code)))


def proposals_by_status(scope: Scope, start: date, end: date) -> list[tuple[str, str, int]]:
    from slrt.proposals.models import STATUSES, Proposal

    if scope.empty or scope.programs is not None:
        return []
    stmt = select(Proposal.status, func.count()).where(
        Proposal.created_at >= wib_start(start),
        Proposal.created_at < wib_start(end + timedelta(days=1)))
    if scope.villages is not None:
        stmt = stmt.where(Proposal.village_code.in_(scope.villages))
    counts = dict(db.session.execute(stmt.group_by(Proposal.status)).all())
    return [(code, label, counts.get(code, 0)) for code, label in STATUSES.items()]
