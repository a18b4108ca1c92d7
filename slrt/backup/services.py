"""Create and restore backups of the database.

SQLite: the online backup API (sqlite3.Connection.backup), page by page under
the database's own locks, so a running app keeps working and the copy is
consistent; never a file copy (a copy taken while the WAL holds recent
commits misses them or is torn). PostgreSQL: `pg_dump -Fc`, restored with
`pg_restore --clean --if-exists --no-owner --single-transaction`.

A backup is written to a temporary file next to PATH and renamed into place,
so PATH is never half written. With the folder file store the backup is a tar
of the database's backup and the uploaded files (slrt/backup/files.py); with
the database store (the default) the files are in the database's backup.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from slrt.backup import files as archive

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# Tables every SLRT database has: a file without them is not an SLRT backup.
REQUIRED_TABLES = ("alembic_version", "users", "cases", "audit_log")


def known_revisions(migrations_dir: str | Path | None = None) -> set[str]:
    """Every schema revision this code has a migration for (its Alembic scripts)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    if migrations_dir is None:
        migrations_dir = Path(__file__).resolve().parents[2] / "migrations"
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    return {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}


def check_revisions(found: list[str], path: Path, known: set[str]) -> None:
    """Refuse a backup of a schema this code does not know: restored, the app would run
    on tables it does not understand, and `flask db upgrade` could not bring it back."""
    if not found:
        raise BackupError(f"{path} bukan berkas cadangan SLRT (revisi skema tidak tercatat).")
    unknown = [rev for rev in found if rev not in known]
    if unknown:
        raise BackupError(
            f"Cadangan {path} memakai revisi skema {', '.join(unknown)} yang tidak dikenal "
            "versi SLRT ini (mungkin dibuat oleh versi yang lebih baru). Tidak ada yang "
            "dipulihkan; pulihkan dengan versi SLRT yang membuat cadangan ini.")


class BackupError(Exception):
    """A refusal or failure, with a message for the operator (Indonesian)."""


@dataclass
class BackupInfo:
    path: Path
    engine: str
    size: int
    tables: int = 0
    files: int | None = None  # uploaded files added to the archive (folder store)
    archive: bool = False  # a tar of the database's backup and the files


def _engine_of(uri: str) -> str:
    name = make_url(uri).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Basis data {name} tidak didukung untuk cadangan.")
    return name


def _sqlite_file(uri: str) -> Path:
    database = make_url(uri).database
    if not database or database == ":memory:":
        raise BackupError("Basis data SQLite di memori tidak dapat dicadangkan.")
    return Path(database)


