"""The regencies of a province side by side: the province supervisor's
comparison. Each regency's row is the regency supervisor's own figures (his
dashboard's four numbers and the case report of the period), computed on a
scope of that regency's villages, so both pages count alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from slrt.common.permissions import regency_of, regency_scope, require
from slrt.regions.codes import region_name
from slrt.regions.queries import regency_name
from slrt.reports.queries.case_report import case_report
from slrt.reports.queries.dashboard import Counts, dashboard_counts
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


def regency_scopes(user) -> dict[str, Scope]:
    """regency -> the scope of its villages, for the regencies the user reaches."""
    base = scope_for(user)
    villages = base.villages or ()
    out = {}
    for code in regency_scope(user):
        mine = tuple(v for v in villages if regency_of(v) == code)
        out[code] = Scope(villages=mine, empty=base.empty or not mine, regencies=(code,))
    return out


def _row(code: str, name: str, scope: Scope, start: date, end: date,
         today: date) -> RegencyRow:
    report = case_report(scope, start, end, today, detail=False)
    return RegencyRow(code, name, dashboard_counts(scope, today), report.total,
                      sum(p.total for p in report.programs), report.compliance)


def compare_regencies(user, start: date, end: date, today: date) -> list[RegencyRow]:
    require(user, "report.regencies")
    return [_row(code, regency_name(code), scope, start, end, today)
            for code, scope in regency_scopes(user).items()]


def province_total(user, start: date, end: date, today: date) -> RegencyRow:
    """The province as one row, counted on all its villages at once: the sums of
    the regencies' rows, and the share of referrals closed on time over all of
    them (not an average of the regencies' shares)."""
    require(user, "report.regencies")
    name = (region_name(user.regency_code) or user.regency_code).title()
    return _row(user.regency_code, name, scope_for(user),
                start, end, today)
