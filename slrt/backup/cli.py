"""`flask backup create PATH` and `flask backup restore PATH`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from slrt.backup.services import BackupError, create_backup, restore_backup
from slrt.extensions import db

backup_cli = AppGroup("backup", help="Cadangan basis data: buat dan pulihkan.")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Timpa berkas cadangan yang sudah ada.")
def create_command(path: str, force: bool):
    """Buat cadangan basis data ke berkas PATH (aplikasi boleh tetap berjalan)."""
    try:
        info = create_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path, force=force,
                             pg_bin=current_app.config.get("SLRT_PG_BIN", ""))
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Cadangan dibuat: {info.path} ({_size(info.size)}, {info.tables} tabel).")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Jangan minta konfirmasi.")
def restore_command(path: str, yes: bool):
    """Pulihkan basis data dari berkas cadangan PATH; SEMUA data saat ini diganti."""
    if not yes:
        click.confirm("Semua data saat ini akan diganti dengan isi cadangan. "
                      "Hentikan dulu layanan web dan penjadwal. Lanjutkan?", abort=True)
    db.session.remove()
    db.engine.dispose()  # no connection of ours holds a lock or an old snapshot
    try:
        migrate = current_app.extensions.get("migrate")
        info = restore_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path,
                              pg_bin=current_app.config.get("SLRT_PG_BIN", ""),
                              migrations_dir=getattr(migrate, "directory", None))
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Basis data dipulihkan dari {info.path} ({info.tables} tabel). "
               "Jalankan `flask db upgrade` bila cadangan berasal dari versi lama.")
