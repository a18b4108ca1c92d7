"""Registry reads: lookups by NIK, by No KK and by name within a village."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select

from slrt.common.permissions import require
from slrt.dtks.models import RegistryRecord
from slrt.dtks.names import name_conditions
from slrt.extensions import db

# Built once: a NIK lookup runs on every registration and check, and building
# the statement each time costs more than the indexed query itself.
_BY_NIK = (select(RegistryRecord)
           .where(RegistryRecord.nik == bindparam("nik"))
           .order_by(RegistryRecord.is_active.desc(), RegistryRecord.period.desc(),
                     RegistryRecord.id.desc())
           .limit(1))
_T = RegistryRecord.__table__
_ID_BY_NIK = (select(_T.c.id)
              .where(_T.c.nik == bindparam("nik"))
              .order_by(_T.c.is_active.desc(), _T.c.period.desc(), _T.c.id.desc())
              .limit(1))


def find_by_nik(nik: str) -> RegistryRecord | None:
    """The current record for a NIK: active first, then the newest period."""
    return db.session.scalars(_BY_NIK, {"nik": nik}).first()


def current_id_by_nik(nik: str) -> int | None:
    """The id of find_by_nik's record, without loading it: for a NIK that is
    mostly not in the registry yet (a registration), one statement on the
    connection and no ORM loading."""
    return db.session.connection().execute(_ID_BY_NIK, {"nik": nik}).scalar()


def household(no_kk: str) -> list[RegistryRecord]:
    return list(db.session.scalars(
        select(RegistryRecord).where(RegistryRecord.no_kk == no_kk, RegistryRecord.is_active)
        .order_by(RegistryRecord.id)
    ))


def household_size(no_kk: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RegistryRecord)
        .where(RegistryRecord.no_kk == no_kk, RegistryRecord.is_active)
    ) or 0


def name_search(village_codes: list[str] | None, name: str, limit: int = 30):
    """The statement of search_by_name, or None when nothing was typed.

    Each word is a `name_key LIKE '% WORD%'`: within a village the index on
    (village_code, name_key) narrows the rows; across every village (None) on
    PostgreSQL the pg_trgm GIN index of migration 0020 answers the LIKE itself.
    """
    conditions = name_conditions(RegistryRecord.name_key, name)
    if not conditions:
        return None
    stmt = select(RegistryRecord).where(RegistryRecord.is_active, *conditions)
    if village_codes is not None:
        stmt = stmt.where(RegistryRecord.village_code.in_(village_codes))
    return stmt.order_by(RegistryRecord.name_key).limit(limit)


def search_by_name(village_codes: list[str] | None, name: str, limit: int = 30
                   ) -> list[RegistryRecord]:
    """Records whose name has every word typed (spelling variants allowed), within
    the given villages (None: the whole registry)."""
    stmt = name_search(village_codes, name, limit)
    return [] if stmt is None else list(db.session.scalars(stmt))


def get_record(record_id: int) -> RegistryRecord | None:
    return db.session.get(RegistryRecord, record_id)


def latest_period() -> str | None:
    return db.session.scalar(select(func.max(RegistryRecord.period)))


def in_scope(user, records: list[RegistryRecord]) -> list[RegistryRecord]:
    """The records of the user's villages (all of them for the regency)."""
    from slrt.common.permissions import village_scope

    scope = village_scope(user)
    if scope is None:
        return records
    return [r for r in records if r.village_code in scope]


@dataclass
class Check:
    """What a registry check by NIK or No KK shows a desk."""

    kind: str = ""  # "nik" | "no_kk"
    record: RegistryRecord | None = None  # the NIK's current record
    household: list[RegistryRecord] = field(default_factory=list)
    error: str | None = None
    nik_masked: str = ""


def check_identifier(user, digits: str) -> Check:
    """A NIK (its current record and, within the user's villages, its
    household) or a No KK (its household within the user's villages). A
    valid-looking NIK without a record is tried as a No KK: the two share a
    shape. The error, in Indonesian, when it is neither."""
    require(user, "registry.check")
    from slrt.identity import InvalidKk, InvalidNik, parse_kk, parse_nik

    try:
        nik = parse_nik(digits)
    except InvalidNik as e_nik:
        try:
            kk = parse_kk(digits)
        except InvalidKk:
            return Check(error=str(e_nik))
        return Check(kind="no_kk", household=in_scope(user, household(kk.no_kk)))
    record = find_by_nik(nik.nik)
    if record is not None:
        return Check(kind="nik", record=record, nik_masked=nik.masked,
                     household=in_scope(user, household(record.no_kk)) or [record])
    return Check(kind="nik", nik_masked=nik.masked,
                 household=in_scope(user, household(nik.nik)))


@dataclass
class AmbiguousName:
    """A village name two villages of one district share: the upload page asks
    which one a file means (importer/regions.py applies the answer)."""

    key: str  # importer.regions.choice_key
    name: str
    district: str  # "Kecamatan Maro Sebo Ilir"
    villages: list[tuple[str, str]]  # (code, "Kelurahan Terusan")


def ambiguous_villages(scope: str | None) -> list[AmbiguousName]:
    """The names shared by two villages of a district, within `scope` (a
    regency code), from the regions table."""
    from slrt.dtks.importer.regions import Regions, choice_key
    from slrt.regions.models import Region

    rows = db.session.execute(select(Region.code, Region.name, Region.level, Region.parent_code)
                              .order_by(Region.code)).all()
    regions = Regions(rows, scope)
    return [AmbiguousName(choice_key(district, name), name, regions.label(district),
                          [(code, regions.label(code)) for code in codes])
            for district, name, codes in regions.ambiguous()]


def chosen_villages(choices: dict | None, scope: str | None) -> list[tuple[AmbiguousName, str]]:
    """The choices an import keeps, as (the ambiguous name, the village's label)."""
    if not choices:
        return []
    names = {a.key: a for a in ambiguous_villages(scope)}
    return [(names[key], dict(names[key].villages).get(code, code))
            for key, code in choices.items() if key in names]
