"""The one query layer of the reports: every figure on a dashboard, a report
page, a CSV or an XLSX file is computed by the modules of this package, so
they never disagree:

* scopes: what a user's figures cover;
* dates: WIB dates and months as SQL, month arithmetic;
* aggregates: the grouped scans (cases, referrals per program, proposals) and
  the percentiles of days to resolve;
* case_report: the case report and its tables (page, CSV, XLSX);
* lists: the drill-down lists behind the dashboard numbers and their exports;
* dashboard: a role's four numbers and twelve months of charts;
* registry_recap: the registry recap per village (seed Table 1.4).

Conventions (also in docs/reports.md):

* Scope: a supervisor sees the regency, an operator or facilitator their
  villages, a handler the referrals of his programs (and the cases referred
  to them). An empty scope sees nothing.
* Dates are WIB calendar dates; instants are stored in UTC.
* "Due soon": an open referral due today or within 2 working days (as the
  handler queue's ``due=segera``); "overdue": due before today.
* A referral is *resolved* when it closed as delivered (``tersalurkan``) or
  done (``selesai``); a case when its status is ``selesai``.
* Days to resolve: WIB calendar days from registration to closing. Median and
  90th percentile interpolate linearly between ranks (as PostgreSQL's
  ``percentile_cont``), computed from a per-day histogram that SQL returns.
* Within service time: a referral closed on or before its due date (the due
  date counts the program's service time in working days).
"""
