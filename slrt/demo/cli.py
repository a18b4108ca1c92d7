from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from slrt.extensions import db

demo_cli = AppGroup("demo", help="Data demo.")


@demo_cli.command("load")
@click.option("--quiet", is_flag=True, help="Jangan cetak daftar akun.")
def load_command(quiet: bool):
    """Buat data demo (wilayah, katalog, DTKS, pengguna, kasus); aman dijalankan ulang."""
    from slrt.demo.services import DEMO_PASSWORD, load_demo

    if current_app.config["SLRT_CONFIG_NAME"] == "production":
        raise click.ClickException("Data demo tidak boleh dimuat pada konfigurasi produksi.")
    report = load_demo(current_app.config["SLRT_KABUPATEN"],
                       current_app.config["SLRT_CASE_PREFIX"])
    db.session.commit()
    click.echo(f"DTKS demo: {report.registry_added} baris baru "
               f"({report.registry_total} baris periode {report.period}).")
    click.echo(f"Pengguna demo: {report.users_added} baru. Kasus demo: {report.cases_added} baru. "
               f"Rujukan demo: {report.referrals_added} baru. "
               f"Usulan demo: {report.proposals_added} baru.")
    if quiet:
        return
    click.echo("")
    click.echo(f"Akun demo (kata sandi semua akun: {DEMO_PASSWORD})")
    for username, role, scope in report.accounts:
        click.echo(f"  {username:<28} {role:<12} {scope}")
    click.echo("  ... serta op-<desa> dan fas-<desa> untuk 21 desa Kecamatan Muara Bulian,")
    click.echo("      mis. op-aro, fas-aro, op-sungai-baung, fas-rengas-condong.")