def _temp_next_to(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.sementara")


def _check_target(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise BackupError(f"Berkas {path} sudah ada. Gunakan --force untuk menimpanya.")
    if path.is_dir():
        raise BackupError(f"{path} adalah folder; sebutkan nama berkas cadangan.")
    if not path.parent.is_dir():
        raise BackupError(f"Folder {path.parent} tidak ada.")


# ------------------------------------------------------------------- SQLite

def _sqlite_tables(con: sqlite3.Connection) -> set[str]:
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _sqlite_create(uri: str, path: Path) -> BackupInfo:
    source = _sqlite_file(uri)
    if not source.exists():
        raise BackupError(f"Basis data {source} tidak ditemukan.")
    tmp = _temp_next_to(path)
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            # one self-contained file: no -wal beside it
            dst.execute("PRAGMA journal_mode = DELETE")
            tables = len(_sqlite_tables(dst))
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(tmp, path)
    return BackupInfo(path, "sqlite", path.stat().st_size, tables)


def _check_sqlite_backup(path: Path, known: set[str]) -> None:
    with open(path, "rb") as f:
        head = f.read(16)
    if head != SQLITE_MAGIC:
        raise BackupError(f"{path} bukan berkas cadangan SLRT (bukan berkas SQLite).")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ok = con.execute("PRAGMA quick_check").fetchone()[0]
        missing = [t for t in REQUIRED_TABLES if t not in _sqlite_tables(con)]
        revisions = [] if missing else [
            r[0] for r in con.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.DatabaseError as e:
        raise BackupError(f"{path} bukan berkas cadangan SLRT yang utuh ({e}).") from None
    finally:
        con.close()
    if ok != "ok":
        raise BackupError(f"Berkas cadangan {path} rusak: {ok}.")
    if missing:
        raise BackupError(f"{path} bukan berkas cadangan SLRT (tabel tidak ada: "
                          f"{', '.join(missing)}).")
    check_revisions(revisions, path, known)


def _sqlite_restore(uri: str, path: Path, known: set[str]) -> BackupInfo:
    _check_sqlite_backup(path, known)
    target = _sqlite_file(uri)
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)  # page by page into the live file, under its write lock
            tables = len(_sqlite_tables(dst))
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
    finally:
        src.close()
    return BackupInfo(path, "sqlite", path.stat().st_size, tables)


# --------------------------------------------------------------- PostgreSQL

def pg_binary(name: str, configured: str = "") -> str:
    """pg_dump / pg_restore: from SLRT_PG_BIN, else PATH, else the newest
    /usr/lib/postgresql/*/bin (Debian keeps them there)."""
    candidates = []
    if configured:
        candidates.append(str(Path(configured) / name))
    found = shutil.which(name)
    if found:
        candidates.append(found)
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                         key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit()
                         else 0, reverse=True)
    for c in candidates:
        if os.access(c, os.X_OK):
            return c
    raise BackupError(f"Program {name} tidak ditemukan. Pasang klien PostgreSQL "
                      "(apt-get install postgresql-client) atau isi SLRT_PG_BIN.")


def _libpq(uri: str) -> tuple[str, dict]:
    """A libpq URL without the password (it goes in PGPASSWORD, not on the
    command line where `ps` would show it)."""
    url = make_url(uri)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(cmd: list[str], env: dict, what: str) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed program, no shell
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise BackupError(f"{what} gagal (kode {proc.returncode}): "
                          f"{detail[-1] if detail else 'tanpa pesan'}")


def _pg_create(uri: str, path: Path, bin_dir: str) -> BackupInfo:
    dbname, env = _libpq(uri)
    tmp = _temp_next_to(path)
    tmp.unlink(missing_ok=True)
    try:
        _run([pg_binary("pg_dump", bin_dir), "-Fc", "--no-owner", "-f", str(tmp),
              f"--dbname={dbname}"], env, "pg_dump")
        tables = _pg_tables(tmp, bin_dir)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return BackupInfo(path, "postgresql", path.stat().st_size, len(tables))


def _pg_tables(path: Path, bin_dir: str) -> set[str]:
    proc = subprocess.run([pg_binary("pg_restore", bin_dir), "--list", str(path)],  # noqa: S603
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BackupError(f"{path} bukan berkas cadangan SLRT yang utuh "
                          f"({proc.stderr.strip().splitlines()[-1] if proc.stderr else ''}).")
    tables = set()
    for line in proc.stdout.splitlines():
        parts = line.split()
        # "215; 1259 16386 TABLE public cases slrt"
        if len(parts) >= 6 and parts[3] == "TABLE" and not line.startswith(";"):
            tables.add(parts[5])
    return tables


def _pg_revisions(path: Path, bin_dir: str) -> list[str]:
    """The rows of alembic_version in a pg_dump archive (its COPY data)."""
    proc = subprocess.run([pg_binary("pg_restore", bin_dir), "--data-only",  # noqa: S603
                           "--table=alembic_version", "--file=-", str(path)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BackupError(f"{path} bukan berkas cadangan SLRT yang utuh.")
    revisions, in_copy = [], False
    for line in proc.stdout.splitlines():
        if line.startswith("COPY ") and "alembic_version" in line:
            in_copy = True
        elif in_copy and line == "\\.":
            in_copy = False
        elif in_copy and line.strip():
            revisions.append(line.strip())
    return revisions


def _pg_restore(uri: str, path: Path, bin_dir: str, known: set[str]) -> BackupInfo:
    with open(path, "rb") as f:
        head = f.read(5)
    if head != PGDUMP_MAGIC:
        raise BackupError(f"{path} bukan berkas cadangan SLRT (bukan arsip pg_dump -Fc).")
    tables = _pg_tables(path, bin_dir)
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise BackupError(f"{path} bukan berkas cadangan SLRT (tabel tidak ada: "
                          f"{', '.join(missing)}).")
    check_revisions(_pg_revisions(path, bin_dir), path, known)
    dbname, env = _libpq(uri)
    _run([pg_binary("pg_restore", bin_dir), "--clean", "--if-exists", "--no-owner",
          "--single-transaction", f"--dbname={dbname}", str(path)], env, "pg_restore")
    return BackupInfo(path, "postgresql", path.stat().st_size, len(tables))


# --------------------------------------------------------------------- API

def create_backup(uri: str, path: str | Path, *, force: bool = False,
                  pg_bin: str = "", files=None) -> BackupInfo:
    """The database's backup at `path`; with `files` (a folder store), a tar of
    it and every file of the store."""
    path = Path(path)
    engine = _engine_of(uri)
    _check_target(path, force)
    if files is None:
        return _create_database(engine, uri, path, pg_bin)
    part = path.with_name(f".{path.name}.{os.getpid()}.basis-data")
    tmp = _temp_next_to(path)
    try:
        made = _create_database(engine, uri, part, pg_bin)
        count = archive.write_archive(part, files, tmp)
        os.replace(tmp, path)
    finally:
        part.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return BackupInfo(path, engine, path.stat().st_size, made.tables, files=count,
                      archive=True)


def _create_database(engine: str, uri: str, path: Path, pg_bin: str) -> BackupInfo:
    if engine == "sqlite":
        return _sqlite_create(uri, path)
    return _pg_create(uri, path, pg_bin)


def restore_backup(uri: str, path: str | Path, *, pg_bin: str = "",
                   migrations_dir: str | Path | None = None) -> BackupInfo:
    """Replace the database with the backup at `path`, after checking that it is an SLRT
    backup of a schema revision this code knows (nothing is changed otherwise)."""
    path = Path(path)
    engine = _engine_of(uri)
    if not path.is_file():
        raise BackupError(f"Berkas cadangan {path} tidak ditemukan.")
    known = known_revisions(migrations_dir)
    if not archive.is_archive(path):
        if engine == "sqlite":
            return _sqlite_restore(uri, path, known)
        return _pg_restore(uri, path, pg_bin, known)
    part = None
    try:
        archive.check_archive(path)
        with archive.database_part(path) as part:
            if engine == "sqlite":
                info = _sqlite_restore(uri, part, known)
            else:
                info = _pg_restore(uri, part, pg_bin, known)
    except archive.ArchiveError as e:
        raise BackupError(f"{path} bukan berkas cadangan SLRT ({e}).") from None
    except BackupError as e:  # name the archive, not its temporary part
        raise BackupError(str(e).replace(str(part), str(path)) if part else str(e)) from None
    return BackupInfo(path, engine, path.stat().st_size, info.tables, archive=True)
