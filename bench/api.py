"""Benchmark the JSON API beside the same service calls in-process.

Usage:

    .venv/bin/python bench/api.py [--rows 20000] [--reps 300]
    .venv/bin/python bench/api.py --rows 1000000 --reps 1000   # the issue's scale

Builds a fresh SQLite database the project's way (migrations, the regions of
Batanghari, Muaro Jambi and Kota Jambi, the categories and programs),
imports the province-scale SIKS-NG file of bench/registry_import.py (ROWS
records; generated into bench/out/ if missing) with the project's importer,
creates an API client acting as the regency's supervisor, then times:

* registry check of one NIK (nine in ten listed, one in ten not):
  `POST /api/v1/registry/check` through the Flask test client (the whole
  request: token lookup, throttle, parsing, the query, the audit entry and
  the commit of the request's unit of work, the JSON answer), beside the
  service it calls, `slrt.dtks.queries.check_identifier`, in-process, alone
  and with the audit entry every door writes and its commit;
* complaint registration of a listed resident (a new NIK each time, so no
  duplicate is refused): `POST /api/v1/complaints`, without and with an
  Idempotency-Key, beside `slrt.cases.services.register_case` and the
  commit in-process (the service writes the case, its registry evidence, the
  person and the timeline; the API adds the form's checks, the audit entry
  and the answer).

Prints median and p95 in ms and the ratio API / in-process (of the medians).
No pass/fail exit code.
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402  (bench/ on the path first)

WARM = 30


def _build(tmp: str, rows: int):
    import registry_import as bench_import  # the sibling benchmark: same file

    app, db_path, load = bench_import.loaded_app(tmp, rows)
    from slrt.cases.catalog import load_categories
    from slrt.extensions import db
    from slrt.referrals.catalog import load_programs

    app.config["SLRT_API_RATE_LIMIT"] = "100000000/minute"  # the throttle is not timed
    with app.app_context():
        load_categories()
        load_programs()
        db.session.commit()
    return app, db_path, load


def main() -> int:
    args = common.arguments(__doc__, rows=20_000, reps=300)
    with tempfile.TemporaryDirectory(prefix="slrt-bench-api-") as tmp:
        app, db_path, load = _build(tmp, args.rows)
        con = sqlite3.connect(db_path)
        total = con.execute("SELECT COUNT(*) FROM registry_records").fetchone()[0]
        listed = con.execute("SELECT nik, name, village_code FROM registry_records "
                             "WHERE is_active AND village_code LIKE '15.04.%'").fetchall()
        con.close()
        rng = random.Random(14)
        rng.shuffle(listed)
        n = args.reps + WARM
        checks = [rng.choice(listed)[0] if rng.random() < 0.9 else  # else a valid, unlisted NIK
                  f"150403{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}"
                  f"{rng.randint(50, 99):02d}{rng.randint(9000, 9999):04d}"
                  for _ in range(3 * n)]
        people = iter(listed)

        from slrt.api import services as api_services
        from slrt.audit.services import audit
        from slrt.auth.models import User
        from slrt.cases import services as cases
        from slrt.dtks.queries import check_identifier
        from slrt.extensions import db

        with app.app_context():
            admin_id, sup_id = common.add_users(("admin", "admin", {}),
                                                ("supervisor", "supervisor", {}))
            _client, token = api_services.create_client(
                db.session.get(User, admin_id), "Dasbor Kabupaten", "supervisor",
                kabupaten="15.04", villages=[], programs=[], expires_at=None,
                now=datetime.now(UTC))
            db.session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        results = {}

        # -- registry check
        it = iter(checks)
        with app.app_context():
            user = db.session.get(User, sup_id)

            def service_check():
                found = check_identifier(user, next(it))
                _ = found.record and found.record.village.name
                db.session.expire_all()

            results["check_service"] = common.timed(service_check, args.reps, WARM)
            db.session.rollback()

            def service_check_audited():  # what the desk's page also writes: the entry
                found = check_identifier(user, next(it))
                record = found.record
                audit("lihat_orang", user=user, object_type="registry",
                      object_id=record.id if record else None,
                      detail={"nik": found.nik_masked, "ditemukan": bool(record)}, commit=True)
                db.session.expire_all()

            results["check_service_audit"] = common.timed(service_check_audited, args.reps,
                                                          WARM)

        def api_check():
            resp = client.post("/api/v1/registry/check", json={"nik": next(it)},
                               headers=headers)
            assert resp.status_code == 200, resp.text

        results["check_api"] = common.timed(api_check, args.reps, WARM)

        # -- complaint registration
        def complaint(person) -> dict:
            nik, name, village = person
            return {"village_code": village, "category_code": "pbi_tidak_aktif",
                    "description": "Kartu PBI tidak aktif saat berobat ke puskesmas.",
                    "name": name.title(), "nik": nik, "channel": "laporan_desa"}

        with app.app_context():
            user = db.session.get(User, sup_id)

            def service_register():
                c = complaint(next(people))
                cases.register_case(
                    user, cases.PersonInput(name=c["name"], nik=c["nik"]),
                    cases.ComplaintInput(village_code=c["village_code"],
                                         category_code=c["category_code"],
                                         description=c["description"], channel=c["channel"]),
                    now=datetime.now(UTC), case_prefix="BH")
                db.session.commit()

            results["register_service"] = common.timed(service_register, args.reps, WARM)

        def api_register(key: bool):
            def call():
                extra = {"Idempotency-Key": uuid.uuid4().hex} if key else {}
                resp = client.post("/api/v1/complaints", json=complaint(next(people)),
                                   headers={**headers, **extra})
                assert resp.status_code == 201, resp.text
            return call

        results["register_api"] = common.timed(api_register(False), args.reps, WARM)
        results["register_api_key"] = common.timed(api_register(True), args.reps, WARM)
        common.dispose(app)

    s = {k: common.stats(v) for k, v in results.items()}
    common.print_machine(f", load average {os.getloadavg()[0]:.1f}")
    print(f"{total:,} registry records (imported in {load:.0f} s); {args.reps} timed calls "
          f"each after {WARM} untimed")
    rows = [("registry check: in-process check_identifier", "check_service", "check_service"),
            ("registry check: in-process + its audit entry + commit", "check_service_audit",
             "check_service"),
            ("registry check: POST /api/v1/registry/check", "check_api", "check_service"),
            ("registration: in-process register_case + commit", "register_service",
             "register_service"),
            ("registration: POST /api/v1/complaints", "register_api", "register_service"),
            ("registration: POST /api/v1/complaints + Idempotency-Key", "register_api_key",
             "register_service")]
    common.print_table(f"{'call':<58} {'median ms':>10} {'p95 ms':>8} {'ratio':>6}", (
        f"{name:<58} {s[key][0]:>10.2f} {s[key][1]:>8.2f} "
        f"{common.ratio(s[key][0], s[base][0]):>6.1f}" for name, key, base in rows))
    print("(ratio = median / the in-process median of the same service)")
    return 0


if __name__ == "__main__":
    common.run(main)
