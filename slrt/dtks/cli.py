"""`flask dtks ...`: import registry snapshots (SIKS-NG exports) and list imports.

Exit codes of `flask dtks import`:

    0  applied, or nothing to do (the same file was already applied)
    1  rows with problems: nothing applied, the report lists them
       (run again with --apply-valid to apply the valid rows only)
    2  wrong usage (missing --period, unknown option...)
    3  file refused as a whole (not a registry file, empty, missing column,
       no valid row, older than the data already there)
    4  applying failed (database busy or broken); nothing changed
    5  the apply would mark inactive more than 10 % of a village's active
       records: nothing applied; run again with --confirm-deactivate N, N
       being the number the message gives
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError

from slrt.common.time import format_datetime_id
from slrt.extensions import db

dtks_cli = AppGroup("dtks", help="Data DTKS/DTSEN: impor snapshot ekspor SIKS-NG.")

EXIT_OK, EXIT_ROW_ERRORS, EXIT_USAGE, EXIT_REFUSED, EXIT_FAILED = 0, 1, 2, 3, 4
EXIT_UNCONFIRMED = 5


class _Progress:
    """A progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self):
        self.enabled = sys.stderr.isatty()
        self.bar = None
        self.phase = None
        self.shown = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if phase != self.phase:
            self.finish()
            label = {"memeriksa": "Memeriksa ", "menerapkan": "Menerapkan"}.get(phase, phase)
            self.bar = click.progressbar(length=1000, label=label, file=sys.stderr,
                                         show_eta=phase == "memeriksa", width=30)
            self.bar.__enter__()
            self.phase, self.shown = phase, 0
        target = int(1000 * done / total) if total else 1000
        if target > self.shown:
            self.bar.update(target - self.shown)
            self.shown = target

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def _default_report(path: Path) -> Path:
    return path.with_name(f"{path.stem}-laporan.csv")


def _village_choices(codes: tuple[str, ...], scope: str) -> dict[str, str]:
    """--desa KODE: the village an ambiguous name means (the upload page's choice)."""
    from slrt.dtks.queries import ambiguous_villages

    by_code = {code: a for a in ambiguous_villages(scope) for code, _label in a.villages}
    choices = {}
    for code in codes:
        if code not in by_code:
            raise click.UsageError(
                f"--desa {code}: bukan desa/kelurahan yang namanya dipakai dua desa di satu "
                "kecamatan; tidak perlu dipilih.")
        choices[by_code[code].key] = code
    return choices


@dtks_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--period", "period", default=None, metavar="TTTT-BB",
              help="Periode data, mis. 2022-07 (wajib).")
@click.option("--apply-valid", is_flag=True,
              help="Terapkan baris yang sah walaupun ada baris bermasalah.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Lokasi laporan CSV (bawaan: di samping berkas, <nama>-laporan.csv).")
@click.option("--source", type=click.Choice(["DTKS", "DTSEN"], case_sensitive=False),
              default="DTKS", show_default=True, help="Sumber data.")
@click.option("--kabupaten", default=None, metavar="KODE",
              help="Wilayah yang boleh diimpor: kode kabupaten/kota (15.04) atau provinsi (15). "
                   "Bawaan: SLRT_KABUPATEN.")
@click.option("--confirm-deactivate", "confirm_deactivate", type=click.IntRange(min=0),
              default=None, metavar="N",
              help="Setujui penonaktifan N data aktif. Wajib bila impor akan menonaktifkan "
                   "lebih dari 10% data aktif suatu desa/kelurahan; N harus sama dengan "
                   "jumlah yang disebut pesan (kode keluar 5).")
@click.option("--desa", "villages", multiple=True, metavar="KODE",
              help="Desa/kelurahan yang dimaksud berkas untuk nama yang dipakai dua desa di "
                   "satu kecamatan, mis. --desa 15.04.08.1008 (Kelurahan Terusan) untuk "
                   "TERUSAN; berlaku untuk setiap baris dengan nama itu. Boleh diulang.")
