"""SQLite under concurrent writers: WAL, busy timeout, foreign keys, and
write transactions that start with BEGIN IMMEDIATE, taken after a request's
read phase.

With a plain (deferred) BEGIN a transaction reads first and asks for the
write lock at its first write; in WAL mode, when another connection has
committed in between, SQLite answers "database is locked" at once, whatever
the busy timeout. These tests fail when the BEGIN IMMEDIATE of
slrt/platform/db.py is removed. What concurrency must give on both engines
(no lost registration, no second open case) is in test_concurrency.py.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.factories import ARO, IS_PG, build_nik
from tests.http import login, post

pytestmark = pytest.mark.skipif(IS_PG, reason="checks when SQLite's database-wide write lock is taken (BEGIN IMMEDIATE), "
                                "which PostgreSQL does not have; the outcomes this lock guards are "
                                "tested on both engines in test_concurrency.py")

ROOT = Path(__file__).resolve().parents[2]


def test_every_connection_has_wal_busy_timeout_foreign_keys_and_no_driver_begin(app, db):
    with app.test_request_context("/kasus/baru", method="POST"), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        # the driver never sends a BEGIN of its own: the engine's begin event does
        assert conn.connection.dbapi_connection.isolation_level is None
        assert conn.connection.dbapi_connection.in_transaction  # the engine's BEGIN was sent
        conn.rollback()


def _write_lock_taken(path: str) -> bool:
    """Whether another connection is refused the write lock right now."""
    import sqlite3

    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as e:
        assert "locked" in str(e)
        return True
    finally:
        other.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_change_request_reads_without_the_lock_until_it_holds_it(app, db, method):
    """The read phase (login gate, CSRF check) does not block other writers;
    from hold_write_lock() on, the request holds the lock and reads the newest
    data, as under a BEGIN IMMEDIATE."""
    import sqlite3

    from slrt.platform.db import hold_write_lock

    path = db.engine.url.database
    with app.test_request_context("/kasus/baru", method=method):
        assert db.session.scalar(text("SELECT count(*) FROM sequences")) == 0
        assert not _write_lock_taken(path)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("INSERT INTO sequences (name, value) VALUES ('lain', 1)")
        other.close()
        hold_write_lock()
        assert _write_lock_taken(path)
        # a fresh snapshot: the other writer's row is seen, not the old count
        assert db.session.scalar(text("SELECT count(*) FROM sequences")) == 1
        db.session.rollback()
    assert not _write_lock_taken(path)


@pytest.fixture
def desk(client, make_user):
    user = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    login(client, user)
    return user


def test_a_changing_view_holds_the_write_lock_from_its_start(app, db, client, desk, register,
                                                             monkeypatch):
    """A view that is not marked @locks_late (here: a note on a case) runs all
    of it under the lock, as a plain BEGIN IMMEDIATE would."""
    from slrt.cases import services

    case = register(desk, nik=build_nik("15.04.03", date(1970, 1, 1), "L", 1), name="Rahmat")
    db.session.commit()
    seen = []
    real = services.add_note

    def probing(*args, **kw):
        seen.append(_write_lock_taken(db.engine.url.database))
        return real(*args, **kw)

    monkeypatch.setattr(services, "add_note", probing)
    resp = post(client, f"/kasus/{case.id}/catatan", {"text": "Sudah ditelepon ke BPJS."})
    assert resp.status_code == 302
    assert seen == [True]


def test_a_registration_is_checked_without_the_lock_and_decided_under_it(
        app, db, client, desk, monkeypatch):
    """The complaint form (@locks_late): its registry lookup runs while other
    desks write; from the person check to the commit the request holds the
    lock, so two desks never both create the NIK's person or the same number."""
    from slrt.cases import services

    seen = {}
    path = db.engine.url.database
    real_lookup, real_number = services.registry.current_id_by_nik, services.next_case_number

    def lookup(nik):
        seen["lookup"] = _write_lock_taken(path)
        return real_lookup(nik)

    def number(*args):
        seen["number"] = _write_lock_taken(path)
        return real_number(*args)

    monkeypatch.setattr(services.registry, "current_id_by_nik", lookup)
    monkeypatch.setattr(services, "next_case_number", number)
    resp = post(client, "/kasus/baru", {
        "step": "simpan", "village_code": ARO, "category_code": "pbi_tidak_aktif",
        "channel": "datang_langsung", "urgency": "biasa", "reporter_is_beneficiary": "ya",
        "description": "KIS ditolak di puskesmas.", "name": "Siti Rohani",
        "nik": build_nik("15.04.03", date(1968, 3, 12), "P", 21)})
    assert resp.status_code == 302, resp.text
    assert seen == {"lookup": False, "number": True}


def test_a_page_view_reads_without_the_write_lock_and_still_writes_its_audit_row(
        app, db, make_user, register):
    """A GET reads on a deferred snapshot (writers are not blocked); when it then
    writes the audit log after another request committed, it does not fail."""
    import sqlite3

    from slrt.audit.models import AuditEntry
    from slrt.audit.services import audit

    case_id = register(make_user("operator", villages=[ARO]), name="Siti Rohani").id
    db.session.remove()
    with app.test_request_context(f"/kasus/{case_id}", method="GET"):
        assert db.session.execute(text("SELECT count(*) FROM cases")).scalar() == 1
        other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # not blocked by the page view
        other.execute("UPDATE sequences SET value = value + 1")
        other.execute("COMMIT")
        other.close()
        audit("lihat_kasus", object_type="case", object_id=case_id, commit=True)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "lihat_kasus", AuditEntry.object_id == case_id)) == 1


def test_migrations_run_under_begin_immediate(tmp_path):
    """`flask db upgrade` on a fresh file, as in production (no test mode)."""
    import os

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'baru.db'}",
           "SLRT_CONFIG": "development", "SECRET_KEY": "uji-migrasi-" + "x" * 32}
    proc = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    import sqlite3

    con = sqlite3.connect(tmp_path / "baru.db")
    assert con.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'audit_log'"
                       ).fetchone()[0] == 1
    con.close()
