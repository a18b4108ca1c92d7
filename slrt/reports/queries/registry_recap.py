"""The registry recap (seed Table 1.4): per village of a district, the people
and households the registry listed in a period."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from slrt.extensions import db
from slrt.regions.models import Region


def dtks_recap(kecamatan: str, period: str) -> list[tuple[str, str, int, int]]:
    """Seed Table 1.4: per village of a district, the people and households
    (distinct No KK) the registry listed in `period`, in code order, zeros
    included. A record counts in the periods from its first to its last
    listing (current values) or those of a history row (earlier values)."""
    from slrt.dtks.models import RegistryRecord as R
    from slrt.dtks.models import RegistryRecordHistory as H

    current = select(R.village_code.label("v"), R.nik.label("nik"), R.no_kk.label("kk")).where(
        func.coalesce(R.since_period, R.period) <= period, R.period >= period)
    history = select(H.village_code, H.nik, H.no_kk).where(
        H.is_active.is_(True), func.coalesce(H.since_period, H.period) <= period,
        H.period >= period)
    listed = current.union_all(history).subquery()
    counts = {v: (n, kk) for v, n, kk in db.session.execute(
        select(listed.c.v, func.count(), func.count(func.distinct(listed.c.kk)))
        .where(listed.c.v.like(kecamatan + ".%")).group_by(listed.c.v)).all()}
    villages = db.session.execute(
        select(Region.code, Region.name).where(Region.parent_code == kecamatan,
                                               Region.level.in_(("desa", "kelurahan")))
        .order_by(Region.code)).all()
    return [(code, name, *counts.get(code, (0, 0))) for code, name in villages]


RECAP_HEADER = ["kode_desa", "desa", "individu", "keluarga"]  # the CSV's, for scripts
# What a person reads: the page's and the XLSX's header.
RECAP_LABELS = [_l("Kode desa"), _l("Desa/kelurahan"), _l("Individu"),
                _l("Keluarga (No KK berbeda)")]


def recap_rows(recap: list[tuple[str, str, int, int]]) -> list[list]:
    rows = [list(r) for r in recap]
    rows.append(["TOTAL", "", sum(r[2] for r in recap), sum(r[3] for r in recap)])
    return rows
