from __future__ import annotations

from sqlalchemy import select

from slrt.extensions import db
from slrt.regions.models import Region


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
