"""Imports that wait for a background process (the upload page): queued for
phase 1 or for the apply, claimed by one process with a conditional UPDATE
(`flask dtks run ID`, see slrt.dtks.jobs), marked failed, or cancelled."""

from __future__ import annotations

import os

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from slrt.common.time import now_utc
from slrt.dtks.importer.base import ImportRefused, ProgressCallback, gettext
from slrt.dtks.importer.infile import InputFile, as_input
from slrt.dtks.importer.phases import (
    _apply_validated,
    _audit,
    _check_applicable,
    _create_record,
    _validate_guarded,
)
from slrt.dtks.importer.report import get_import
from slrt.dtks.importer.tracker import _claim, _own_connections, _refresh, worker_id
from slrt.dtks.models import RUNNING_IMPORT_STATUSES, RegistryImport
from slrt.dtks.workflow import CANCELLABLE_STATUSES, IMPORT_FLOW
from slrt.extensions import db


@_own_connections
def queue_validation(path: str | os.PathLike | InputFile, period: str, source: str = "DTKS",
                     kabupaten: str | None = None, *, created_by_id: int | None = None,
                     file_name: str | None = None,
                     village_choices: dict[str, str] | None = None) -> int:
    """Record an uploaded file as waiting for phase 1; a background process
    (`flask dtks run ID`, see slrt.dtks.jobs) picks it up with run_queued().
    `path`: a path, or InputFile(key=...) for a file in the app's file store
    (what the upload page keeps: every app host reaches it).
    `village_choices` says which village an ambiguous name of the file means
    (importer/regions.py `choice_key`), for every row with that name."""
    record = _create_record(as_input(path), period, source, kabupaten, created_by_id, file_name,
                            status="queued", progress_note="Menunggu giliran diperiksa",
                            village_choices=village_choices)
    return record.id


@_own_connections
def queue_apply(import_id: int, apply_valid: bool = False, *,
                confirm_deactivate: int | None = None) -> None:
    """The supervisor's choice after phase 1: apply (only the valid rows, with
    apply_valid; confirming `confirm_deactivate` deactivations when the check
    asked for it). Raises ImportRefused when the import cannot be applied or
    another request queued it first."""
    db.session.expire_all()
    _check_applicable(db.session.get(RegistryImport, import_id), import_id, apply_valid,
                      confirm_deactivate)
    table = RegistryImport.__table__
    with db.engine.connect() as conn:
        claimed = conn.execute(update(table).where(
            table.c.id == import_id, table.c.status.in_(IMPORT_FLOW.sources_of("antre_terapkan"))
        ).values(status=IMPORT_FLOW.moves["antre_terapkan"].target, apply_valid=bool(apply_valid),
                 deactivate_confirmed=confirm_deactivate, worker=worker_id(),
                 progress=0, progress_note="Menunggu giliran diterapkan",
                 updated_at=now_utc())).rowcount
        conn.commit()
    db.session.expire_all()
    if not claimed:
        raise ImportRefused(f"Impor #{import_id} sudah diproses oleh permintaan lain.")


@_own_connections
def run_queued(import_id: int, progress: ProgressCallback | None = None) -> str | None:
    """Do the phase an import is waiting for (what the upload page started).
    Returns the status it ended with, or None when there was nothing to do
    (not waiting, or another process took it)."""
    record = db.session.get(RegistryImport, import_id)
    if record is None:
        return None
    if IMPORT_FLOW.allows(record.status, "periksa"):
        if not _claim(import_id, record.status, "periksa"):
            return None
        result = _validate_guarded(_refresh(import_id), progress)
        if result.status != "validated":
            _audit(import_id)
        return result.status
    if record.awaits_apply:
        apply_valid, confirmed = record.apply_valid, record.deactivate_confirmed
        if not _claim(import_id, record.status, "terapkan"):
            return None
        return _apply_validated(_refresh(import_id), apply_valid, progress, confirmed).status
    return None


@_own_connections
def mark_failed(import_id: int, message: str) -> None:
    """An import that could not be started or run (nothing was changed)."""
    table = RegistryImport.__table__
    with db.engine.connect() as conn:
        conn.execute(update(table).where(table.c.id == import_id,
                                         table.c.status.in_(RUNNING_IMPORT_STATUSES))
                     .values(status=IMPORT_FLOW.moves["gagal"].target, message=message,
                             updated_at=now_utc()))
        conn.commit()
    db.session.expire_all()


CANCELLABLE_IMPORT_STATUSES = CANCELLABLE_STATUSES


@_own_connections
def cancel_import(import_id: int) -> None:
    """The user decides not to apply an import: one waiting to be checked,
    checked, or waiting for its apply to start. Refused (ImportRefused, with
    the reason in Indonesian) once nothing can stop it any more: an apply that
    has begun runs to its end (applied, or failed with nothing changed), and
    the import row never says "cancelled" behind data that changed.

    The states: queued -> validating -> validated -> apply_queued -> applying
    -> applied | rejected | failed; a cancel takes queued, validated or
    apply_queued to rejected in one conditional UPDATE, so that it and the
    background process claiming the import (run_queued) cannot both win."""
    table = RegistryImport.__table__
    cancelled = 0
    record = get_import(import_id)
    if record is not None and record.status in CANCELLABLE_IMPORT_STATUSES:
        db.session.commit()
        with db.engine.connect() as conn:
            try:
                cancelled = conn.execute(update(table).where(
                    table.c.id == import_id,
                    table.c.status.in_(CANCELLABLE_IMPORT_STATUSES)
                ).values(status=IMPORT_FLOW.moves["batalkan"].target,
                         message="Dibatalkan oleh pengguna.",
                         progress_note="Dibatalkan", updated_at=now_utc())).rowcount
                conn.commit()
            except DBAPIError:  # SQLite: an apply that started meanwhile holds the lock
                conn.rollback()
        record = get_import(import_id)
    if cancelled:
        return
    if record is None:
        raise ImportRefused(gettext("Impor #%(id)s tidak ditemukan.", id=import_id))
    if record.status in ("applying", "validating"):
        if record.status == "applying":
            raise ImportRefused(gettext(
                "Impor #%(id)s sudah mulai diterapkan dan tidak dapat dibatalkan lagi. "
                "Penerapan berjalan sampai selesai (atau gagal tanpa mengubah data); hasilnya "
                "tampil di halaman impor.", id=import_id))
        raise ImportRefused(gettext(
            "Impor #%(id)s sedang diperiksa dan belum dapat dibatalkan; tunggu sampai "
            "pemeriksaan selesai. Pemeriksaan tidak mengubah data DTKS.", id=import_id))
    if record.status == "applied":
        raise ImportRefused(gettext("Impor #%(id)s sudah diterapkan dan tidak dapat dibatalkan.",
                               id=import_id))
    if record.status == "failed":
        raise ImportRefused(gettext("Impor #%(id)s gagal: tidak ada data yang berubah dan tidak ada "
                               "yang perlu dibatalkan.", id=import_id))
    raise ImportRefused(gettext("Impor #%(id)s sudah dibatalkan atau ditolak sebelumnya; tidak ada "
                           "data yang berubah.", id=import_id))

