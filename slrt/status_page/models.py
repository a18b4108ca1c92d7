"""The status page's own tables: each case's check code, and the failed tries per number."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from slrt.common.time import now_utc
from slrt.common.types import UTCDateTime
from slrt.extensions import db


class StatusCode(db.Model):
    """The random code printed on a case's receipt: with the case number, it opens the
    public status page. Random (not derived from the NIK or the number), so it cannot
    be guessed, and every case has one, with or without a NIK."""

    __tablename__ = "status_codes"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class StatusFailure(db.Model):
    """A wrong number-and-code pair, counted per (well-formed) case number, whether
    or not the case exists, so the limit says nothing about which numbers exist."""

    __tablename__ = "status_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (Index("ix_status_failures_number_at", "number", "at"),)


class StatusLookup(db.Model):
    """One attempt on the public status page, counted per address."""

    __tablename__ = "status_lookups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (Index("ix_status_lookups_address_at", "address", "at"),)
