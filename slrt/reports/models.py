"""Indexes the reports read (created by migration 0006).

Declared here, on the tables of other features, so that the models and the
migrations keep agreeing (tests/test_app.py) without editing those models.
Each index carries the columns its aggregate groups by, so that the
dashboard's GROUP BY reads the index alone (bench/dashboard.py).
"""

from __future__ import annotations

from sqlalchemy import Index

from slrt.cases.models import Case
from slrt.referrals.models import Referral

# Cases registered in a window, grouped by month, category, village, channel.
ix_cases_report = Index("ix_cases_report", Case.created_at, Case.village_code,
                        Case.category_code, Case.channel, Case.status, Case.closed_at)
# "Resolved this month": closed cases by closing time.
ix_cases_closed = Index("ix_cases_closed", Case.status, Case.closed_at, Case.village_code)
# Referrals created in a window, grouped by program and status, with the due date
# and closing time that service-time compliance and time to resolve need.
ix_referrals_report = Index("ix_referrals_report", Referral.created_at, Referral.program_code,
                            Referral.status, Referral.is_open, Referral.village_code,
                            Referral.due_date, Referral.closed_at)
# Open referrals by due date across all programs (the supervisor's "overdue").
ix_referrals_open_due = Index("ix_referrals_open_due", Referral.is_open, Referral.due_date,
                              Referral.village_code, Referral.program_code)
# Referrals closed in a month (a handler's "resolved this month").
ix_referrals_closed = Index("ix_referrals_closed", Referral.is_open, Referral.closed_at,
                            Referral.program_code, Referral.status, Referral.village_code)
