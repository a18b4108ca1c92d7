"""Load the Kemendagri region codes into the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update

from slrt.extensions import db
from slrt.platform import reference
from slrt.regions.codes import RegionRow, iter_rows
from slrt.regions.models import Region


@dataclass
class LoadResult:
    inserted: int
    updated: int
    unchanged: int


def rows_for(kabupaten: str) -> list[RegionRow]:
    """Provinces, regencies and districts nationwide, villages of one regency
    (or of every regency of a province, given the province's code)."""
    prefix = kabupaten + "."
    return [r for r in iter_rows() if r.code.count(".") < 3 or r.code.startswith(prefix)]


def load_regions(kabupaten: str = "15.04") -> LoadResult:
    """Insert new codes and rename changed ones; idempotent. Flushes, never commits."""
    rows = rows_for(kabupaten)
    if kabupaten.count(".") != 1 or not any(r.code == kabupaten for r in rows):
        raise ValueError(f"Kode kabupaten/kota {kabupaten} tidak ada dalam data Kemendagri.")
    return _load(rows)


def load_province(province: str) -> LoadResult:
    """The villages of every regency and city of a province ("15": Jambi's
    eleven), with the codes nationwide above the villages; idempotent."""
    province = province.strip()
    rows = rows_for(province)
    if "." in province or not any(r.code == province and r.level == "provinsi" for r in rows):
        raise ValueError(f"Kode provinsi {province} tidak ada dalam data Kemendagri.")
    return _load(rows)


def _load(rows: list[RegionRow]) -> LoadResult:
    existing = dict(db.session.execute(select(Region.code, Region.name)).all())
    new, changed = [], []
    for r in rows:
        if r.code not in existing:
            new.append({"code": r.code, "name": r.name, "level": r.level,
                        "parent_code": r.parent_code})
        elif existing[r.code] != r.name:
            changed.append(r)
    # Parents before children: codes sort that way (15 < 15.04 < 15.04.03).
    new.sort(key=lambda d: (d["code"].count("."), d["code"]))
    for start in range(0, len(new), 2000):
        db.session.execute(insert(Region), new[start:start + 2000])
    for r in changed:
        db.session.execute(update(Region).where(Region.code == r.code).values(name=r.name))
    db.session.flush()
    reference.forget()
    return LoadResult(len(new), len(changed), len(rows) - len(new) - len(changed))
