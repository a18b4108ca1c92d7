"""The regencies of a province side by side: the province supervisor's
comparison. Each regency's row is the regency supervisor's own figures (his
dashboard's four numbers and the case report of the period), counted by the
same rules; the whole page asks a fixed number of statements, each grouped by
regency (the first two parts of the village code), however many regencies the
province has. The province row is the sum of the regencies' rows: every figure
is a count and every village lies in one regency, so the sum is exact, and the
share closed on time is computed from the summed counts, never averaged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, literal_column, select, union_all

from slrt.cases.models import Case
from slrt.common.permissions import regency_scope, require
from slrt.extensions import db
from slrt.referrals.models import Referral
from slrt.regions.codes import region_name
from slrt.regions.queries import regency_name
from slrt.reports.queries.dashboard import Counts
from slrt.reports.queries.dates import closed_by_due_date, months_between, whole_months, wib_start
from slrt.reports.queries.lists import LISTS, dashboard_keys, list_statement
from slrt.reports.queries.scopes import Scope, scope_for


@dataclass
class RegencyRow:
    code: str
    name: str
    counts: Counts
    cases: int  # registered in the period
    referred: int  # their referrals sent in the period
    compliance: dict

    @property
    def on_time(self) -> float | None:
        return self.compliance["persen"]


@dataclass
class _Figures:
    """One regency's counts, the sums a row is made of."""

    counts: dict[str, int]
    cases: int = 0
    referred: int = 0
    closed: int = 0
    on_time: int = 0
    overdue_open: int = 0

    def add(self, other: _Figures) -> None:
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        self.cases += other.cases
        self.referred += other.referred
        self.closed += other.closed
        self.on_time += other.on_time
        self.overdue_open += other.overdue_open

    def row(self, code: str, name: str, keys: list[str]) -> RegencyRow:
        persen = round(100 * self.on_time / self.closed, 1) if self.closed else None
        return RegencyRow(code, name, Counts(keys, {k: self.counts.get(k, 0) for k in keys}),
                          self.cases, self.referred,
                          {"ditutup": self.closed, "tepat_waktu": self.on_time,
                           "terlambat": self.closed - self.on_time,
                           "terbuka_lewat": self.overdue_open, "persen": persen})


def _regency(village_col):
    """The regency of a village code in SQL: "15.04" of "15.04.01.2001" (as
    `regency_of`; Kemendagri codes are two digits a part). The bounds are written
    into the SQL, so PostgreSQL sees the SELECT and GROUP BY copies as one."""
    return func.substr(village_col, literal_column("1"), literal_column("5"))


def _counts(scope: Scope, today: date, keys: list[str]) -> dict[str, dict[str, int]]:
    """The dashboard numbers per regency: the statements of the drill-down lists
    (whose count IS the number), each grouped by regency, in one UNION ALL."""
    parts = []
    for i, key in enumerate(keys):
        col = Case.village_code if LISTS[key][1] == "kasus" else Referral.village_code
        reg = _regency(col)
        parts.append(list_statement(scope, key, today).with_only_columns(
            literal_column(str(i)), reg, func.count()).order_by(None).group_by(reg))
    out: dict[str, dict[str, int]] = {}
    for i, reg, n in db.session.execute(union_all(*parts)):
        out.setdefault(reg, {})[keys[int(i)]] = int(n)
    return out


def _cases(scope: Scope, start: date, end: date, today: date) -> dict[str, int]:
    """Cases registered in the period per regency, read as the dashboard's case
    report reads them (`case_aggregate` without detail): the monthly summary
    for whole months (`whole_months`), else the cases themselves."""
    from slrt.reports.models import CaseMonth as M

    if whole_months(start, end, today):
        reg = _regency(M.village_code)
        stmt = select(reg, func.sum(M.n)).where(
            M.month.in_(months_between(start, end)), M.village_code.in_(scope.villages))
    else:
        reg = _regency(Case.village_code)
        stmt = select(reg, func.count()).where(
            Case.created_at >= wib_start(start),
            Case.created_at < wib_start(end + timedelta(days=1)),
            Case.village_code.in_(scope.villages))
    return {r: int(n or 0) for r, n in db.session.execute(stmt.group_by(reg))}


