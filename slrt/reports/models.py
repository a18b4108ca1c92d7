"""Indexes the reports read (created by migration 0006).

Declared here, on the tables of other features, so that the models and the
migrations keep agreeing (tests/platform/test_app.py) without editing those models.
Each index carries the columns its aggregate groups by, so that the
dashboard's GROUP BY reads the index alone (bench/dashboard.py).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from slrt.cases.models import Case
from slrt.extensions import db
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


# --------------------------------------------------------------------------- summaries
# Monthly counts kept by database triggers (migration 0006) as cases and
# referrals are written, so that the dashboard reads a few hundred rows
# instead of scanning a year of cases (bench/dashboard.py). -1 stands for
# "none" in on_time/days, since key columns cannot be NULL.

class CaseMonth(db.Model):
    """Cases registered per WIB month, village and category."""

    __tablename__ = "report_case_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    village_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class ReferralMonth(db.Model):
    """Referrals created per WIB month, village, program and state: status, open
    flag, closed by the due date (1/0, -1 while open), WIB days from creation to
    closing (-1 while open)."""

    __tablename__ = "report_referral_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    village_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    program_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    is_open: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    on_time: Mapped[int] = mapped_column(Integer, primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
