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

import random
import sqlite3
import sys
import tempfile
from datetime import datetime

import common

OPERATOR_VILLAGE = "15.04.03.2013"
FIRST = [n.upper() for n in common.FIRST_NAMES]
LAST = [n.upper() for n in common.LAST_NAMES]


def setup_app(tmp: str):
    with common.fresh_database(tmp) as app:
        op, sup = common.add_users(("bench_operator", "operator", {"villages": [OPERATOR_VILLAGE]}),
                                   ("bench_supervisor", "supervisor", {"villages": []}))
        return app, op, sup


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
        persons.append((i, f"150403{i:010d}", f"1504039{(i + 2) // 3:09d}", name.title(), name, "",
                        "LP"[i % 2], "", "", "", "", village, "", 0, "", stamp, stamp))
        k = rng.randrange(4)
        cases.append((i, f"BH-{ts:%y%m}-{i:06d}", village, common.CATEGORIES[k], i, 1, "", "", "",
                      "datang_langsung", "biasa", common.DESCRIPTIONS[k],
                      "selesai" if rng.random() < 0.8 else "terbuka", "", stamp,
                      operator_id, stamp, 1))
    con = sqlite3.connect(path)
    with con:
        common.insert(con, "persons", common.PERSON_COLUMNS, persons)
        common.insert(con, "cases", common.CASE_COLUMNS, cases)
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

            def reset():
                db.session.expire_all()
                db.session.rollback()

            def project(user=user, filters=filters, before=before):
                return list_cases(user, filters, before_id=before, limit=50)[0]

            def bare(sql=sql, params=params):
                return con.execute(sql, params).fetchall()

            reset()
            n_proj, n_base = len(project()), min(len(bare()), 50)
            if n_proj != n_base:
                print(f"warning: {name}: project {n_proj} rows, baseline {n_base}", file=sys.stderr)
            proj = common.timed(project, reps, warm=10, before=reset)
            base = common.timed(bare, reps, warm=10)
            results.append((name, n_proj, *common.stats(proj), *common.stats(base)))
    con.close()
    return results


def main() -> int:
    args = common.arguments(__doc__, cases=300_000, reps=200)
    with tempfile.TemporaryDirectory(prefix="slrt-bench-") as tmp:
        (app, op_id, sup_id), schema_s = common.stopwatch(setup_app, tmp)
        path = f"{tmp}/bench.db"
        info, data_s = common.stopwatch(generate, path, args.cases, op_id)
        results = run(app, path, op_id, sup_id, info, args.reps)
        common.dispose(app)
    common.print_machine()
    print(f"N={args.cases} cases ({info['op_count']} in {OPERATOR_VILLAGE}), reps={args.reps}; "
          f"schema {schema_s:.1f}s, data {data_s:.1f}s")
    common.print_table(f"{'scenario':<26} {'rows':>4} {'proj med':>9} {'proj p95':>9} "
                       f"{'base med':>9} {'base p95':>9} {'ratio':>6}",
                       (f"{name:<26} {rows:>4} {pm:>9.3f} {pp:>9.3f} {bm:>9.3f} {bp:>9.3f} "
                        f"{common.ratio(pm, bm):>6.1f}"
                        for name, rows, pm, pp, bm, bp in results))
    print("(times in ms; ratio = project median / baseline median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
