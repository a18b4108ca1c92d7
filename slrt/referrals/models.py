from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slrt.extensions import db

REGISTRY_REQUIREMENTS = {
    "wajib": "Wajib terdaftar di DTKS/DTSEN",
    "prioritas": "Anggota DTKS/DTSEN diprioritaskan",
    "tidak_perlu": "Tidak memerlukan DTKS/DTSEN",
}


class Program(db.Model):
    """A program or service of the Dinas Sosial that a case can be referred to.

    The catalog is data (seeded by `flask catalog load`); handlers are attached
    to programs. Routing and the referral life cycle build on it.
    """

    __tablename__ = "programs"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    unit: Mapped[str] = mapped_column(String(160), default="")
    registry_requirement: Mapped[str] = mapped_column(String(12), default="tidak_perlu")
    service_days: Mapped[int] = mapped_column(Integer, default=5)
    description: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<Program {self.code}>"
