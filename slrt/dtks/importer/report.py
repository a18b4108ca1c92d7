"""Reading an import's outcome: the import rows, their problems, the CSV
report of the problems, and what the registry said about a person before."""

from __future__ import annotations

import csv
import os

from sqlalchemy import or_, select

from slrt.common.exports import safe_cell
from slrt.dtks.importer.base import MAX_STORED_ERRORS, format_count
from slrt.dtks.importer.tracker import _own_connections
from slrt.dtks.models import (
    RegistryImport,
    RegistryImportProblem,
    RegistryRecord,
    RegistryRecordHistory,
)
from slrt.extensions import db


def get_import(import_id: int) -> RegistryImport | None:
    """The import row as committed now (fresh read, for polling)."""
    db.session.expire_all()
    return db.session.get(RegistryImport, import_id)


def recent_imports(limit: int = 20, regencies=None) -> list[RegistryImport]:
    """The latest imports (of the given regencies' scopes, when given)."""
    stmt = select(RegistryImport)
    if regencies is not None:
        stmt = stmt.where(RegistryImport.scope_code.in_(list(regencies)))
    return list(db.session.scalars(stmt.order_by(RegistryImport.id.desc()).limit(limit)))


def import_problems(import_id: int, limit: int | None = None,
                    offset: int = 0) -> list[RegistryImportProblem]:
    stmt = (select(RegistryImportProblem).where(RegistryImportProblem.import_id == import_id)
            .order_by(RegistryImportProblem.row_no, RegistryImportProblem.id).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


@_own_connections
def write_report(import_id: int, dest) -> int:
    """Write the problems of an import as CSV (UTF-8 with BOM, for Excel):
    ``baris,kolom,nilai,keterangan``. `dest` is a path or a text file object.
    Returns the number of problems written. Cells that a spreadsheet would
    run as a formula are neutralised (slrt.common.exports.safe_cell).

    Reads on a connection of its own: the caller's session is ended first
    (_own_connections), since on SQLite a command's session holds the write
    lock (BEGIN IMMEDIATE) from its first read and the report's connection
    would wait for it, then fail with "database is locked"."""
    if isinstance(dest, (str, os.PathLike)):
        with open(dest, "w", encoding="utf-8-sig", newline="") as fh:
            return write_report(import_id, fh)
    writer = csv.writer(dest)
    writer.writerow(["baris", "kolom", "nilai", "keterangan"])
    table = RegistryImportProblem.__table__
    written = 0
    with db.engine.connect() as conn:
        result = conn.execution_options(yield_per=5000).execute(
            select(table.c.row_no, table.c.column, table.c.value, table.c.message)
            .where(table.c.import_id == import_id).order_by(table.c.row_no, table.c.id))
        for row in result:
            # A cell copied from the file can be a formula (=1+1, @SUM...):
            # neutralised as in every other export.
            writer.writerow([safe_cell(v) for v in row])
            written += 1
    record = db.session.get(RegistryImport, import_id)
    if record is not None and record.error_count > written:
        writer.writerow(["", "", "", f"Dan {format_count(record.error_count - written)} masalah "
                                     f"lain tidak dicantumkan (batas "
                                     f"{format_count(MAX_STORED_ERRORS)} baris laporan)."])
    return written


def record_history(record_id: int) -> list[RegistryRecordHistory]:
    """What the registry said about a record before each change, newest first."""
    return list(db.session.scalars(
        select(RegistryRecordHistory).where(RegistryRecordHistory.record_id == record_id)
        .order_by(RegistryRecordHistory.id.desc())))


def record_as_of(nik: str, period: str) -> dict | None:
    """What the registry listed for a NIK in a period, as RegistryRecord.evidence()
    would show it then; None if the person was not listed (or had no record).

    The current values hold from since_period to period; each history row
    holds from its since_period (or its own period) to its period.
    """
    records = list(db.session.scalars(select(RegistryRecord).where(RegistryRecord.nik == nik)))
    if not records:
        return None
    for rec in records:
        start = rec.since_period or rec.period
        if start <= period <= rec.period and (rec.is_active or rec.inactive_since is None
                                               or period < rec.inactive_since):
            return {**rec.evidence(), "period": period, "active": True}
    history = db.session.scalars(
        select(RegistryRecordHistory).where(
            or_(*[RegistryRecordHistory.record_id == r.id for r in records]))
        .order_by(RegistryRecordHistory.id.desc()))
    for h in history:
        if h.is_active and (h.since_period or h.period) <= period <= h.period:
            return {
                "registry_id": h.registry_id, "source": h.source, "period": period,
                "nik": h.nik, "no_kk": h.no_kk, "name": h.name,
                "birth_date": h.birth_date.isoformat() if h.birth_date else None,
                "sex": h.sex, "relationship": h.relationship_to_head,
                "village_code": h.village_code, "dusun": h.dusun, "rt": h.rt, "rw": h.rw,
                "padan": h.padan, "decile": h.decile, "active": True,
                "flags": {"pkh": h.pkh, "bpnt": h.bpnt, "pbi": h.pbi},
            }
    return None

