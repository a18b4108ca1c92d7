"""Benchmark the case list (slrt.cases.queries.list_cases) against bare SQLite.

Usage: python bench/case_list.py [--cases 300000] [--reps 200]

Builds a fresh SQLite database in a temp dir the project's way (migrations,
regions, categories, programs, two users), bulk-loads N cases with one person
each over the 21 villages of Kecamatan Muara Bulian, then times each scenario
through the project's query layer and through the equivalent bare SQL with the
stdlib sqlite3 module on the same file. Prints medians, p95 and the ratio;
there is no pass/fail.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)  # config.py lives at the repo root

OPERATOR_VILLAGE = "15.04.03.2013"
CATEGORIES = ["pbi_tidak_aktif", "bansos_tidak_diterima", "sktm", "korban_bencana"]
FIRST = ["SITI", "NUR", "AHMAD", "MUHAMMAD", "RINA", "DEWI", "BUDI", "SRI", "AGUS", "WATI",
         "RAHMAT", "FITRI", "HENDRA", "YANTI", "SYAMSUL", "MASNAH", "ZULKIFLI", "ROSMIATI"]
LAST = ["AMINAH", "HARAHAP", "SIREGAR", "SUSANTI", "HIDAYAT", "RAHMAWATI", "SAPUTRA",
        "LESTARI", "NASUTION", "HASIBUAN", "PURNAMA", "WAHYUNI", "ARIFIN", "KURNIAWAN"]
DESCRIPTIONS = ["Kartu PBI tidak aktif saat berobat ke puskesmas.",
                "Bantuan sosial tidak diterima sejak tiga bulan terakhir.",
                "Memerlukan surat keterangan tidak mampu untuk sekolah anak.",
                "Rumah terdampak banjir, membutuhkan bantuan darurat."]


def setup_app(tmp: str):
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    os.environ["SLRT_CONFIG"] = "development"
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from slrt import create_app

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        from slrt.auth.services import create_user
        from slrt.cases.catalog import load_categories
        from slrt.extensions import db
        from slrt.referrals.catalog import load_programs
        from slrt.regions.services import load_regions

        upgrade()
        load_regions("15.04")
        load_categories()
        load_programs()
        op = create_user("bench_operator", "operator", password="bench-password-1",
                         kabupaten="15.04", villages=[OPERATOR_VILLAGE])
        sup = create_user("bench_supervisor", "supervisor", password="bench-password-1",
                          kabupaten="15.04", villages=[])
        db.session.commit()
        return app, op.id, sup.id


def generate(path: str, n: int, operator_id: int) -> dict:
    from slrt.demo.registry import MUARA_BULIAN_2022_07

    rng = random.Random(20240501)
    codes = [v[0] for v in MUARA_BULIAN_2022_07]
    weights = [v[2] for v in MUARA_BULIAN_2022_07]
    villages = rng.choices(codes, weights=weights, k=n)
    start = datetime(2022, 1, 1)
    step = (datetime(2024, 12, 31) - start) / n
    persons, cases = [], []
    for i in range(1, n + 1):
        ts = start + step * i
        stamp = ts.strftime("%Y-%m-%d %H:%M:%S.%f")
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        village = villages[i - 1]
        persons.append((i, f"150403{i:010d}", f"1504039{(i + 2) // 3:09d}", name.title(), name, "", None,
                        "LP"[i % 2], "", "", "", "", village, "", 0, "", stamp, stamp))
        k = rng.randrange(4)
        cases.append((i, f"BH-{ts:%y%m}-{i:06d}", village, CATEGORIES[k], i, 1, "", "", "",
                      "datang_langsung", "biasa", DESCRIPTIONS[k],
                      "selesai" if rng.random() < 0.8 else "terbuka", "", stamp,
                      operator_id, stamp, 1))
    con = sqlite3.connect(path)
    with con:
        con.executemany(
            "INSERT INTO persons (id, nik, no_kk, name, name_key, birth_place, birth_date, sex,"
            " address, dusun, rt, rw, village_code, phone, is_unidentified, identifying_notes,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", persons)
        con.executemany(
            "INSERT INTO cases (id, number, village_code, category_code, beneficiary_id,"
            " reporter_is_beneficiary, reporter_name, reporter_relation, reporter_phone,"
            " channel, urgency, description, status, outcome_note, created_at, created_by_id,"
            " updated_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cases)
    con.close()
    op_ids = [c[0] for c in cases if c[2] == OPERATOR_VILLAGE]
    mid = cases[n // 2]
    return {"op_deep": op_ids[min(20, len(op_ids) - 1)], "number": mid[1],
            "nik": persons[n // 3][1], "op_count": len(op_ids)}


BASE_SQL = ("SELECT c.*, p.*, cat.*, r.* FROM cases c {join} persons p ON p.id = c.beneficiary_id"
            " LEFT JOIN categories cat ON cat.code = c.category_code"
            " LEFT JOIN regions r ON r.code = c.village_code"
            " WHERE {where} ORDER BY c.id DESC LIMIT 51")


def scenarios(op, sup, info):
    from slrt.cases.queries import CaseFilters

    v = OPERATOR_VILLAGE
    nik_where = "c.beneficiary_id IN (SELECT id FROM persons WHERE nik = ? OR no_kk = ?)"
    return [
        ("a operator first page", op, CaseFilters(), None, "c.village_code = ?", (v,)),
        ("b operator terbuka", op, CaseFilters(status="terbuka"), None,
         "c.village_code = ? AND c.status = ?", (v, "terbuka")),
        ("c operator deep page", op, CaseFilters(), info["op_deep"],
         "c.village_code = ? AND c.id < ?", (v, info["op_deep"])),
        ("d supervisor first page", sup, CaseFilters(), None, "1", ()),
        ("e supervisor case number", sup, CaseFilters(q=info["number"]), None,
         "c.number = ?", (info["number"],)),
        ("f supervisor NIK", sup, CaseFilters(q=info["nik"]), None, nik_where,
         (info["nik"], info["nik"])),
        ("g operator name SITI", op, CaseFilters(q="SITI"), None,
         "c.village_code = ? AND p.name_key LIKE ?", (v, "%SITI%")),
    ]


def stats(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s) * 1000, s[min(len(s) - 1, int(len(s) * 0.95))] * 1000


def run(app, path, op_id, sup_id, info, reps):
    from slrt.auth.models import User
    from slrt.cases.queries import list_cases
    from slrt.extensions import db

    con = sqlite3.connect(path)
    results = []
    with app.app_context():
        op, sup = db.session.get(User, op_id), db.session.get(User, sup_id)
        _ = op.village_codes, sup.village_codes  # load the scope once, like a logged-in user
        for name, user, filters, before, where, params in scenarios(op, sup, info):
            sql = BASE_SQL.format(join="JOIN" if "name_key" in where else "LEFT JOIN",
                                  where=where)
            proj, base = [], []
            for i in range(reps + 10):
                db.session.expire_all()
                db.session.rollback()
                t0 = time.perf_counter()
                rows, _next = list_cases(user, filters, before_id=before, limit=50)
                dt = time.perf_counter() - t0
                if i >= 10:
                    proj.append(dt)
            n_proj = len(rows)
            for i in range(reps + 10):
                t0 = time.perf_counter()
                brows = con.execute(sql, params).fetchall()
                dt = time.perf_counter() - t0
                if i >= 10:
                    base.append(dt)
            n_base = min(len(brows), 50)
            if n_proj != n_base:
                print(f"warning: {name}: project {n_proj} rows, baseline {n_base}", file=sys.stderr)
            results.append((name, n_proj, *stats(proj), *stats(base)))
    con.close()
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=300_000)
    ap.add_argument("--reps", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="slrt-bench-") as tmp:
        t0 = time.perf_counter()
        app, op_id, sup_id = setup_app(tmp)
        path = f"{tmp}/bench.db"
        t1 = time.perf_counter()
        info = generate(path, args.cases, op_id)
        t2 = time.perf_counter()
        results = run(app, path, op_id, sup_id, info, args.reps)
        from slrt.extensions import db

        with app.app_context():
            db.engine.dispose()
    print(f"machine: {platform.platform()}, python {platform.python_version()}, "
          f"cpu_count={os.cpu_count()}")
    print(f"N={args.cases} cases ({info['op_count']} in {OPERATOR_VILLAGE}), reps={args.reps}; "
          f"schema {t1 - t0:.1f}s, data {t2 - t1:.1f}s")
    head = (f"{'scenario':<26} {'rows':>4} {'proj med':>9} {'proj p95':>9} "
            f"{'base med':>9} {'base p95':>9} {'ratio':>6}")
    print(head)
    print("-" * len(head))
    for name, rows, pm, pp, bm, bp in results:
        print(f"{name:<26} {rows:>4} {pm:>9.3f} {pp:>9.3f} {bm:>9.3f} {bp:>9.3f} "
              f"{pm / bm if bm else float('inf'):>6.1f}")
    print("(times in ms; ratio = project median / baseline median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
