from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slrt.common.labels import CodeLabel
from slrt.common.lifecycle import HasLifecycle
from slrt.common.time import now_utc
from slrt.common.types import UTCDateTime
from slrt.extensions import db
from slrt.proposals.workflow import FLAG_FLOW, MINISTRY_MOVES, POSTPONED, PROPOSAL_FLOW
from slrt.proposals.workflow import OPEN_STATUSES as PROPOSAL_OPEN_STATUSES
from slrt.proposals.workflow import STATUSES as PROPOSAL_STATUSES

KINDS = {
    "baru": _l("Pendaftaran baru"),
    "perbaikan": _l("Perbaikan data"),
    "nonaktif": _l("Penonaktifan"),
}
DEACTIVATION_REASONS = {
    "pindah": _l("Pindah domisili"),
    "meninggal": _l("Meninggal dunia"),
    "ganda": _l("Data ganda"),
    "tidak_layak": _l("Tidak layak (mampu)"),
}
CORRECTION_FIELDS = {
    "name": _l("Nama"),
    "nik": _l("NIK"),
    "no_kk": _l("Nomor KK"),
    "address": _l("Alamat"),
    "family": _l("Susunan keluarga"),
}
# The statuses and their moves: slrt/proposals/workflow.py.
STATUSES = PROPOSAL_STATUSES
OPEN_STATUSES = PROPOSAL_OPEN_STATUSES
SOURCES = {"kasus": _l("Dari kasus"), "penjangkauan": _l("Dari penjangkauan"),
           "langsung": _l("Langsung")}
FLAG_KINDS = {"pindah": _l("Dilaporkan pindah"), "meninggal": _l("Dilaporkan meninggal")}


class Musdes(db.Model):
    """A village deliberation (musyawarah desa) that decided on proposals."""

    __tablename__ = "musdes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_code: Mapped[str] = mapped_column(String(13), ForeignKey("regions.code"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(160))
    attendees: Mapped[int] = mapped_column(Integer)
    minutes_number: Mapped[str] = mapped_column(String(80))
    scan_path: Mapped[str] = mapped_column(String(80), default="")
    scan_name: Mapped[str] = mapped_column(String(160), default="")
    scan_mime: Mapped[str] = mapped_column(String(40), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    village = relationship("Region")
    created_by = relationship("User")
    proposals = relationship("Proposal", back_populates="musdes", order_by="Proposal.id")


class Proposal(HasLifecycle, db.Model):
    """A registry proposal (usulan): new registration, correction or deactivation."""

    FLOW = PROPOSAL_FLOW  # status_label, status_badge, is_open

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    reason_code: Mapped[str] = mapped_column(String(20), default="")
    village_code: Mapped[str] = mapped_column(String(13), ForeignKey("regions.code"))
    period: Mapped[str] = mapped_column(String(7))  # the pre-list it belongs to
    status: Mapped[str] = mapped_column(String(20), default="draf")
    source: Mapped[str] = mapped_column(String(15), default="langsung")
    nik: Mapped[str] = mapped_column(String(16), default="")
    no_kk: Mapped[str] = mapped_column(String(16), default="")
    name: Mapped[str] = mapped_column(String(120))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    registry_record_id: Mapped[int | None] = mapped_column(ForeignKey("registry_records.id"))
    musdes_id: Mapped[int | None] = mapped_column(ForeignKey("musdes.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    village = relationship("Region")
    case = relationship("Case")
    person = relationship("Person")
    record = relationship("RegistryRecord")
    musdes = relationship("Musdes", back_populates="proposals")
    created_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_proposals_village_period_status", "village_code", "period", "status"),
        Index("ix_proposals_nik", "nik"),
    )

    kind_label = CodeLabel("kind", KINDS)

    @property
    def awaits_ministry(self) -> bool:
        """Sent to SIKS-NG: the page asks for the ministry's result."""
        return any(PROPOSAL_FLOW.allows(self.status, a) for a in MINISTRY_MOVES)

    @property
    def is_postponed(self) -> bool:
        """Postponed by an earlier Musdes (its form says so)."""
        return self.status in POSTPONED

    reason_label = CodeLabel("reason_code", DEACTIVATION_REASONS)


class RegistryFlag(db.Model):
    """A field report that a listed person moved or died, shown on the registry at once."""

    __tablename__ = "registry_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registry_record_id: Mapped[int] = mapped_column(ForeignKey("registry_records.id"),
                                                    index=True)
    kind: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # A report made in error is withdrawn, never deleted: who, when and why stay.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")

    reported_by = relationship("User", foreign_keys=[reported_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])
    proposal = relationship("Proposal")

    label = CodeLabel("kind", FLAG_KINDS)

    @property
    def status(self) -> str:
        """Standing or withdrawn (FLAG_FLOW), read from withdrawn_at."""
        return "dicabut" if self.withdrawn_at is not None else FLAG_FLOW.initial
