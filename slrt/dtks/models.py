from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slrt.common.time import now_utc
from slrt.common.types import UTCDateTime
from slrt.extensions import db
from slrt.regions.models import Region

# Program flags carried by a registry record, in display order.
PROGRAM_FLAGS = {
    "pkh": "PKH",
    "bpnt": "BPNT/Sembako",
    "pbi": "PBI-JK (KIS)",
}


class RegistryRecord(db.Model):
    """One person as the social registry (DTKS, now DTSEN) lists them.

    NIK is the person's key in the registry; No KK is the family card and is
    shared by the household (and changes when the family moves or splits).
    """

    __tablename__ = "registry_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registry_id: Mapped[str] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(String(8), default="DTKS")
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM of the snapshot
    nik: Mapped[str] = mapped_column(String(16), index=True)
    no_kk: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    birth_place: Mapped[str] = mapped_column(String(80), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    relationship_to_head: Mapped[str] = mapped_column("relationship", String(40), default="")
    mother_name: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    dusun: Mapped[str] = mapped_column(String(60), default="")
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    village_code: Mapped[str] = mapped_column(String(13), ForeignKey("regions.code"))
    padan: Mapped[bool | None] = mapped_column(Boolean)  # matched at Dukcapil
    decile: Mapped[int | None] = mapped_column(SmallInteger)
    pkh: Mapped[bool] = mapped_column(Boolean, default=False)
    bpnt: Mapped[bool] = mapped_column(Boolean, default=False)
    pbi: Mapped[bool] = mapped_column(Boolean, default=False)
    other_programs: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    village: Mapped[Region] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_registry_records_village_name", "village_code", "name_key"),
    )

    @property
    def programs(self) -> list[str]:
        names = [label for flag, label in PROGRAM_FLAGS.items() if getattr(self, flag)]
        if self.other_programs:
            names.extend(p.strip() for p in self.other_programs.split(",") if p.strip())
        return names

    def evidence(self) -> dict:
        """What the registry says about this person, kept on a case as evidence."""
        return {
            "registry_id": self.registry_id,
            "source": self.source,
            "period": self.period,
            "nik": self.nik,
            "no_kk": self.no_kk,
            "name": self.name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
            "relationship": self.relationship_to_head,
            "village_code": self.village_code,
            "dusun": self.dusun,
            "rt": self.rt,
            "rw": self.rw,
            "padan": self.padan,
            "decile": self.decile,
            "programs": self.programs,
            "flags": {flag: bool(getattr(self, flag)) for flag in PROGRAM_FLAGS},
            "active": self.is_active,
        }
