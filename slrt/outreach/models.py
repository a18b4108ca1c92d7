"""The outreach's own tables: the follow-up tasks of a referral's case and the
facilitator's visits (penjangkauan)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slrt.common.time import now_utc
from slrt.common.types import UTCDateTime
from slrt.extensions import db

VISIT_OUTCOMES = {
    "bertemu": "Bertemu warga",
    "tidak_di_rumah": "Tidak di rumah",
    "pindah": "Pindah",
    "meninggal": "Meninggal",
    "menolak": "Menolak",
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
    suggested_visit: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    referral = relationship("Referral")
    case = relationship("Case")

    __table_args__ = (
        UniqueConstraint("referral_id", "due_date", name="uq_follow_up_tasks_once"),
        Index("ix_follow_up_tasks_village_status", "village_code", "status"),
    )


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
    next_visit_hint: Mapped[str] = mapped_column(String(200), default="")
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    case = relationship("Case")
    created_by = relationship("User")

    @property
    def outcome_label(self) -> str:
        return VISIT_OUTCOMES.get(self.outcome, self.outcome)
