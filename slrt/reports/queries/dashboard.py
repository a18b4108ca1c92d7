"""A role's dashboard: its four numbers (open, due soon, overdue, resolved this
month) and the last twelve months of its case report, drawn as charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from slrt.common.time import now_utc, today_wib
from slrt.reports.queries.case_report import CaseReport, case_report
from slrt.reports.queries.dates import add_months, month_start
from slrt.reports.queries.lists import LISTS, count_of, dashboard_keys, list_statement
from slrt.reports.queries.scopes import Scope, scope_for


@dataclass
class Counts:
    keys: list[str]
    values: dict[str, int]

    def items(self):
        return [(k, str(LISTS[k][0]), self.values[k]) for k in self.keys]


def dashboard_counts(scope: Scope, today: date) -> Counts:
    keys = dashboard_keys(scope)
    return Counts(keys, {k: count_of(list_statement(scope, k, today)) for k in keys})


@dataclass
class Dashboard:
    scope: Scope
    today: date
    counts: Counts
    report: CaseReport


def dashboard(user, today: date | None = None, months: int = 12) -> Dashboard:
    today = today or today_wib(now_utc())
    scope = scope_for(user)
    start = add_months(month_start(today), -(months - 1))
    return Dashboard(scope, today, dashboard_counts(scope, today),
                     case_report(scope, start, today, today, detail=False))
