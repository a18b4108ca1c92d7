"""The outreach's own tables: the follow-up tasks of a referral's case and the
facilitator's visits (penjangkauan)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slrt.common.labels import CodeLabel
from slrt.common.time import now_utc
from slrt.common.types import UTCDateTime
from slrt.extensions import db
from slrt.outreach.hints import next_visit_text

VISIT_OUTCOMES = {
    "bertemu": _l("Bertemu warga"),
    "tidak_di_rumah": _l("Tidak di rumah"),
    "pindah": _l("Pindah"),
    "meninggal": _l("Meninggal"),
    "menolak": _l("Menolak"),
}


class FollowUpTask(db.Model):
    """A facilitator's task: visit the family of an escalated referral."""

    __tablename__ = "follow_up_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    village_code: Mapped[str] = mapped_column(String(13), ForeignKey("regions.code"))
    due_date: Mapped[date] = mapped_column(Date)  # the referral's due date it escalates
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="terbuka")
    # The suggested next visit, from the last "not at home" (slrt/outreach/hints.py).
    next_visit_code: Mapped[str] = mapped_column(String(10), default="", server_default="")
    next_visit_params: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    referral = relationship("Referral")
    case = relationship("Case")

    __table_args__ = (
        UniqueConstraint("referral_id", "due_date", name="uq_follow_up_tasks_once"),
        Index("ix_follow_up_tasks_village_status", "village_code", "status"),
    )

    @property
    def suggested_visit(self) -> str:
        """When to try again, in the language of the request ('' when no visit missed)."""
        return next_visit_text(self.next_visit_code, self.next_visit_params)


class OutreachVisit(db.Model):
    """A facilitator's visit to a resident (penjangkauan)."""

    __tablename__ = "outreach_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("follow_up_tasks.id"))
    village_code: Mapped[str] = mapped_column(String(13), ForeignKey("regions.code"))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")
    photo_path: Mapped[str] = mapped_column(String(80), default="")
    photo_mime: Mapped[str] = mapped_column(String(40), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # After "not at home": the suggested next visit (slrt/outreach/hints.py).
    next_visit_code: Mapped[str] = mapped_column(String(10), default="", server_default="")
    next_visit_params: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    case = relationship("Case")
    created_by = relationship("User")

    outcome_label = CodeLabel("outcome", VISIT_OUTCOMES)

    @property
    def next_visit_hint(self) -> str:
        """The suggested next visit, in the language of the request ('' for none)."""
        return next_visit_text(self.next_visit_code, self.next_visit_params)
