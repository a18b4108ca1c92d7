from __future__ import annotations

from typing import NamedTuple

from flask import current_app
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
    """The villages among `codes` (None: every village of the regency this
    installation serves), in code order."""
    known = villages()
    if codes is None:
        prefix = current_app.config["SLRT_KABUPATEN"] + "."
        return [Village(c, n) for c, n in known.items() if c.startswith(prefix)]
    return [Village(c, known[c]) for c in sorted(set(codes)) if c in known]


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
