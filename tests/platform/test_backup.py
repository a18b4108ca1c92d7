"""`flask backup create|restore`, run as the admin runs them (a subprocess): a
populated database survives the round trip table by table, on SQLite (online
backup API) and PostgreSQL (pg_dump)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect, text

from tests.commands import command, said
from tests.factories import ARO, IS_PG, OLAK, build_nik

pytestmark = pytest.mark.usefixtures("pg_tools")


def snapshot(db) -> dict[str, list]:
    """Every row of every table, in a stable order."""
    db.session.remove()
    out = {}
    with db.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()  # noqa: S608
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out


@pytest.fixture
def populated(db, make_user, make_registry, register):
    """Cases, a referral, registry records, audit rows: a working desk's data."""
    from slrt.audit.services import audit
    from slrt.referrals import services as referrals

    op = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    make_user("handler", programs=["BENCANA_LOG"], full_name="Yusnita Harahap")
    rec = make_registry("Syamsul Bahri", birth=date(1978, 3, 12))
    make_registry("Nurhayati", village=OLAK, birth=date(1982, 9, 2), sex="P")
    fire = register(op, category="korban_bencana", urgency="darurat", nik=rec.nik,
                    name="Syamsul Bahri", description="Rumah terbakar habis; KK ikut terbakar.")
    register(op, nik=build_nik("15.04.03", date(1961, 1, 5), "P", 44), name="Siti Aminah")
    referrals.refer(op, fire, ["BENCANA_LOG"], "Mohon bantuan logistik segera.",
                    now=datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    audit("lihat_kasus", object_type="case", object_id=fire.id, person_id=fire.beneficiary_id,
          user=op)
    db.session.commit()
    return {"op_id": op.id, "fire_id": fire.id}


def change_everything(db, populated, register):
    """What happens after the backup: edits, deletions, new rows."""
    from slrt.auth.models import User

    register(db.session.get(User, populated["op_id"]), nik=build_nik("15.04.03", date(1990, 7, 21), "L", 9),
             name="Muhammad Yusuf")
    db.session.execute(text("UPDATE cases SET description = 'diubah setelah cadangan'"))
    db.session.execute(text("DELETE FROM registry_records WHERE name = 'Nurhayati'"))
    db.session.execute(text("UPDATE users SET full_name = 'Nama Lain'"))
    db.session.commit()


def backup(db, db_url, tmp_path, *args, ok=True, stdin=None) -> str:
    """`flask backup ...` as the admin runs it; what it printed."""
    db.session.remove()
    return said(command(db_url, tmp_path, "backup", *map(str, args), ok=ok, stdin=stdin))


def test_round_trip_restores_every_table_as_it_was(db, db_url, populated, register, tmp_path):
    before = snapshot(db)
    assert before["cases"] and before["referrals"] and before["audit_log"]
    assert before["registry_records"] and before["case_events"]
    target = tmp_path / "slrt-2026-11-27.cadangan"

    made = backup(db, db_url, tmp_path, "create", target)
    assert "Cadangan dibuat" in made and target.stat().st_size > 0

    change_everything(db, populated, register)
    assert snapshot(db) != before

    assert "dipulihkan" in backup(db, db_url, tmp_path, "restore", target, "--yes")
    after = snapshot(db)
    assert sorted(after) == sorted(before)
    for table in before:
        assert after[table] == before[table], table


def test_an_existing_backup_is_not_overwritten_without_force(db, db_url, populated, tmp_path):
    target = tmp_path / "cadangan.db"
    target.write_bytes(b"cadangan kemarin")
    refused = backup(db, db_url, tmp_path, "create", target, ok=False)
    assert "sudah ada" in refused and "--force" in refused
    assert target.read_bytes() == b"cadangan kemarin"

    backup(db, db_url, tmp_path, "create", target, "--force")
    assert target.read_bytes() != b"cadangan kemarin"
    assert not list(tmp_path.glob(".*sementara"))  # no temporary file left behind


def test_restore_refuses_files_that_are_not_backups(db, db_url, populated, tmp_path):
    before = snapshot(db)
    notes = tmp_path / "catatan.txt"
    notes.write_text("Daftar hadir Musdes Desa Aro\n" * 50)
    other = tmp_path / "lain.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE penduduk (nik TEXT)")
    con.commit()
    con.close()
    for path in (notes, other, tmp_path / "tidak-ada.db"):
        output = backup(db, db_url, tmp_path, "restore", path, "--yes", ok=False)
        assert "bukan berkas cadangan SLRT" in output or "tidak ditemukan" in output, path
    assert snapshot(db) == before


def test_restore_asks_before_replacing_the_data(db, db_url, populated, tmp_path):
    target = tmp_path / "cadangan.db"
    backup(db, db_url, tmp_path, "create", target)
    answer = backup(db, db_url, tmp_path, "restore", target, ok=False, stdin="n\n")
    assert "Semua data saat ini akan diganti" in answer
    assert snapshot(db)["cases"]  # nothing was replaced


@pytest.mark.skipif(IS_PG, reason="the -wal file is SQLite's; on PostgreSQL pg_dump takes one "
                    "consistent snapshot, and the round trip above checks it on both engines")
def test_sqlite_backup_is_one_consistent_file_with_the_commits_still_in_the_wal(
        app, db, populated, tmp_path):
    """The latest commits sit in the -wal file; a copy of the main file misses
    them, the backup API does not."""
    from slrt.backup.services import create_backup

    live = db.engine.url.database
    db.session.remove()
    with db.engine.connect() as conn:  # a reader keeps the WAL from being checkpointed away
        conn.execute(text("SELECT 1")).all()
        wal = __import__("pathlib").Path(live + "-wal")
        assert wal.exists() and wal.stat().st_size > 0
        info = create_backup(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "b.db")
        conn.rollback()
    con = sqlite3.connect(info.path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 2
        assert con.execute("SELECT count(*) FROM referrals").fetchone()[0] == 1
    finally:
        con.close()
    assert not (tmp_path / "b.db-wal").exists()
