"""Reference data read on every complaint form: the villages and the
complaint categories.

Only CLI commands change them (`flask regions load`, the catalog and demo
loads); each app instance keeps a copy for TTL_SECONDS, so that a form page
does not query them each time. Measured with bench/load_register.py on the
2-core machine: each statement of a request costs about a millisecond of
ORM and driver work under load, and the registration's form asked for both
lists twice (the page, then the submitted form). A load run in this process
forgets the copy at once; other processes see the change within TTL_SECONDS.
"""

from __future__ import annotations

import time
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from slrt.extensions import db

TTL_SECONDS = 300
_KEY = "slrt_reference"


class Village(NamedTuple):
    code: str
    name: str


class CategoryRow(NamedTuple):
    code: str
    name: str
    group: str
    is_active: bool


def _cached(name: str, load):
    store = current_app.extensions.setdefault(_KEY, {})
    now = time.monotonic()
    hit = store.get(name)
    if hit is None or now - hit[0] > TTL_SECONDS:
        hit = (now, load())
        store[name] = hit
    return hit[1]


def villages() -> dict[str, str]:
    """Every desa and kelurahan loaded, code -> name, in code order."""
    from slrt.regions.models import VILLAGE_LEVELS, Region

    return _cached("villages", lambda: dict(db.session.execute(
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


def categories() -> dict[str, CategoryRow]:
    """Every complaint category, code -> row, in the order of the form."""
    from slrt.cases.models import Category

    return _cached("categories", lambda: {
        code: CategoryRow(code, name, group, bool(active))
        for code, name, group, active in db.session.execute(
            select(Category.code, Category.name, Category.group, Category.is_active)
            .order_by(Category.sort_order, Category.code))})


def forget() -> None:
    """After a load: the next reader of this app instance reads the tables again."""
    current_app.extensions.pop(_KEY, None)
