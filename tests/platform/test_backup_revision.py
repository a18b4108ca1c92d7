"""`flask backup restore` refuses a backup of a schema revision this code does not know,
with a clear message and a non-zero exit, and changes nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.factories import ARO, IS_PG, build_nik

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def desk(db, make_user, register):
    op = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    register(op, name="Syamsul Bahri", category="korban_bencana",
             nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3))
    return op


def _cases(db) -> list[str]:
    db.session.remove()
    return sorted(db.session.scalars(text("SELECT number FROM cases")))


@pytest.mark.skipif(IS_PG, reason="restores a SQLite backup file; the same rule on PostgreSQL "
                    "(a pg_dump archive) is test_postgres_refuses_a_dump_of_an_unknown_revision")
def test_the_cli_refuses_a_backup_of_an_unknown_revision(app, db, desk, register, db_url,
                                                         tmp_path):
    from slrt.backup.services import create_backup

    backup = tmp_path / "cadangan.db"
    create_backup(db_url, backup)
    con = sqlite3.connect(backup)
    con.execute("UPDATE alembic_version SET version_num = '0042_dari_masa_depan'")
    con.commit()
    con.close()
    register(desk, name="Nurhayati", category="pbi_tidak_aktif",
             nik=build_nik("15.04.03", date(1982, 9, 2), "P", 5))  # after the backup
    before = _cases(db)
    live = Path(db_url.removeprefix("sqlite:///"))
    revision_before = sqlite3.connect(live).execute(
        "SELECT version_num FROM alembic_version").fetchall()
    db.engine.dispose()
    env = {**os.environ, "DATABASE_URL": db_url, "SLRT_CONFIG": "development",
           "SLRT_INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "uji-cadangan"}
    proc = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "backup", "restore",
                           "--yes", str(backup)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode != 0
    assert "revisi skema 0042_dari_masa_depan yang tidak dikenal" in proc.stderr
    assert "Tidak ada yang dipulihkan" in proc.stderr
    assert "dipulihkan dari" not in proc.stdout
    assert _cases(db) == before and len(before) == 2
    assert sqlite3.connect(live).execute(
        "SELECT version_num FROM alembic_version").fetchall() == revision_before


def test_a_backup_of_a_known_older_revision_is_accepted(app, db, desk, db_url, tmp_path):
    """The check does not refuse what `flask db upgrade` can bring forward."""
    from slrt.backup.services import BackupError, check_revisions, known_revisions

    known = known_revisions()
    assert {"0001", "0007"} <= known
    check_revisions(["0007"], tmp_path / "x", known)
    with pytest.raises(BackupError):
        check_revisions(["0042_dari_masa_depan"], tmp_path / "x", known)
    with pytest.raises(BackupError):
        check_revisions([], tmp_path / "x", known)


@pytest.mark.skipif(not IS_PG, reason="restores a pg_dump archive; the same rule on SQLite (a backup file) is test_the_cli_refuses_a_backup_of_an_unknown_revision")
def test_postgres_refuses_a_dump_of_an_unknown_revision(app, db, desk, register, db_url,
                                                        tmp_path):
    from slrt.backup.services import BackupError, create_backup, pg_binary, restore_backup

    try:
        pg_binary("pg_dump"), pg_binary("pg_restore")
    except BackupError as e:
        pytest.skip(str(e))
    current = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.execute(text("UPDATE alembic_version SET version_num = '0042_dari_masa_depan'"))
    db.session.commit()
    backup = tmp_path / "cadangan.dump"
    create_backup(db_url, backup)
    db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
    db.session.commit()
    register(desk, name="Nurhayati", category="pbi_tidak_aktif",
             nik=build_nik("15.04.03", date(1982, 9, 2), "P", 5))
    before = _cases(db)
    db.session.remove()
    db.engine.dispose()  # as the CLI does: no connection of ours holds a lock
    with pytest.raises(BackupError, match="0042_dari_masa_depan yang tidak dikenal"):
        restore_backup(db_url, backup)
    assert _cases(db) == before and len(before) == 2
    assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == current