@click.option("--verbose", "-v", is_flag=True, help="Tampilkan waktu tiap tahap (stderr).")
def import_command(file: Path, period: str | None, apply_valid: bool, report: Path | None,
                   source: str, kabupaten: str | None, confirm_deactivate: int | None,
                   villages: tuple[str, ...], verbose: bool):
    """Impor berkas DTKS/DTSEN (CSV atau .xlsx, tata letak SIKS-NG) sebagai snapshot PERIODE.

    Semua baris diperiksa dulu; bila ada baris bermasalah tidak ada yang diterapkan
    (kecuali dengan --apply-valid) dan laporan CSV ditulis. Bila penerapan akan
    menonaktifkan lebih dari 10% data aktif suatu desa, tidak ada yang diterapkan
    kecuali jumlahnya dikonfirmasi dengan --confirm-deactivate N. Kode keluar: 0 berhasil,
    1 ada baris bermasalah, 2 salah pemakaian, 3 berkas ditolak, 4 gagal menerapkan,
    5 penonaktifan massal belum dikonfirmasi.
    """
    from slrt.dtks import importer
    from slrt.regions.codes import region_names

    if not period:
        raise click.UsageError("Periode wajib diisi: --period TTTT-BB (mis. --period 2022-07).")
    try:
        period = importer.check_period(period)
    except importer.ImportRefused as e:
        raise click.UsageError(str(e)) from None
    scope = kabupaten or current_app.config["SLRT_KABUPATEN"]
    if scope not in region_names():
        raise click.UsageError(f"Kode wilayah {scope} tidak ada dalam data Kemendagri.")
    choices = _village_choices(villages, scope)
    if not file.is_file():
        _fail(f"Berkas tidak ditemukan: {file}", EXIT_REFUSED)

    if verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        importer.log.addHandler(handler)
        importer.log.setLevel(logging.DEBUG)
    started = time.perf_counter()
    bar = _Progress()
    try:
        outcome = importer.import_file(file, period, source.upper(), scope,
                                       apply_valid=apply_valid,
                                       confirm_deactivate=confirm_deactivate, progress=bar,
                                       village_choices=choices)
    except importer.ImportRefused as e:
        bar.finish()
        _fail(f"DITOLAK: {e}", EXIT_REFUSED)
    except DBAPIError as e:
        bar.finish()
        _fail(f"GAGAL: basis data tidak dapat dipakai ({type(e.orig).__name__}: "
              f"{str(e.orig).strip()[:200]}). Tidak ada data yang berubah; coba lagi.",
              EXIT_FAILED)
    finally:
        bar.finish()
    elapsed = time.perf_counter() - started
    v = outcome.validation
    record = importer.get_import(outcome.import_id)
    click.echo(f"Impor #{record.id}: {file.name} - {record.file_format or 'format tidak dikenal'}"
               f", periode {period}, sumber {record.source}.")

    report_path = None
    if record.error_count:
        report_path = report or _default_report(file)
        try:
            importer.write_report(record.id, report_path)
        except OSError as e:
            click.echo(f"Laporan tidak dapat ditulis ke {report_path}: {e.strerror or e}",
                       err=True)
            report_path = None

    def tail(code: int) -> None:
        if report_path is not None:
            click.echo(f"Laporan masalah per baris: {report_path}")
        click.echo(f"Waktu: {elapsed:.1f} detik.")
        sys.exit(code)

    if v.is_noop:
        click.echo(v.message)
        tail(EXIT_OK)
    if v.status == "rejected":
        click.echo(f"DITOLAK: {v.message}", err=True)
        tail(EXIT_REFUSED)
    if v.status == "failed" or (outcome.applied and outcome.applied.status == "failed"):
        click.echo(f"GAGAL: {record.message}", err=True)
        tail(EXIT_FAILED)
    counts = (f"Diperiksa {importer.format_count(v.rows_total)} baris: "
              f"{importer.format_count(v.rows_valid)} sah")
    if v.rows_error:
        counts += (f", {importer.format_count(v.rows_error)} bermasalah "
                   f"({importer.format_count(v.error_count)} masalah)")
    click.echo(counts + ".")
    applied = outcome.applied
    if applied is not None and applied.status == "unconfirmed":
        n = applied.deactivated
        wrong = (f" (--confirm-deactivate {confirm_deactivate} tidak sesuai)"
                 if confirm_deactivate is not None else "")
        click.echo(f"TIDAK ADA YANG DITERAPKAN{wrong}: {applied.message} Bila memang benar, "
                   f"jalankan lagi dengan --confirm-deactivate {n}.", err=True)
        tail(EXIT_UNCONFIRMED)
    if applied is None or applied.status == "rejected":
        message = applied.message if applied else v.message
        if v.rows_error and v.rows_valid == 0:
            click.echo("TIDAK ADA YANG DITERAPKAN: tidak satu pun baris sah. Perbaiki berkas "
                       "lalu impor ulang.", err=True)
            tail(EXIT_ROW_ERRORS)
        if v.rows_error and not apply_valid:
            click.echo(
                "TIDAK ADA YANG DITERAPKAN: ada baris bermasalah. Perbaiki baris tersebut lalu "
                "impor ulang, atau jalankan lagi dengan --apply-valid untuk menerapkan "
                f"{importer.format_count(v.rows_valid)} baris yang sah saja.", err=True)
            tail(EXIT_ROW_ERRORS)
        click.echo(f"DITOLAK: {message}", err=True)
        tail(EXIT_REFUSED)
    click.echo(applied.message)
    tail(EXIT_OK)


@dtks_cli.command("imports")
@click.option("--limit", default=20, show_default=True, help="Jumlah impor terakhir.")
@click.option("--kabupaten", default=None, metavar="KODE",
              help="Wilayah impor: kode kabupaten/kota atau provinsi. Bawaan: SLRT_KABUPATEN.")
def imports_command(limit: int, kabupaten: str | None):
    """Daftar impor DTKS/DTSEN terakhir satu kabupaten/kota."""
    from slrt.dtks.importer import recent_imports

    rows = recent_imports(limit, [kabupaten or current_app.config["SLRT_KABUPATEN"]])
    if not rows:
        click.echo("Belum ada impor.")
        return
    for r in rows:
        when = format_datetime_id(r.applied_at or r.created_at)
        click.echo(f"#{r.id:<5} {r.period} {r.source:<5} {r.status_label:<18} {when:<28} "
                   f"{r.file_name}")
        if r.message:
            click.echo(f"       {r.message}")


@dtks_cli.command("run", hidden=True)
@click.argument("import_id", type=int)
def run_command(import_id: int):
    """Kerjakan tahap impor yang menunggu (dijalankan oleh halaman unggah)."""
    from slrt.dtks import importer, jobs

    bar = _Progress()
    try:
        status = importer.run_queued(import_id, progress=bar)
    finally:
        bar.finish()
    record = importer.get_import(import_id)
    jobs.discard_upload(record)
    db.session.commit()
    if status is None:
        click.echo(f"Impor #{import_id}: tidak ada yang menunggu "
                   f"({record.status_label.lower() if record else 'tidak ditemukan'}).")
        return
    click.echo(f"Impor #{import_id}: {record.status_label}. {record.message}")
    # "unconfirmed": back to "validated", the page asks for the confirmation
    sys.exit(EXIT_OK if status in ("validated", "applied", "unconfirmed") else EXIT_FAILED)
