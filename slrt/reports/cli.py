"""`flask reports dtks-recap|cases`: the same figures as the pages, for scripts.

Each export is written to the audit log as the operating-system user who ran
it (there is no signed-in user on the command line).
"""

from __future__ import annotations

import csv
import getpass
import io
import re
import sys
from datetime import date

import click
from flask.cli import AppGroup

from slrt.extensions import db

reports_cli = AppGroup("reports", help="Laporan: rekap DTKS per desa dan laporan kasus.")


def _cli_audit(detail: dict) -> None:
    from slrt.audit.services import audit

    try:
        who = getpass.getuser()
    except Exception:  # no user name in some containers
        who = "?"
    audit("ekspor", object_type="laporan", detail={"username": f"cli:{who}", **detail},
          commit=True)


def _plain_csv(header: list[str], rows: list[list]) -> str:
    """CSV for a terminal or a pipe: no BOM; cells that a spreadsheet would run as
    formulas are neutralised as in the web exports."""
    from slrt.common.exports import safe_cell

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([v if isinstance(v, int | float) else safe_cell(v) for v in row])
    return buf.getvalue()


def _write(fmt: str, output: str | None, csv_text: str | None, xlsx: bytes | None) -> None:
    if fmt == "xlsx":
        if not output:
            raise click.UsageError("--format xlsx memerlukan --output FILE.")
        with open(output, "wb") as fh:
            fh.write(xlsx)
        click.echo(f"Ditulis: {output}", err=True)
        return
    if output:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(csv_text)
        click.echo(f"Ditulis: {output}", err=True)
    else:
        sys.stdout.write(csv_text)


@reports_cli.command("dtks-recap")
@click.option("--kecamatan", required=True, help="Kode kecamatan Kemendagri, mis. 15.04.03.")
@click.option("--period", required=True, help="Periode data YYYY-MM, mis. 2022-07.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--output", type=click.Path(dir_okay=False), help="Berkas tujuan.")
def dtks_recap(kecamatan, period, fmt, output):
    """Rekap DTKS per desa (individu, keluarga = No KK berbeda), seperti Tabel 1.4."""
    from slrt.reports.files import recap_xlsx
    from slrt.reports.queries.registry_recap import RECAP_HEADER, dtks_recap, recap_rows

    if not re.fullmatch(r"\d{2}\.\d{2}\.\d{2}", kecamatan):
        raise click.UsageError("Kode kecamatan harus seperti 15.04.03.")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise click.UsageError("Periode harus YYYY-MM, mis. 2022-07.")
    rows = recap_rows(dtks_recap(kecamatan, period))
    if len(rows) == 1:
        raise click.UsageError(f"Kecamatan {kecamatan} tidak dikenal (muat wilayah dulu).")
    _write(fmt, output, _plain_csv(RECAP_HEADER, rows) if fmt == "csv" else None,
           recap_xlsx(rows) if fmt == "xlsx" else None)
    _cli_audit({"laporan": "rekap_dtks", "format": fmt, "kecamatan": kecamatan,
                "periode": period})
    db.session.commit()


def _date(ctx, param, value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("tanggal harus YYYY-MM-DD") from None


@reports_cli.command("cases")
@click.option("--from", "start", required=True, callback=_date, help="Tanggal awal YYYY-MM-DD.")
@click.option("--to", "end", required=True, callback=_date, help="Tanggal akhir YYYY-MM-DD.")
@click.option("--desa", default="", help="Batasi ke satu desa (kode Kemendagri).")
@click.option("--program", default="", help="Batasi ke satu program.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--output", type=click.Path(dir_okay=False), help="Berkas tujuan.")
@click.option("--kabupaten", default=None, metavar="KODE",
              help="Kabupaten/kota yang dilaporkan (mis. 15.05). Bawaan: SLRT_KABUPATEN.")
def cases(start, end, desa, program, fmt, output, kabupaten):
    """Laporan kasus seluruh kabupaten untuk satu periode (sama dengan halaman Laporan)."""
    from flask import current_app

    from slrt.common.permissions import regency_of
    from slrt.regions.queries import regencies, villages
    from slrt.reports.files import report_csv, report_xlsx
    from slrt.reports.queries.case_report import case_report, report_tables
    from slrt.reports.queries.scopes import Scope, narrow

    if end < start:
        raise click.UsageError("--to sebelum --from.")
    kabupaten = kabupaten or current_app.config["SLRT_KABUPATEN"]
    if kabupaten not in regencies():
        raise click.UsageError(f"Kabupaten/kota {kabupaten} tidak dikenal (muat wilayah dulu).")
    if desa and regency_of(desa) != kabupaten:
        raise click.UsageError(f"Desa {desa} di luar kabupaten/kota {kabupaten}.")
    own = tuple(code for code in villages() if regency_of(code) == kabupaten)
    scope = narrow(Scope(villages=own, empty=not own, regencies=(kabupaten,)), desa, program)
    tables = report_tables(case_report(scope, start, end))
    csv_text = report_csv(tables).decode("utf-8").lstrip("\ufeff") if fmt == "csv" else None
    _write(fmt, output, csv_text, report_xlsx(tables) if fmt == "xlsx" else None)
    _cli_audit({"laporan": "kasus", "format": fmt, "dari": start.isoformat(),
                "sampai": end.isoformat(), "desa": desa, "program": program,
                "kabupaten": kabupaten})
    db.session.commit()
