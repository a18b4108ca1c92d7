"""SQLite under concurrent writers: WAL, busy timeout, foreign keys, and
write transactions that start with BEGIN IMMEDIATE.

With a plain (deferred) BEGIN a transaction reads first and asks for the
write lock at its first write; in WAL mode, when another connection has
committed in between, SQLite answers "database is locked" at once, whatever
the busy timeout. These tests fail when the BEGIN IMMEDIATE of
slrt/__init__.py is removed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.conftest import ARO, IS_PG, OLAK, build_nik

pytestmark = pytest.mark.skipif(IS_PG, reason="SQLite locking; PostgreSQL has row locks")

ROOT = Path(__file__).resolve().parent.parent


def test_every_connection_has_wal_busy_timeout_foreign_keys_and_no_driver_begin(app, db):
    with app.test_request_context("/kasus/baru", method="POST"), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        # the driver never sends a BEGIN of its own: the engine's begin event does
        assert conn.connection.dbapi_connection.isolation_level is None
        assert conn.connection.dbapi_connection.in_transaction  # BEGIN IMMEDIATE was sent
        conn.rollback()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_change_request_holds_the_write_lock_from_its_first_statement(app, db, method):
    """A second writer cannot start while a POST's transaction, which has only
    read so far, is open."""
    import sqlite3

    with app.test_request_context("/kasus/baru", method=method):
        db.session.execute(select(func.count()).select_from(text("cases"))).scalar()
        other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
        db.session.rollback()


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


def _register(app, user_id: int, nik: str, name: str, village: str, *,
              read_first_then_wait: float = 0.0, started: threading.Event | None = None):
    """One operator registering a complaint in a request of its own (own session)."""
    from slrt.auth.models import User
    from slrt.cases import services
    from slrt.cases.models import Case
    from slrt.common.time import now_utc
    from slrt.extensions import db

    with app.test_request_context("/kasus/baru", method="POST"):
        try:
            if read_first_then_wait:
                # the desk looks the person up first (a read), then the operator types
                db.session.scalar(select(func.count(Case.id)))
                if started is not None:
                    started.set()
                time.sleep(read_first_then_wait)
            user = db.session.get(User, user_id)
            case = services.register_case(
                user, services.PersonInput(name=name, nik=nik),
                services.ComplaintInput(village_code=village, category_code="pbi_tidak_aktif",
                                        description="KIS tidak aktif saat berobat.",
                                        channel="datang_langsung", urgency="biasa"),
                now=now_utc(), case_prefix="BH")
            db.session.commit()
            return case.number
        finally:
            db.session.remove()


def test_two_desks_registering_at_the_same_moment_both_succeed(app, db, make_user):
    """Desk A reads, then writes 0.4 s later; desk B registers meanwhile.

    Deferred BEGIN: B commits first, A's write finds its snapshot stale and
    fails with "database is locked" although the busy timeout is 5 s.
    BEGIN IMMEDIATE: B waits until A commits, then both succeed.
    """
    aro_id = make_user("operator", villages=[ARO]).id
    olak_id = make_user("operator", villages=[OLAK]).id
    db.session.remove()
    results: dict[str, object] = {}
    a_has_read = threading.Event()

    def desk(key, *args, **kw):
        try:
            results[key] = _register(app, *args, **kw)
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            results[key] = e

    a = threading.Thread(target=desk, args=(
        "a", aro_id, build_nik("15.04.03", date(1968, 3, 12), "P", 21), "Siti Rohani", ARO),
        kwargs={"read_first_then_wait": 0.4, "started": a_has_read})
    b = threading.Thread(target=desk, args=(
        "b", olak_id, build_nik("15.04.03", date(1959, 8, 1), "L", 37), "Abdul Karim", OLAK))
    a.start()
    assert a_has_read.wait(5)
    b.start()
    a.join(20)
    b.join(20)
    assert isinstance(results.get("a"), str), results.get("a")
    assert isinstance(results.get("b"), str), results.get("b")
    assert results["a"] != results["b"]
    assert db.session.scalar(select(func.count()).select_from(text("cases"))) == 2


WORKER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from slrt import create_app
    from slrt.auth.models import User
    from slrt.cases import services
    from slrt.common.time import now_utc
    from slrt.extensions import db

    url, user_id, village, first, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], \\
        int(sys.argv[4]), int(sys.argv[5])
    app = create_app("testing", overrides={{"SQLALCHEMY_DATABASE_URI": url}})
    names = ["Siti Aminah", "Muhammad Yusuf", "Nurhayati", "Rahmat Hidayat", "Dewi Lestari"]
    failures = 0
    for i in range(first, first + count):
        # each registration in a request of its own, as in a gunicorn worker
        with app.test_request_context("/kasus/baru", method="POST"):
            user = db.session.get(User, user_id)
            nik = "150403" + f"{{(i % 28) + 1:02d}}" + "0775" + f"{{i:04d}}"
            try:
                services.register_case(
                    user, services.PersonInput(name=names[i % 5], nik=nik),
                    services.ComplaintInput(village_code=village,
                                            category_code="bansos_tidak_diterima",
                                            description="Bantuan tidak diterima bulan ini.",
                                            channel="datang_langsung", urgency="biasa"),
                    now=now_utc(), case_prefix="BH")
                db.session.commit()
            except Exception as e:
                db.session.rollback()
                failures += 1
                print("GAGAL", type(e).__name__, str(e).splitlines()[0], file=sys.stderr)
    print("failures", failures)
""")


def test_four_processes_registering_concurrently_lose_nothing(app, db, make_user, db_url,
                                                             tmp_path):
    """Four worker processes (like gunicorn's) each register 15 complaints at once."""
    villages = [ARO, OLAK, "15.04.03.2018", "15.04.03.1001"]
    user_ids = [make_user("operator", villages=[v]).id for v in villages]
    db.session.remove()
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(root=str(ROOT)))
    per = 15
    procs = [subprocess.Popen([sys.executable, str(script), db_url, str(uid), v,
                               str(1 + k * per), str(per)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k, (uid, v) in enumerate(zip(user_ids, villages, strict=True))]
    outputs = [p.communicate(timeout=180) for p in procs]
    errors = "".join(err for _out, err in outputs)
    assert "database is locked" not in errors, errors[-2000:]
    assert all(out.strip().endswith("failures 0") for out, _err in outputs), errors[-2000:]
    numbers = db.session.scalars(text("SELECT number FROM cases")).all()
    assert len(numbers) == 4 * per
    assert len(set(numbers)) == len(numbers)
