from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slrt.common.time import now_utc
from slrt.common.types import UTCDateTime
from slrt.extensions import db


class AuditEntry(db.Model):
    """Who did what to which object, when, from where, with what outcome.

    Append-only: the database refuses UPDATE and DELETE. Never holds
    passwords, tokens or full NIKs (a NIK appears masked, or as the id of the
    person it belongs to).
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(20), default="")
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(20), default="")
    object_id: Mapped[int | None] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(45), default="")
    outcome: Mapped[str] = mapped_column(String(12), default="ok")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User")

    __table_args__ = (
        Index("ix_audit_log_person", "person_id", "at"),
        Index("ix_audit_log_actor", "actor_id", "at"),
        Index("ix_audit_log_action", "action", "at"),
    )
