"""The phases of an import as its entry points run them: the import row is
created, the file validated (phase 1) and applied (phase 2) on a _Run, the
outcome written to the row and to the audit log; validate_file(),
apply_import() and import_file() (what `flask dtks import` runs)."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError

from slrt.common.time import format_datetime_id, now_utc
from slrt.dtks.importer.base import (
    ApplyResult,
    ImportOutcome,
    ImportRefused,
    ProgressCallback,
    ValidationResult,
    _clip,
    _Rejected,
    _Unconfirmed,
    format_count,
    gettext,
)
from slrt.dtks.importer.columns import COLUMNS, REQUIRED, classify_header
from slrt.dtks.importer.infile import InputFile, as_input, input_of
from slrt.dtks.importer.job import _Run
from slrt.dtks.importer.parsers import check_period
from slrt.dtks.importer.reader import Restart, describe_csv, file_hash, sniff
from slrt.dtks.importer.tracker import (
    _claim,
    _own_connections,
    _refresh,
    close_stale_imports,
    worker_id,
)
from slrt.dtks.models import IMPORT_SOURCES, RegistryImport
from slrt.dtks.workflow import IMPORT_FLOW, IN_PROCESS_STATUSES, START_STATUSES
from slrt.extensions import db

log = logging.getLogger(__name__)


def _create_record(path: Path | InputFile, period: str, source: str, scope: str | None,
                   created_by_id: int | None, file_name: str | None, *,
                   status: str = "validating", progress_note: str = "Membaca berkas",
                   village_choices: dict[str, str] | None = None) -> RegistryImport:
    if status not in START_STATUSES:
        raise ValueError(f"an import does not start as {status!r}")
    source = (source or "DTKS").strip().upper()
    if source not in IMPORT_SOURCES:
        raise ImportRefused(f'Sumber "{source}" tidak dikenal: pilih DTKS atau DTSEN.')
    period = check_period(period)
    src = as_input(path)
    table = RegistryImport.__table__
    now = now_utc()
    with db.engine.connect() as conn:
        close_stale_imports(conn)
        import_id = conn.execute(insert(table).values(
            file_name=(file_name or src.name)[:255], file_size=0,
            file_path=str(src.path)[:500] if src.path is not None else "",
            file_key=src.key or "",
            sha256="", file_format="", encoding="", period=period, source=source, scope_code=scope,
            status=status, progress=0, progress_note=progress_note,
            worker=worker_id(), rows_total=0, rows_valid=0, rows_error=0, error_count=0,
            villages=0, apply_valid=False, inserted=0, updated=0, confirmed=0, unchanged=0,
            reactivated=0, deactivated=0, skipped_newer=0, message="",
            village_choices=village_choices or None,
            created_by_id=created_by_id, created_at=now, updated_at=now,
        ).returning(table.c.id)).scalar_one()
        conn.commit()
    return db.session.get(RegistryImport, import_id)


def _same_file_applied(sha: str, record: RegistryImport) -> RegistryImport | None:
    """The latest applied import of this period and source, if it was this very
    file: importing it again changes nothing."""
    latest = db.session.scalars(
        select(RegistryImport).where(
            RegistryImport.status == "applied", RegistryImport.duplicate_of_id.is_(None),
            RegistryImport.period == record.period, RegistryImport.source == record.source,
            RegistryImport.id != record.id)
        .order_by(RegistryImport.id.desc()).limit(1)).first()
    if latest is not None and latest.sha256 == sha:
        return latest
    return None


def _validation_result(record: RegistryImport) -> ValidationResult:
    return ValidationResult(
        import_id=record.id, status=record.status, file_format=record.file_format,
        rows_total=record.rows_total, rows_valid=record.rows_valid, rows_error=record.rows_error,
        error_count=record.error_count, villages=record.villages, message=record.message,
        duplicate_of_id=record.duplicate_of_id)


def _validate(record: RegistryImport, run: _Run, *, keep_stage: bool,
              writes_errors: bool = True, then_apply: bool = False) -> ValidationResult:
    """Phase 1 on an open _Run. Returns the result; the import row says the same,
    except with `then_apply` (the apply follows at once): the row then stays
    "applying" (see cancel_import), and the result says "validated"."""
    path = input_of(record)
    tracker = run.tracker
    run.keep_errors = writes_errors
    try:
        layout = sniff(path)
        fields = classify_header(layout.header)[0]
        missing = [COLUMNS[f][0] for f in REQUIRED if f not in fields]
        if missing:
            raise _Rejected(
                "Kolom wajib tidak ada: " + ", ".join(missing) + ". Judul kolom yang terbaca: "
                + ", ".join(t.strip() for t in map(str, layout.header) if t and t.strip())[:300]
                + ".",
                problems=[(layout.header_index + 1, m, "",
                           f"Kolom {m} wajib ada (judul kolom boleh huruf kecil/besar, "
                           "mis. NIK atau NOMOR NIK).") for m in missing])
        if layout.kind == "csv" and record.encoding:
            # Read again for the apply: the encoding found the first time.
            layout.encoding, _, lossy = record.encoding.partition("+")
            layout.lossy = bool(lossy)
            layout.describe = describe_csv(layout)
        sha, size = file_hash(path)
        tracker.set(sha256=sha, file_size=size, file_format=layout.describe[:60],
                    progress_note="Memeriksa baris")
        previous = _same_file_applied(sha, record) if writes_errors else None
        if previous is not None:
            when = format_datetime_id(previous.applied_at) if previous.applied_at else ""
            message = (f"Berkas ini sama persis dengan impor #{previous.id} (periode "
                       f"{previous.period}, diterapkan {when}): tidak ada perubahan.")
            tracker.set(status="applied", duplicate_of_id=previous.id, message=message,
                        rows_total=previous.rows_total, rows_valid=previous.rows_valid,
                        rows_error=previous.rows_error, error_count=previous.error_count,
                        villages=previous.villages, unchanged=previous.rows_valid,
                        progress=100, progress_note="Selesai", applied_at=now_utc())
            return _validation_result(_refresh(record.id))
        try:
            run.scan(layout)
        except Restart:
            # Not UTF-8 after all (the first 64 KB were): Windows-1252, what
            # Excel writes; with a UTF-8 BOM, UTF-8 with the bad bytes replaced.
            run.reset()
            layout.lossy = True
            if layout.encoding != "utf-8-sig":
                layout.encoding = "cp1252"
            layout.describe = describe_csv(layout)
            tracker.set(file_format=layout.describe[:60])
            run.scan(layout)
        newer = run.newer_data(run.raw.cursor())
        if newer:
            raise _Rejected(run.newer_message(newer, run._names(run.raw.cursor(),
                                                                  [c for c, _ in newer])))
        started = time.perf_counter()
        planned, per_village = run.plan_deactivation(run.raw.cursor())
        notice = run.mass_notice(run.raw.cursor(), planned, per_village)
        log.debug("impor #%s: menghitung data yang akan dinonaktifkan %.2f s", record.id,
                  time.perf_counter() - started)
        if run.rows_valid == 0:
            message = (f"Tidak satu pun dari {format_count(run.rows_total)} baris sah "
                       f"({format_count(run.error_count)} masalah); lihat laporan.")
        elif run.rows_error:
            message = (f"{format_count(run.rows_error)} dari {format_count(run.rows_total)} "
                       f"baris bermasalah ({format_count(run.error_count)} masalah); "
                       f"{format_count(run.rows_valid)} baris sah.")
        else:
            message = f"Semua {format_count(run.rows_total)} baris sah."
        if notice is not None and run.rows_valid:
            message += " " + notice
        encoding = f"{layout.encoding}+replace" if layout.lossy else layout.encoding
        tracker.set(status="applying" if then_apply else "validated", encoding=encoding, rows_total=run.rows_total,
                    rows_valid=run.rows_valid,
                    rows_error=run.rows_error, error_count=run.error_count,
                    villages=run.villages, progress=100, progress_note="Selesai diperiksa",
                    message=message, validated_at=now_utc(), deactivate_planned=planned,
                    deactivate_confirm_needed=notice is not None)
    except _Rejected as e:
        run.raw.rollback()
        if writes_errors:
            tracker.add_problems(e.problems)
        tracker.set(status="rejected", rows_total=run.rows_total, rows_valid=run.rows_valid,
                    rows_error=run.rows_error, error_count=run.error_count + len(e.problems),
                    message=e.message, progress=100, progress_note="Ditolak")
    if not keep_stage:
        run.raw.rollback()
    result = _validation_result(_refresh(record.id))
    if then_apply and result.status == "applying":
        result.status = "validated"
    return result


def _unconfirmed(record: RegistryImport, run: _Run, count: int, message: str,
                 reopen: bool) -> ApplyResult:
    """Nothing applied: the deactivations need a confirmation naming `count`.
    With `reopen` (the upload page) the import waits for it ("validated");
    otherwise (the command line, which never asks) it ends refused."""
    values = {"deactivate_planned": count, "deactivate_confirm_needed": True,
              "deactivate_confirmed": None, "message": message}
    if reopen:
        run.tracker.set(status="validated", progress=100,
                        progress_note="Menunggu konfirmasi penonaktifan", **values)
    else:
        run.tracker.set(status="rejected", progress=100, progress_note="Ditolak", **values)
    return ApplyResult(import_id=record.id, status="unconfirmed", deactivated=count,
                       message=message, rows_skipped=run.rows_error)


def _apply(record: RegistryImport, run: _Run, apply_valid: bool,
           reopen: bool = False) -> ApplyResult:
    """Phase 2 on a _Run whose staging tables are filled; run.confirm_deactivate
    is the number of deactivations the user confirmed (None: none)."""
    tracker = run.tracker
    if run.rows_valid == 0:
        message = "Tidak ada yang diterapkan: tidak satu pun baris sah."
        tracker.set(status="rejected", message=message)
        return ApplyResult(import_id=record.id, status="rejected", message=message,
                           rows_skipped=run.rows_error)
    if run.rows_error and not apply_valid:
        message = (f"Tidak ada yang diterapkan: {format_count(run.rows_error)} baris "
                   "bermasalah. Perbaiki lalu impor ulang, atau terapkan hanya baris yang sah.")
        tracker.set(status="rejected", message=message)
        return ApplyResult(import_id=record.id, status="rejected", message=message,
                           rows_skipped=run.rows_error)
    if record.deactivate_confirm_needed and run.confirm_deactivate != record.deactivate_planned:
        return _unconfirmed(record, run, record.deactivate_planned, record.message, reopen)
    try:
        return run.apply({"apply_valid": bool(apply_valid),
                          "deactivate_confirmed": run.confirm_deactivate})
    except _Unconfirmed as e:
        run.raw.rollback()
        tracker.paused = False
        return _unconfirmed(record, run, e.count, e.message, reopen)
    except _Rejected as e:
        run.raw.rollback()
        tracker.paused = False
        tracker.set(status="rejected", message=e.message, progress_note="Ditolak")
        return ApplyResult(import_id=record.id, status="rejected", message=e.message)
    except Exception as e:
        run.raw.rollback()
        tracker.paused = False
        busy = "locked" in str(e).lower() or "busy" in str(e).lower()
        message = ("Basis data sedang dipakai proses lain (impor lain?); tidak ada yang "
                   "berubah. Coba lagi sebentar lagi." if busy else
                   f"Gagal menerapkan data; tidak ada yang berubah. ({type(e).__name__}: "
                   f"{_clip(e, 300)})")
        try:
            tracker.set(status="failed", message=message, progress_note="Gagal")
        except DBAPIError:
            log.exception("impor #%s: status gagal tidak dapat dicatat", record.id)
        if busy:
            return ApplyResult(import_id=record.id, status="failed", message=message)
        raise


def _audit(record_id: int) -> None:
    """One entry in the audit log for an import that ended: applied (or nothing
    to do), refused, failed. Never turns the import into an error."""
    try:
        from slrt.audit.services import audit
        from slrt.auth.models import User

        record = _refresh(record_id)
        user = db.session.get(User, record.created_by_id) if record.created_by_id else None
        outcome = {"applied": "ok", "rejected": "ditolak", "failed": "gagal"}.get(
            record.status, record.status)
        audit("impor", object_type="registry_import", object_id=record.id, outcome=outcome,
              user=user, commit=True, detail={
                  "berkas": record.file_name, "periode": record.period,
                  "sumber": record.source, "baris": record.rows_total,
                  "bermasalah": record.rows_error, "baru": record.inserted,
                  "berubah": record.updated, "dinonaktifkan": record.deactivated,
                  "sama_dengan_impor": record.duplicate_of_id})
    except Exception:
        db.session.rollback()
        log.exception("impor #%s: catatan audit tidak tertulis", record_id)


def _guard(record_id: int, fn):
    """Run fn(); on an unexpected exception mark the import failed and re-raise."""
    try:
        return fn()
    except Exception as e:
        db.session.rollback()
        try:
            with db.engine.connect() as conn:
                table = RegistryImport.__table__
                conn.execute(update(table).where(
                    table.c.id == record_id, table.c.status.in_(IN_PROCESS_STATUSES)
                ).values(status=IMPORT_FLOW.moves["gagal"].target, updated_at=now_utc(),
                         message=f"Terjadi kesalahan tak terduga; tidak ada data yang berubah. "
                                 f"({type(e).__name__}: {_clip(e, 300)})"))
                conn.commit()
        except DBAPIError:  # the database itself is the problem: the next run cleans up
            log.exception("impor #%s: status gagal tidak dapat dicatat", record_id)
        _audit(record_id)
        raise


@_own_connections
def validate_file(path: str | os.PathLike, period: str, source: str = "DTKS",
                  kabupaten: str | None = None, *, created_by_id: int | None = None,
                  file_name: str | None = None,
                  progress: ProgressCallback | None = None) -> ValidationResult:
    """Phase 1 only: check every row and record the problems.

    `kabupaten` limits the regions (a regency code like "15.04", a province
    "15", or None for any region loaded). The file must stay at `path` for
    apply_import(). Raises ImportRefused for a bad period or source; every
    problem with the file itself ends as status "rejected" with a message.
    Status after: "validated" (see rows_error), "rejected", or "applied" with
    duplicate_of_id set when the same file was already applied (no-op).
    """
    path = as_input(path)
    record = _create_record(path, period, source, kabupaten, created_by_id, file_name)
    return _validate_guarded(record, progress)


def _validate_guarded(record: RegistryImport,
                      progress: ProgressCallback | None) -> ValidationResult:
    """Phase 1 of a recorded import in a run of its own (the file checked
    now, or one that waited in the queue); an unexpected error marks the
    import failed."""
    run = _Run(record, progress)

    def work():
        run.open()
        try:
            return _validate(record, run, keep_stage=False)
        finally:
            run.close()

    return _guard(record.id, work)


@_own_connections
def apply_import(import_id: int, apply_valid: bool = False,
                 progress: ProgressCallback | None = None, *,
                 confirm_deactivate: int | None = None) -> ApplyResult:
    """Phase 2 for an import validated by validate_file(): reads the file again
    (it must not have changed) and applies it in one transaction. With row
    errors and apply_valid false, nothing is applied (status "rejected").
    When the apply would mark inactive more than 10 % of a village's active
    records, `confirm_deactivate` must be that number (ImportRefused before
    the apply; status "unconfirmed" and the import back to "validated" with
    the new number when the apply finds another one)."""
    record = db.session.get(RegistryImport, import_id)
    if record is not None and record.is_applied:
        return ApplyResult(import_id=record.id, status="applied", message=record.message,
                           inserted=record.inserted, updated=record.updated,
                           confirmed=record.confirmed, unchanged=record.unchanged,
                           reactivated=record.reactivated, deactivated=record.deactivated,
                           villages=record.villages)
    _check_applicable(record, import_id, apply_valid, confirm_deactivate)
    if not _claim(import_id, record.status, "terapkan"):
        raise ImportRefused(f"Impor #{import_id} sudah diproses oleh permintaan lain.")
    return _apply_validated(_refresh(import_id), apply_valid, progress, confirm_deactivate)


def _apply_validated(record: RegistryImport, apply_valid: bool,
                     progress: ProgressCallback | None,
                     confirm_deactivate: int | None = None) -> ApplyResult:
    expected_sha, expected_valid = record.sha256, record.rows_valid
    run = _Run(record, progress)
    run.confirm_deactivate = confirm_deactivate

    def work():
        run.open()
        try:
            # "applying" from the claim on: a cancel can no longer stop it.
            run.tracker.set(status="applying", worker=worker_id(),
                            progress_note="Membaca ulang berkas")
            result = _validate(record, run, keep_stage=True, writes_errors=False,
                               then_apply=True)
            fresh = _refresh(record.id)
            if fresh.sha256 != expected_sha:
                message = ("Berkas sudah berubah sejak diperiksa; periksa ulang berkas sebelum "
                           "menerapkan.")
                run.tracker.set(status="failed", message=message)
                return ApplyResult(import_id=record.id, status="failed", message=message)
            if result.status != "validated":
                return ApplyResult(import_id=record.id, status=result.status,
                                   message=result.message)
            if run.rows_valid != expected_valid:
                run.tracker.set(message=result.message + " (hasil berbeda dari pemeriksaan "
                                "pertama: data wilayah berubah?)")
            return _apply(fresh, run, apply_valid, reopen=True)
        finally:
            run.close()

    result = _guard(record.id, work)
    _audit(record.id)
    return result


def _check_applicable(record: RegistryImport | None, import_id: int, apply_valid: bool,
                      confirm_deactivate: int | None = None) -> None:
    if record is None:
        raise ImportRefused(f"Impor #{import_id} tidak ditemukan.")
    if not record.awaits_decision:
        raise ImportRefused(f"Impor #{import_id} berstatus {record.status_label.lower()}; "
                            "hanya impor yang selesai diperiksa dapat diterapkan.")
    if record.rows_valid == 0:
        raise ImportRefused(f"Impor #{import_id} tidak memiliki satu pun baris yang sah.")
    if record.rows_error and not apply_valid:
        raise ImportRefused(
            f"Impor #{import_id} memiliki {format_count(record.rows_error)} baris bermasalah: "
            "perbaiki berkas lalu unggah ulang, atau terapkan hanya baris yang sah.")
    if record.deactivate_confirm_needed and confirm_deactivate != record.deactivate_planned:
        raise ImportRefused(gettext(
            "Tidak ada yang diterapkan: impor #%(id)s akan menonaktifkan %(n)s data aktif. "
            "Periksa jumlah ini, lalu konfirmasi penonaktifan %(n)s data untuk menerapkannya.",
            id=import_id, n=format_count(record.deactivate_planned)))



@_own_connections
def import_file(path: str | os.PathLike, period: str, source: str = "DTKS",
                kabupaten: str | None = None, *, apply_valid: bool = False,
                confirm_deactivate: int | None = None,
                created_by_id: int | None = None, file_name: str | None = None,
                progress: ProgressCallback | None = None,
                village_choices: dict[str, str] | None = None) -> ImportOutcome:
    """Both phases with one read of the file (what `flask dtks import` runs).
    An apply that would mark inactive more than 10 % of a village's active
    records needs `confirm_deactivate` equal to that number; otherwise nothing
    is applied, the import ends refused and the outcome's apply has status
    "unconfirmed" with the number in `deactivated`."""
    path = as_input(path)
    record = _create_record(path, period, source, kabupaten, created_by_id, file_name,
                            village_choices=village_choices)
    run = _Run(record, progress)
    run.confirm_deactivate = confirm_deactivate

    def work():
        run.open()
        try:
            validation = _validate(record, run, keep_stage=True, then_apply=True)
            if validation.status != "validated":
                return ImportOutcome(validation)
            applied = _apply(_refresh(record.id), run, apply_valid)
            return ImportOutcome(validation, applied)
        finally:
            run.close()

    outcome = _guard(record.id, work)
    _audit(record.id)
    return outcome

