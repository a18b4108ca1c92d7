"""Desks registering at the same moment, on SQLite and on PostgreSQL alike.

SQLite has one writer at a time; PostgreSQL writes concurrently and needs
the advisory lock of `write_lock` to give the same outcome: two desks
registering the same resident and category at once open one case, two
desks registering the same new NIK at once create one person, and nothing
is lost under load.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, text

from tests.factories import ARO, OLAK, build_nik

ROOT = Path(__file__).resolve().parents[2]

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
    # and without a gap: each month's numbers count 1, 2, 3... whatever the
    # order the four processes took them in
    months: dict[str, list[int]] = {}
    for number in numbers:
        month, _sep, seq = number.rpartition("-")
        months.setdefault(month, []).append(int(seq))
    assert all(sorted(seqs) == list(range(1, len(seqs) + 1)) for seqs in months.values()), \
        sorted(numbers)


def _register_and_hold(app, user_id: int, nik: str, name: str, village: str, category: str, *,
                       registered: threading.Event | None = None, hold: float = 0.0,
                       wait_for: threading.Event | None = None):
    """A desk's registration in a request of its own. With `registered` and
    `hold`, it signals once its case is written and keeps its transaction
    open a while before committing (the other desk starts meanwhile)."""
    from slrt.auth.models import User
    from slrt.cases import services
    from slrt.common.time import now_utc
    from slrt.extensions import db

    if wait_for is not None:
        assert wait_for.wait(10)
    with app.test_request_context("/kasus/baru", method="POST"):
        try:
            user = db.session.get(User, user_id)
            case = services.register_case(
                user, services.PersonInput(name=name, nik=nik),
                services.ComplaintInput(village_code=village, category_code=category,
                                        description="Bantuan sembako berhenti sejak Agustus.",
                                        channel="datang_langsung", urgency="biasa"),
                now=now_utc(), case_prefix="BH")
            if registered is not None:
                registered.set()
            time.sleep(hold)
            db.session.commit()
            return case.number
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def _run_two_desks(app, first: dict, second: dict):
    """Desk A writes its case and holds its transaction 0.5 s; desk B
    registers meanwhile. Returns each desk's case number or exception."""
    results: dict[str, object] = {}
    a_registered = threading.Event()

    def desk(key, kwargs):
        try:
            results[key] = _register_and_hold(app, **kwargs)
        except Exception as e:  # noqa: BLE001 - reported by the callers' assertions
            results[key] = e

    a = threading.Thread(target=desk, args=("a", {**first, "registered": a_registered,
                                                  "hold": 0.5}))
    b = threading.Thread(target=desk, args=("b", {**second, "wait_for": a_registered}))
    a.start()
    b.start()
    a.join(30)
    b.join(30)
    return results


def test_two_desks_registering_the_same_resident_and_category_open_one_case(app, db,
                                                                            make_user):
    from slrt.cases.services import DuplicateOpenCase

    desk_a = make_user("operator", villages=[ARO], full_name="Rina Marlina").id
    desk_b = make_user("operator", villages=[ARO], full_name="Yuliana Sari").id
    db.session.remove()
    nik = build_nik("15.04.03", date(1957, 2, 17), "L", 3)
    # the resident is known already (an earlier complaint of another category)
    _register_and_hold(app, desk_a, nik, "Abdul Rahman", ARO, "pbi_tidak_aktif")
    same = {"nik": nik, "name": "Abdul Rahman", "village": ARO,
            "category": "bansos_tidak_diterima"}
    results = _run_two_desks(app, {**same, "user_id": desk_a}, {**same, "user_id": desk_b})
    assert isinstance(results.get("a"), str), results.get("a")
    assert isinstance(results.get("b"), DuplicateOpenCase), results.get("b")
    assert results["a"] in str(results["b"])
    assert db.session.scalar(text(
        "SELECT count(*) FROM cases WHERE category_code = 'bansos_tidak_diterima'")) == 1
    assert db.session.scalar(text("SELECT count(*) FROM persons")) == 1


def test_two_desks_registering_the_same_new_nik_create_one_person(app, db, make_user):
    """Two complaints of different categories for a resident nobody knew:
    both are registered, on the one person the first desk created."""
    desk_a = make_user("operator", villages=[ARO], full_name="Rina Marlina").id
    desk_b = make_user("fasilitator", villages=[ARO, OLAK], full_name="Joko Susilo").id
    db.session.remove()
    nik = build_nik("15.04.03", date(1990, 11, 30), "P", 8)
    results = _run_two_desks(
        app,
        {"user_id": desk_a, "nik": nik, "name": "Dewi Lestari", "village": ARO,
         "category": "pbi_tidak_aktif"},
        {"user_id": desk_b, "nik": nik, "name": "Dewi Lestari", "village": ARO,
         "category": "bansos_tidak_diterima"})
    assert isinstance(results.get("a"), str), results.get("a")
    assert isinstance(results.get("b"), str), results.get("b")
    assert db.session.scalar(text("SELECT count(*) FROM persons")) == 1
    beneficiaries = db.session.scalars(text("SELECT beneficiary_id FROM cases")).all()
    assert len(beneficiaries) == 2 and len(set(beneficiaries)) == 1

