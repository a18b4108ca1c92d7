"""`flask backup create PATH` and `flask backup restore PATH`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from slrt.backup import files
from slrt.backup.services import BackupError, create_backup, restore_backup
from slrt.extensions import db
from slrt.platform import storage

backup_cli = AppGroup("backup", help="Cadangan basis data: buat dan pulihkan.")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Timpa berkas cadangan yang sudah ada.")
def create_command(path: str, force: bool):
    """Buat cadangan basis data ke berkas PATH (aplikasi boleh tetap berjalan)."""
    store = storage.backend()
    folder = store if isinstance(store, storage.FolderStorage) else None
    try:
        info = create_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path, force=force,
                             pg_bin=current_app.config.get("SLRT_PG_BIN", ""), files=folder)
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Cadangan dibuat: {info.path} ({_size(info.size)}, {info.tables} tabel).")
    if folder is not None:
        click.echo(f"Berkas unggahan: {info.files} berkas dari {folder.root} ikut dicadangkan.")
    else:
        click.echo(f"Berkas unggahan: {len(store.keys())} berkas, di dalam basis data.")


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
    _restore_files(info)


def _restore_files(info) -> None:
    """The uploaded files into the store this installation uses now."""
    store = storage.backend()
    if not _has_storage_tables():
        return  # a backup from before the file store: `flask db upgrade` brings the files
    if info.archive:
        count = files.restore_from_archive(info.path, store)
    elif isinstance(store, storage.FolderStorage):
        count = files.restore_into_folder(store)
    else:
        count = len(store.keys())
    db.session.commit()
    click.echo(f"Berkas unggahan dipulihkan: {count} berkas ({store.name}).")


def _has_storage_tables() -> bool:
    from sqlalchemy import inspect

    return inspect(db.engine).has_table("stored_files")


storage_cli = AppGroup("storage", help="Penyimpanan berkas unggahan (pindaian, foto, berkas impor).")


@storage_cli.command("migrate")
def storage_migrate_command():
    """Pindahkan berkas unggahan dari penyimpanan lain ke yang dipakai sekarang (SLRT_STORAGE)."""
    target = storage.backend()
    if isinstance(target, storage.FolderStorage):
        source = storage.DatabaseStorage()
    else:
        source = storage.FolderStorage(storage.folder_root())
    moved = 0
    for key in source.keys():
        # Copied and committed first, removed from the source after: a stop
        # half-way leaves a file in both places, never in neither.
        storage.copy(source, target, key)
        db.session.commit()
        source.delete(key)
        db.session.commit()
        moved += 1
    where = f"folder {target.root}" if isinstance(target, storage.FolderStorage) \
        else "basis data"
    click.echo(f"{moved} berkas dipindahkan ke {where}.")
