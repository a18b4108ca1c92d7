from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select

from slrt.extensions import db
from slrt.platform.reference import cached
from slrt.regions.models import VILLAGE_LEVELS, Region


class Village(NamedTuple):
    code: str
    name: str


def villages() -> dict[str, str]:
    """Every desa and kelurahan loaded, code -> name, in code order (kept per process)."""
    return cached("villages", lambda: dict(db.session.execute(
        select(Region.code, Region.name).where(Region.level.in_(VILLAGE_LEVELS))
        .order_by(Region.code)).all()))


def villages_in(codes) -> list[Village]:
    """The villages among `codes`, in code order."""
    known = villages()
    return [Village(c, known[c]) for c in sorted(set(codes)) if c in known]


REGENCY_LEVELS = ("kabupaten", "kota")


def regencies() -> dict[str, str]:
    """Every regency and city loaded, code -> name, in code order (kept per process)."""
    return cached("regencies", lambda: dict(db.session.execute(
        select(Region.code, Region.name).where(Region.level.in_(REGENCY_LEVELS))
        .order_by(Region.code)).all()))


def regencies_in(province_code: str) -> list[str]:
    """The regencies and cities of a province, in code order."""
    prefix = province_code + "."
    return [code for code in regencies() if code.startswith(prefix)]


def regency_name(code: str | None) -> str:
    """'Batang Hari' for 15.04 (its name as Kemendagri writes it); '' if unknown."""
    return regencies().get(code or "", "") or ""


def villages_of(parent_code: str) -> list[Region]:
    """Villages (desa and kelurahan) under a regency or district, in code order."""
    return list(db.session.scalars(
        select(Region)
        .where(Region.code.like(parent_code + ".%"), Region.level.in_(("desa", "kelurahan")))
        .order_by(Region.code)
    ))


def districts_of(regency_code: str) -> list[Region]:
    return list(db.session.scalars(
        select(Region).where(Region.parent_code == regency_code).order_by(Region.code)
    ))


def get_region(code: str) -> Region | None:
    return db.session.get(Region, code)
