"""Command-line groups: `flask regions|users|catalog|demo|dtks|backup|storage ...`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from slrt.extensions import db

catalog_cli = AppGroup("catalog", help="Katalog kategori pengaduan dan program.")


@catalog_cli.command("load")
@click.option("--kabupaten", default=None, metavar="KODE",
              help="Kabupaten/kota yang mendapat program bawaan (mis. 15.05; kodenya "
                   "PKH_1505). Bawaan: SLRT_KABUPATEN.")
def catalog_load(kabupaten: str | None):
    """Tambahkan kategori pengaduan dan program bawaan yang belum ada."""
    from slrt.cases.catalog import load_categories
    from slrt.referrals.catalog import load_programs
    from slrt.regions.queries import regencies

    if kabupaten is not None and kabupaten not in regencies():
        raise click.ClickException(f"Kode kabupaten/kota {kabupaten} tidak dikenal "
                                   "(muat dulu: flask regions load).")
    cats, progs = load_categories(), load_programs(kabupaten)
    db.session.commit()
    click.echo(f"Katalog: {cats} kategori baru, {progs} program baru.")


def register_cli(app):
    from slrt.auth.cli import users_cli
    from slrt.backup.cli import backup_cli, storage_cli
    from slrt.demo.cli import demo_cli
    from slrt.dtks.cli import dtks_cli
    from slrt.notifications.cli import reminders_cli, scheduler_cli
    from slrt.regions.cli import regions_cli
    from slrt.reports.cli import reports_cli

    for group in (regions_cli, users_cli, catalog_cli, demo_cli, dtks_cli, reminders_cli,
                  scheduler_cli, reports_cli, backup_cli, storage_cli):
        app.cli.add_command(group)
