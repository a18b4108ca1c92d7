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

import argparse
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)  # config.py lives at the repo root

PASSWORD = "bench-password-1"
OPERATOR_VILLAGE = "15.04.03.2013"
OPEN = [("dikirim", 40), ("diterima", 25), ("diproses", 20), ("perlu_info", 8), ("dijawab", 7)]
CLOSED = [("selesai", 45), ("tersalurkan", 25), ("ditolak", 15), ("dibatalkan", 8),
          ("diteruskan", 7)]
URGENCY = [("biasa", 85), ("segera", 12), ("darurat", 3)]
FIRST = ["SITI", "NUR", "AHMAD", "MUHAMMAD", "RINA", "DEWI", "BUDI", "SRI", "AGUS", "WATI"]
LAST = ["AMINAH", "HARAHAP", "SIREGAR", "SUSANTI", "HIDAYAT", "RAHMAWATI", "SAPUTRA", "LESTARI"]


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
        op = create_user("bench_operator", "operator", password=PASSWORD,
                         kabupaten="15.04", villages=[OPERATOR_VILLAGE])
        h1 = create_user("bench_handler", "handler", password=PASSWORD,
                         kabupaten="15.04", programs=["PKH", "BPNT"])
        h2 = create_user("bench_handler2", "handler", password=PASSWORD,
                         kabupaten="15.04", programs=["PKH"])
        db.session.commit()
        return app, {"op": op.id, "h1": h1.id, "h2": h2.id}


def pick(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


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
                       pick(rng, OPEN if is_open else CLOSED), int(is_open), pick(rng, URGENCY),
                       "", assignee, due, "", "", "", stamp, ids["op"], stamp,
                       None if is_open else stamp, 1)
            cases.append((cid, number, village, "bansos_tidak_diterima", cid, 1, "", "", "",
                          "datang_langsung", "biasa", "Bantuan sosial tidak diterima.",
                          "dirujuk" if any_open else "selesai", "", stamp, ids["op"], stamp, 1))

    con = sqlite3.connect(path)
    con.execute("PRAGMA cache_size = -400000")  # this loading connection only
    with con:
        con.executemany(
            "INSERT INTO referrals (id, number, case_id, program_code, village_code, status,"
            " is_open, urgency, reason, assigned_to_id, due_date, last_question, last_answer,"
            " outcome_note, created_at, created_by_id, updated_at, closed_at, version,"
            " pause_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'')", referrals())
        con.executemany(
            "INSERT INTO persons (id, nik, no_kk, name, name_key, birth_place, sex, address,"
            " dusun, rt, rw, village_code, phone, is_unidentified, identifying_notes,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", persons)
        con.executemany(
            "INSERT INTO cases (id, number, village_code, category_code, beneficiary_id,"
            " reporter_is_beneficiary, reporter_name, reporter_relation, reporter_phone,"
            " channel, urgency, description, status, outcome_note, created_at, created_by_id,"
            " updated_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cases)
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


def stats(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s) * 1000, s[min(len(s) - 1, int(len(s) * 0.95))] * 1000


def timed(fn, reps: int, warm: int = 10) -> list[float]:
    out = []
    for i in range(reps + warm):
        t0 = time.perf_counter()
        fn()
        if i >= warm:
            out.append(time.perf_counter() - t0)
    return out


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
            proj, bas = timed(project, reps), timed(bare, reps)
            results.append((name, len(prow), pc[f.tab], *stats(proj), *stats(bas)))
    con.close()
    return results


def run_http(app, reps):
    client = app.test_client()
    html = client.get("/masuk").get_data(as_text=True)
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    resp = client.post("/masuk", data={"username": "bench_handler", "password": PASSWORD,
                                       "csrf_token": m.group(1) if m else ""})
    if resp.status_code != 302:
        return None, f"login failed with HTTP {resp.status_code}"
    url = "/rujukan/antrean?program=PKH&tab=semua"
    status = client.get(url).status_code
    if status != 200:
        return None, f"GET {url} returned HTTP {status}; HTTP scenario skipped"
    return stats(timed(lambda: client.get(url).get_data(), reps)), url


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--referrals", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="slrt-bench-") as tmp:
        t0 = time.perf_counter()
        app, ids = setup_app(tmp)
        from slrt.common.time import today_wib

        today = today_wib()  # the date the queue view uses
        path = f"{tmp}/bench.db"
        t1 = time.perf_counter()
        info = generate(path, args.referrals, ids, today)
        t2 = time.perf_counter()
        results = run(app, path, ids, info, args.reps, today)
        http, note = run_http(app, args.reps)
        from slrt.extensions import db

        with app.app_context():
            db.engine.dispose()
    print(f"machine: {platform.platform()}, python {platform.python_version()}, "
          f"sqlite {sqlite3.sqlite_version}, cpu_count={os.cpu_count()}")
    print(f"N={args.referrals} referrals over {info['cases']} cases, {info['pkh_open']} open PKH; "
          f"reps={args.reps}; schema {t1 - t0:.1f}s, data {t2 - t1:.1f}s")
    head = (f"{'scenario (counts+page)':<26} {'rows':>4} {'tab n':>6} {'proj med':>9} "
            f"{'proj p95':>9} {'base med':>9} {'base p95':>9} {'ratio':>6}")
    print(head)
    print("-" * len(head))
    for name, rows, count, pm, pp, bm, bp in results:
        print(f"{name:<26} {rows:>4} {count:>6} {pm:>9.3f} {pp:>9.3f} {bm:>9.3f} {bp:>9.3f} "
              f"{pm / bm if bm else float('inf'):>6.1f}")
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
    try:
        main()
    except Exception as exc:  # a benchmark reports, it does not fail the build
        print(f"benchmark error: {exc!r}", file=sys.stderr)
    sys.exit(0)
