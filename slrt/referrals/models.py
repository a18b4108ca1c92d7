from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slrt.cases.models import URGENCIES
from slrt.common.labels import CodeLabel
from slrt.common.time import now_utc
from slrt.common.types import UTCDateTime
from slrt.extensions import db
from slrt.referrals.workflow import ASKS_DESK_STATUSES, STATUSES

REGISTRY_REQUIREMENTS = {
    "wajib": _l("Wajib terdaftar di DTKS/DTSEN"),
    "prioritas": _l("Anggota DTKS/DTSEN diprioritaskan"),
    "tidak_perlu": _l("Tidak memerlukan DTKS/DTSEN"),
}


class Program(db.Model):
    """A program or service of the Dinas Sosial that a case can be referred to.

    The catalog is data: seeded by `flask catalog load`, edited by an admin.
    """

    __tablename__ = "programs"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    unit: Mapped[str] = mapped_column(String(160), default="")
    registry_requirement: Mapped[str] = mapped_column(String(12), default="tidak_perlu")
    service_days: Mapped[int] = mapped_column(Integer, default=5)
    description: Mapped[str] = mapped_column(Text, default="")
    eligibility_hint: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[list] = mapped_column(JSON, default=list)
    exclusive_with: Mapped[list] = mapped_column(JSON, default=list)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_decile: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # The regency whose Dinas Sosial runs the program: its desks route to it,
    # its handlers hold it, its admin edits it. The code stays unique in the
    # installation (referrals, accounts and exports carry it).
    regency_code: Mapped[str] = mapped_column(String(13), index=True)

    @property
    def seeded_code(self) -> str:
        """The code of the seeded catalog this program is ("PKH" for PKH_1505, the
        PKH of Muaro Jambi; slrt/referrals/catalog.py code_in): the rules that
        name a program (aid handovers, routing hints) read it."""
        return self.code.removesuffix("_" + (self.regency_code or "").replace(".", ""))

    @property
    def requirement_label(self) -> str:
        return str(REGISTRY_REQUIREMENTS.get(self.registry_requirement,
                                             self.registry_requirement))

    def __repr__(self) -> str:
        return f"<Program {self.code}>"


class Referral(db.Model):
    """A case sent to one program; its life cycle is in referrals/workflow.py."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    program_code: Mapped[str] = mapped_column(String(20), ForeignKey("programs.code"))
    village_code: Mapped[str] = mapped_column(String(13), ForeignKey("regions.code"))
    status: Mapped[str] = mapped_column(String(12), default="dikirim")
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    urgency: Mapped[str] = mapped_column(String(10), default="biasa")
    reason: Mapped[str] = mapped_column(Text, default="")
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date] = mapped_column(Date)
    last_question: Mapped[str] = mapped_column(Text, default="")
    last_answer: Mapped[str] = mapped_column(Text, default="")
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    forwarded_from_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while the clock is paused (waiting for the resident's documents...);
    # slrt/notifications/services.py pauses and resumes, shifting the due date.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    case = relationship("Case", back_populates="referrals")
    program: Mapped[Program] = relationship()
    village = relationship("Region")
    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    forwarded_from = relationship("Referral", remote_side=[id])
    handover = relationship("AidHandover", back_populates="referral", uselist=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # Handler queues: one program, open ones, by due date; the trailing columns
        # let the tab counts and filters read the index alone (bench/queue_page.py).
        Index("ix_referrals_queue", "program_code", "is_open", "due_date", "id",
              "assigned_to_id", "village_code", "status", "urgency"),
        Index("ix_referrals_assignee", "assigned_to_id", "is_open", "due_date", "id"),
        Index("ix_referrals_village_status", "village_code", "status"),
    )

    urgency_label = CodeLabel("urgency", URGENCIES)
    status_label = CodeLabel("status", STATUSES)

    @property
    def asks_desk(self) -> bool:
        """The handler asked the village desk a question that waits for its answer."""
        return self.status in ASKS_DESK_STATUSES


class AidHandover(db.Model):
    """What a disaster-aid referral handed over to the household (berita acara)."""

    __tablename__ = "aid_handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), unique=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    composition: Mapped[dict] = mapped_column(JSON, default=dict)
    recipient_name: Mapped[str] = mapped_column(String(120))
    handed_over_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    handed_over_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[str] = mapped_column(Text, default="")

    referral: Mapped[Referral] = relationship(back_populates="handover")
    handed_over_by = relationship("User")
    lines: Mapped[list[AidHandoverLine]] = relationship(
        back_populates="handover", cascade="all, delete-orphan", order_by="AidHandoverLine.id")


class AidHandoverLine(db.Model):
    __tablename__ = "aid_handover_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("aid_handovers.id", ondelete="CASCADE"),
                                             index=True)
    item_code: Mapped[str] = mapped_column(String(40))
    item_name: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(20))
    proposed: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[int] = mapped_column(Integer, default=0)

    handover: Mapped[AidHandover] = relationship(back_populates="lines")

    __table_args__ = (UniqueConstraint("handover_id", "item_code"),)

    @property
    def label(self) -> str:
        """The good's name as shown today (the stored name is kept as written)."""
        from slrt.referrals.aid import item_name

        return item_name(self.item_code, self.item_name)


class ReferralPause(db.Model):
    """One pause of a referral's clock, with its reason; closed when resumed."""

    __tablename__ = "referral_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Working days the clock stood still, added to the due date at resume.
    working_days: Mapped[int] = mapped_column(Integer, default=0)

    started_by = relationship("User", foreign_keys=[started_by_id])
    ended_by = relationship("User", foreign_keys=[ended_by_id])
