"""Reminders, the notification inbox, deliveries, unit supervisors, follow-up tasks, visits."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slrt.common.labels import CodeLabel
from slrt.common.time import now_utc
from slrt.common.types import UTCDateTime
from slrt.extensions import db

STAGES = {
    "at_risk": _l("Hampir jatuh tempo"),
    "overdue": _l("Lewat batas waktu"),
    "escalated": _l("Eskalasi"),
}
DELIVERY_STATUSES = {
    "menunggu": _l("Menunggu dikirim"),
    "mengirim": _l("Sedang dikirim"),
    "terkirim": _l("Terkirim"),
    "gagal": _l("Gagal, akan dicoba lagi"),
}


class Reminder(db.Model):
    """One reminder of one stage of one referral for one person.

    The unique key makes generating it idempotent; `status` moves from
    "menunggu" to "terkirim" by a single UPDATE ... WHERE status='menunggu',
    so two sweeps never send it twice. A new due date (after a pause) starts
    the ladder again.
    """

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    stage: Mapped[str] = mapped_column(String(10))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date] = mapped_column(Date)
    immediate: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="menunggu")
    claim: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))

    referral = relationship("Referral")
    recipient = relationship("User")

    __table_args__ = (
        UniqueConstraint("referral_id", "stage", "recipient_id", "due_date",
                         name="uq_reminders_once"),
        Index("ix_reminders_pending", "status", "recipient_id"),
        Index("ix_reminders_claim", "claim"),
    )


class ReminderMark(db.Model):
    """The highest stage already reminded for a referral's current due date, so a sweep
    skips the referrals it has nothing new to say about."""

    __tablename__ = "reminder_marks"

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), primary_key=True)
    due_date: Mapped[date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(10))


class Notification(db.Model):
    """An item of a user's in-app inbox (a digest, an urgent notice, a task)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(12))  # ringkasan, segera, tugas
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)


class DigestRun(db.Model):
    """One daily digest per person per day: the row is claimed before it is built."""

    __tablename__ = "digest_runs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class Delivery(db.Model):
    """A notification sent through one outside channel, with its outcome."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # email, webhook
    target: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default="menunggu")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    claim: Mapped[str] = mapped_column(String(32), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    notification = relationship("Notification")

    __table_args__ = (Index("ix_deliveries_status_next", "status", "next_attempt_at"),)

    status_label = CodeLabel("status", DELIVERY_STATUSES)


class UnitSupervisor(db.Model):
    """Who supervises a Dinas Sosial unit (section): told when a referral is overdue."""

    __tablename__ = "unit_supervisors"

    unit: Mapped[str] = mapped_column(String(160), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)

    user = relationship("User")
