from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from slrt.extensions import db

VILLAGE_LEVELS = ("desa", "kelurahan")


class Region(db.Model):
    """A Kemendagri region: provinsi, kabupaten/kota, kecamatan, desa/kelurahan.

    Keyed on the dotted code; names are not unique (Pelayangan is a desa in two
    districts of Batanghari).
    """

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(12))
    parent_code: Mapped[str | None] = mapped_column(
        String(13), ForeignKey("regions.code"), index=True
    )

    __table_args__ = (Index("ix_regions_level_code", "level", "code"),)

    @property
    def is_village(self) -> bool:
        return self.level in VILLAGE_LEVELS

    @property
    def label(self) -> str:
        """'Desa Aro', 'Kelurahan Teratai', 'Kecamatan Muara Bulian'."""
        if self.level in ("desa", "kelurahan", "kecamatan", "provinsi"):
            return f"{self.level.capitalize()} {self.name}"
        return self.name

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"