def _referrals(scope: Scope, start: date, end: date, today: date) -> dict[str, tuple]:
    """Referrals created in the period per regency: (sent, closed, closed on
    time, open past the due date), as `program_rows` counts them (the monthly
    summary for whole months: it knows nothing of today, so no "open past the
    due date")."""
    from slrt.reports.models import ReferralMonth as M

    if whole_months(start, end, today):
        reg = _regency(M.village_code)
        closed = M.is_open.is_(False)
        stmt = select(reg, func.sum(M.n), func.sum(case((closed, M.n), else_=0)),
                      func.sum(case((and_(closed, M.on_time == 1), M.n), else_=0)),
                      literal_column("0")).where(
            M.month.in_(months_between(start, end)), M.village_code.in_(scope.villages))
    else:
        reg = _regency(Referral.village_code)
        closed = Referral.is_open.is_(False)
        on_time = and_(closed, Referral.closed_at.is_not(None),
                       closed_by_due_date(Referral.closed_at, Referral.due_date))
        late = and_(Referral.is_open.is_(True), Referral.due_date < today)
        stmt = select(reg, func.count(), func.sum(case((closed, 1), else_=0)),
                      func.sum(case((on_time, 1), else_=0)),
                      func.sum(case((late, 1), else_=0))).where(
            Referral.created_at >= wib_start(start),
            Referral.created_at < wib_start(end + timedelta(days=1)),
            Referral.village_code.in_(scope.villages))
    return {r: tuple(int(v or 0) for v in rest)
            for r, *rest in db.session.execute(stmt.group_by(reg))}


def _figures(user, start: date, end: date, today: date) -> tuple[list[str], dict[str, _Figures]]:
    """The dashboard keys, and regency -> its figures for every regency the user
    reaches (zeros for one with no village loaded)."""
    scope = scope_for(user)
    keys = dashboard_keys(scope)
    out = {code: _Figures({}) for code in regency_scope(user)}
    if scope.empty or scope.villages is None:
        return keys, out
    for reg, counts in _counts(scope, today, keys).items():
        if reg in out:
            out[reg].counts = counts
    for reg, n in _cases(scope, start, end, today).items():
        if reg in out:
            out[reg].cases = n
    for reg, (sent, closed, on_time, late) in _referrals(scope, start, end, today).items():
        if reg in out:
            f = out[reg]
            f.referred, f.closed, f.on_time, f.overdue_open = sent, closed, on_time, late
    return keys, out


def comparison(user, start: date, end: date,
               today: date) -> tuple[list[RegencyRow], RegencyRow | None]:
    """The comparison page: a row per regency and the province's row (None when
    the province has no regency loaded), from one set of grouped statements."""
    require(user, "report.regencies")
    keys, figures = _figures(user, start, end, today)
    rows = [f.row(code, regency_name(code), keys) for code, f in figures.items()]
    if not rows:
        return rows, None
    total = _Figures({})
    for f in figures.values():
        total.add(f)
    name = (region_name(user.regency_code) or user.regency_code).title()
    return rows, total.row(user.regency_code, name, keys)


def compare_regencies(user, start: date, end: date, today: date) -> list[RegencyRow]:
    return comparison(user, start, end, today)[0]


def province_total(user, start: date, end: date, today: date) -> RegencyRow:
    """The province as one row: the sums of the regencies' rows, and the share
    of referrals closed on time over all of them (not an average of the
    regencies' shares)."""
    total = comparison(user, start, end, today)[1]
    if total is None:  # no regency loaded: a row of zeros
        name = (region_name(user.regency_code) or user.regency_code).title()
        return _Figures({}).row(user.regency_code, name, dashboard_keys(scope_for(user)))
    return total
