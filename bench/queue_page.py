"""Benchmark a handler's referral queue page (slrt.referrals.queries) against bare SQLite.

Usage: python bench/queue_page.py [--referrals 1000000] [--reps 200]

Builds a fresh SQLite database in a temp dir the project's way (migrations,
regions, categories, programs, an operator and two handlers), bulk-loads N
referrals over ~N/3 cases (1-5 referrals each, one person per case) across the
21 villages of Kecamatan Muara Bulian and the program catalog, then times each
scenario: the project's tab_counts + queue_page (what the queue page runs)
beside the same SELECTs in bare sqlite3 on the same file, and, when the view
exists, GET /rujukan/antrean through the Flask test client. Prints medians,
p95 and the ratio; there is no pass/fail.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
from datetime import date, datetime, timedelta

import common

OPERATOR_VILLAGE = "15.04.03.2013"
OPEN = [("dikirim", 40), ("diterima", 25), ("diproses", 20), ("perlu_info", 8), ("dijawab", 7)]
CLOSED = [("selesai", 45), ("tersalurkan", 25), ("ditolak", 15), ("dibatalkan", 8),
          ("diteruskan", 7)]
URGENCY = [("biasa", 85), ("segera", 12), ("darurat", 3)]
FIRST = [n.upper() for n in common.FIRST_NAMES[:10]]
LAST = [n.upper() for n in common.LAST_NAMES[:8]]


def setup_app(tmp: str):
    with common.fresh_database(tmp) as app:
        op, h1, h2 = common.add_users(
            ("bench_operator", "operator", {"villages": [OPERATOR_VILLAGE]}),
            ("bench_handler", "handler", {"programs": ["PKH", "BPNT"]}),
            ("bench_handler2", "handler", {"programs": ["PKH"]}))
        return app, {"op": op, "h1": h1, "h2": h2}


def generate(path: str, n: int, ids: dict, today: date) -> dict:
    from slrt.demo.registry import MUARA_BULIAN_2022_07
    from slrt.referrals.catalog import PROGRAMS

    rng = random.Random(20240601)
    vcodes = [v[0] for v in MUARA_BULIAN_2022_07]
    vweights = [v[2] for v in MUARA_BULIAN_2022_07]
    programs = [p["code"] for p in PROGRAMS]
    pweights = [3 if c in ("PKH", "BPNT", "PBI_AKTIF") else 1 for c in programs]
    first_due = today - timedelta(days=730)
    persons, cases, pkh_open = [], [], []
    start, step = datetime(2023, 1, 1), timedelta(seconds=150)

    def referrals():
        rid = cid = 0
        while rid < n:
            cid += 1
            ts = start + step * cid
            stamp = ts.strftime("%Y-%m-%d %H:%M:%S.%f")
            village = rng.choices(vcodes, weights=vweights)[0]
            number = f"BH-{ts:%y%m}-{cid:06d}"
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            persons.append((cid, f"150403{cid:010d}", f"1504039{(cid + 2) // 3:09d}", name.title(),
                            name, "", "LP"[cid % 2], "", "", "", "", village, "", 0, "",
                            stamp, stamp))
            any_open = False
            for j in range(1, min(rng.randint(1, 5), n - rid) + 1):
                rid += 1
                program = rng.choices(programs, weights=pweights)[0]
                is_open = rng.random() < 0.15
                any_open |= is_open
                due = (first_due + timedelta(days=rng.randrange(761))).isoformat()
                r = rng.random()
                if is_open:
                    assignee = None if r < 0.4 else (ids["h1"] if r < 0.7 else ids["h2"])
                    if program == "PKH":
                        pkh_open.append((due, rid))
                else:
                    assignee = ids["h1"] if r < 0.5 else ids["h2"]
                yield (rid, f"{number}-R{j}", cid, program, village,
                       common.pick(rng, OPEN if is_open else CLOSED), int(is_open),
                       common.pick(rng, URGENCY),
                       "", assignee, due, "", "", "", stamp, ids["op"], stamp,
                       None if is_open else stamp, 1, "")
            cases.append((cid, number, village, "bansos_tidak_diterima", cid, 1, "", "", "",
                          "datang_langsung", "biasa", "Bantuan sosial tidak diterima.",
                          "dirujuk" if any_open else "selesai", "", stamp, ids["op"], stamp, 1))

    con = sqlite3.connect(path)
    con.execute("PRAGMA cache_size = -400000")  # this loading connection only
    with con:
        common.insert(con, "referrals", common.REFERRAL_COLUMNS, referrals())
        common.insert(con, "persons", common.PERSON_COLUMNS, persons)
        common.insert(con, "cases", common.CASE_COLUMNS, cases)
    con.close()
    pkh_open.sort()
    deep = pkh_open[int(len(pkh_open) * 0.8)]
    return {"cases": len(cases), "pkh_open": len(pkh_open), "village": max(
        zip(vweights, vcodes, strict=True))[1], "deep": (date.fromisoformat(deep[0]), deep[1])}


PAGE_SQL = ("SELECT r.*, c.*, p.*, pg.*, rg.*, u.* FROM referrals r"
            " LEFT JOIN cases c ON c.id = r.case_id LEFT JOIN persons p ON p.id = c.beneficiary_id"
            " LEFT JOIN programs pg ON pg.code = r.program_code"
            " LEFT JOIN regions rg ON rg.code = r.village_code"
            " LEFT JOIN users u ON u.id = r.assigned_to_id"
            " WHERE {where} ORDER BY r.due_date, r.id LIMIT 51")
COUNT_SQL = "SELECT count(*) FROM referrals r WHERE {where}"
CAPPED_COUNT_SQL = "SELECT count(*) FROM (SELECT 1 FROM referrals r WHERE {where} LIMIT 1001)"
TAB_SQL = {"belum": "r.is_open = 1 AND r.assigned_to_id IS NULL",
           "saya": "r.is_open = 1 AND r.assigned_to_id = {uid}",
           "semua": "r.is_open = 1", "selesai": "r.is_open = 0"}


def scenarios(info: dict, today: date):
    v, (dd, did), t = info["village"], info["deep"], today.isoformat()
    keyset = (" AND (r.due_date > ? OR (r.due_date = ? AND r.id > ?))",
              (dd.isoformat(), dd.isoformat(), did))
    return [  # name, QueueFilters kwargs, after, (filter SQL, params), (keyset SQL, params)
        ("a PKH semua first page", {"tab": "semua"}, None, ("", ()), ("", ())),
        ("b PKH semua deep page", {"tab": "semua"}, (dd, did), ("", ()), keyset),
        ("c PKH belum", {"tab": "belum"}, None, ("", ()), ("", ())),
        ("d PKH saya", {"tab": "saya"}, None, ("", ()), ("", ())),
        ("e PKH lewat (overdue)", {"tab": "semua", "due": "lewat"}, None,
         (" AND r.due_date < ?", (t,)), ("", ())),
        (f"f PKH village {v[-4:]}", {"tab": "semua", "village": v}, None,
         (" AND r.village_code = ?", (v,)), ("", ())),
    ]


def run(app, path, ids, info, reps, today):
    from slrt.auth.models import User
    from slrt.extensions import db
    from slrt.referrals.queries import QueueFilters, queue_page, tab_counts

    con = sqlite3.connect(path)
    results = []
    base = "r.program_code IN ('PKH', 'BPNT') AND r.program_code = 'PKH'"
    tabs = {k: v.format(uid=ids["h1"]) for k, v in TAB_SQL.items()}
    with app.app_context():
        user = db.session.get(User, ids["h1"])
        for name, kw, after, (fw, fp), (kw_sql, kp) in scenarios(info, today):
            f = QueueFilters(program="PKH", **kw)

            def project(f=f, after=after):
                db.session.expire_all()
                db.session.rollback()
                counts = tab_counts(user, f, today)
                rows, _nxt = queue_page(user, f, today, after=after, limit=50)
                return counts, rows

            def bare(fw=fw, fp=fp, kw_sql=kw_sql, kp=kp, tab=f.tab):
                counts = {}
                for k, tw in tabs.items():
                    if k == "selesai":  # the page caps the closed count the same way
                        n = con.execute(CAPPED_COUNT_SQL.format(where=f"{base}{fw} AND {tw}"),
                                        fp).fetchone()[0]
                        counts[k] = "1000+" if n > 1000 else n
                        continue
                    counts[k] = con.execute(COUNT_SQL.format(where=f"{base}{fw} AND {tw}"),
                                              fp).fetchone()[0]
                rows = con.execute(PAGE_SQL.format(where=f"{base}{fw}{kw_sql} AND {tabs[tab]}"),
                                   fp + kp).fetchall()
                return counts, rows

            (pc, prow), (bc, brow) = project(), bare()
            if pc != bc or [r.id for r in prow] != [r[0] for r in brow[:50]]:
                print(f"warning: {name}: project {pc} {len(prow)} rows, "
                      f"baseline {bc} {len(brow)} rows", file=sys.stderr)
            proj, bas = common.timed(project, reps, warm=10), common.timed(bare, reps, warm=10)
            results.append((name, len(prow), pc[f.tab], *common.stats(proj), *common.stats(bas)))
    con.close()
    return results


def main() -> int:
    args = common.arguments(__doc__, referrals=1_000_000, reps=200)
    with tempfile.TemporaryDirectory(prefix="slrt-bench-") as tmp:
        (app, ids), schema_s = common.stopwatch(setup_app, tmp)
        from slrt.common.time import today_wib

        today = today_wib()  # the date the queue view uses
        path = f"{tmp}/bench.db"
        info, data_s = common.stopwatch(generate, path, args.referrals, ids, today)
        results = run(app, path, ids, info, args.reps, today)
        http, note = common.time_page(app, "bench_handler",
                                      "/rujukan/antrean?program=PKH&tab=semua", args.reps, 10)
        common.dispose(app)
    common.print_machine()
    print(f"N={args.referrals} referrals over {info['cases']} cases, {info['pkh_open']} open PKH; "
          f"reps={args.reps}; schema {schema_s:.1f}s, data {data_s:.1f}s")
    common.print_table(f"{'scenario (counts+page)':<26} {'rows':>4} {'tab n':>6} {'proj med':>9} "
                       f"{'proj p95':>9} {'base med':>9} {'base p95':>9} {'ratio':>6}",
                       (f"{name:<26} {rows:>4} {count:>6} {pm:>9.3f} {pp:>9.3f} {bm:>9.3f} "
                        f"{bp:>9.3f} {common.ratio(pm, bm):>6.1f}"
                        for name, rows, count, pm, pp, bm, bp in results))
    if http:
        print(f"{'g HTTP GET queue page':<26} {'':>4} {'':>6} {http[0]:>9.3f} {http[1]:>9.3f}"
              f" {'':>9} {'':>9} {'':>6}  ({note})")
    else:
        print(f"g HTTP: {note}")
    print("(times in ms; ratio = project median / baseline median)")
    worst = max(results, key=lambda r: r[4])
    print(f"p95 of full queue page (counts+page): {worst[4]:.1f} ms (target < 150 ms), "
          f"worst scenario: {worst[0]}")
    return 0


if __name__ == "__main__":
    common.run(main)
