"""Benchmark the supervisor's dashboard (slrt.reports.queries.dashboard) against bare SQLite.

Usage: python bench/dashboard.py [--cases 1000000] [--reps 20]

Builds a fresh SQLite database the project's way (migrations, regions,
categories, programs, a supervisor and an operator), bulk-loads N cases
registered over the last three years across the 21 villages of Kecamatan
Muara Bulian (about 45% referred, 1-2 referrals each, most closed), then
times:

* the project's dashboard figures as the home page computes them
  (``slrt.reports.queries.dashboard.dashboard``: the four counts and the 12-month
  report behind the five charts) for the supervisor and for one operator;
* the same aggregates as bare SQL through ``sqlite3`` on the same file
  (the baseline: what the database alone costs);
* the whole home page (``GET /``) through the Flask test client, charts
  rendered, for the supervisor.

Prints medians, p95 and the ratio project / baseline, and beside them the
bare SQL that computes the same figures by scanning the 12 months of cases
and referrals (what the page would cost without the trigger-kept monthly
summaries); there is no pass/fail (target: the supervisor's page under 1 s).
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
PASSWORD = "bench-password-1"
OPERATOR_VILLAGE = "15.04.03.1001"  # Muara Bulian, the largest village
CATEGORIES = [("bansos_tidak_diterima", 30), ("pbi_tidak_aktif", 20), ("usulan_masuk_dtks", 15),
              ("sktm", 10), ("korban_bencana", 5), ("ppks_lansia_terlantar", 5),
              ("informasi_program", 10), ("lainnya", 5)]
CHANNELS = [("datang_langsung", 60), ("penjangkauan", 20), ("telepon", 10), ("whatsapp", 7),
            ("laporan_desa", 3)]
CLOSED = [("selesai", 50), ("tersalurkan", 25), ("ditolak", 15), ("dibatalkan", 5),
          ("diteruskan", 5)]
OPEN = [("dikirim", 40), ("diterima", 25), ("diproses", 25), ("perlu_info", 5), ("dijawab", 5)]


def setup_app(tmp: str, reuse: bool = False):
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    os.environ["SLRT_CONFIG"] = "development"
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from slrt import create_app

    app = create_app()
    if reuse:
        from slrt.auth.models import User
        from slrt.extensions import db

        with app.app_context():
            return app, {k: db.session.scalar(db.select(User.id).where(User.username == u))
                         for k, u in (("sup", "bench_supervisor"), ("op", "bench_operator"))}
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
        sup = create_user("bench_supervisor", "supervisor", password=PASSWORD, kabupaten="15.04")
        op = create_user("bench_operator", "operator", password=PASSWORD, kabupaten="15.04",
                         villages=[OPERATOR_VILLAGE])
        db.session.commit()
        return app, {"sup": sup.id, "op": op.id}


def pick(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def generate(path: str, n: int, ids: dict, now: datetime) -> dict:
    from slrt.common.workdays import add_working_days
    from slrt.demo.registry import MUARA_BULIAN_2022_07
    from slrt.referrals.catalog import PROGRAMS

    rng = random.Random(20261127)
    vcodes = [v[0] for v in MUARA_BULIAN_2022_07]
    vweights = [v[2] for v in MUARA_BULIAN_2022_07]
    programs = [(p["code"], p.get("service_days", 5)) for p in PROGRAMS]
    pweights = [3 if p[0] in ("PKH", "BPNT", "PBI_AKTIF") else 1 for p in programs]
    span = timedelta(days=3 * 365)
    start = now - span
    step = span / n
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    persons_n = 5000
    cases, refs = [], []
    due_cache: dict[tuple[date, int], str] = {}

    def rows():
        rid = 0
        for cid in range(1, n + 1):
            created = start + step * cid
            stamp = created.strftime(fmt)
            village = rng.choices(vcodes, weights=vweights)[0]
            age_days = (now - created).days
            status, outcome, closed = "terbuka", None, None
            if rng.random() < 0.45:  # referred
                any_open, last_close = False, None
                for j in range(1, rng.choice((1, 1, 1, 2)) + 1):
                    rid += 1
                    code, days = rng.choices(programs, weights=pweights)[0]
                    local = (created + timedelta(hours=7)).date()
                    key = (local, days)
                    if key not in due_cache:
                        due_cache[key] = add_working_days(local, days).isoformat()
                    is_open = age_days < 60 and rng.random() < 0.5 or rng.random() < 0.03
                    if is_open:
                        r_status, r_closed = pick(rng, OPEN), None
                        any_open = True
                    else:
                        r_status = pick(rng, CLOSED)
                        r_closed_dt = min(now, created + timedelta(
                            days=rng.expovariate(1 / max(days * 1.2, 1)), hours=1))
                        r_closed = r_closed_dt.strftime(fmt)
                        last_close = max(last_close or r_closed, r_closed)
                    refs.append((rid, f"BH-{created:%y%m}-{cid:07d}-R{j}", cid, code, village,
                                 r_status, int(is_open), "biasa", "", None, due_cache[key], "",
                                 "", "", stamp, ids["op"], stamp, r_closed, 1))
                if any_open:
                    status = "dirujuk"
                else:
                    status, outcome, closed = "selesai", "rujukan_selesai", last_close
            elif age_days > 20 or rng.random() < 0.6:
                status, outcome = "selesai", "informasi"
                closed = (created + timedelta(days=rng.expovariate(1 / 3))).strftime(fmt)
            yield (cid, f"BH-{created:%y%m}-{cid:07d}", village, pick(rng, CATEGORIES),
                   cid % persons_n + 1, 1, "", "", "", pick(rng, CHANNELS), "biasa",
                   "Pengaduan.", status, outcome, "", closed, stamp, ids["op"], stamp, 1)
            if len(refs) >= 50000:
                yield None

    con = sqlite3.connect(path)
    con.execute("PRAGMA cache_size = -400000")
    with con:
        con.executemany(
            "INSERT INTO persons (id, nik, no_kk, name, name_key, birth_place, sex, address,"
            " dusun, rt, rw, village_code, phone, is_unidentified, identifying_notes,"
            " created_at, updated_at) VALUES (?,?,?,?,?,'',?,'','','','',?,'',0,'',?,?)",
            [(i, f"150403{i:010d}", f"150403{i + 7:010d}", f"Warga {i}", f"WARGA {i}",
              "LP"[i % 2], vcodes[i % len(vcodes)], now.strftime(fmt), now.strftime(fmt))
             for i in range(1, persons_n + 1)])
        for row in rows():
            if row is None:
                flush(con, refs)
                continue
            cases.append(row)
            if len(cases) >= 50000:
                flush_cases(con, cases)
        flush_cases(con, cases)
        flush(con, refs)
    n_refs = con.execute("SELECT count(*) FROM referrals").fetchone()[0]
    con.execute("ANALYZE")
    con.close()
    return {"referrals": n_refs}


def flush_cases(con, cases):
    con.executemany(
        "INSERT INTO cases (id, number, village_code, category_code, beneficiary_id,"
        " reporter_is_beneficiary, reporter_name, reporter_relation, reporter_phone, channel,"
        " urgency, description, status, outcome, outcome_note, closed_at, created_at,"
        " created_by_id, updated_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        cases)
    cases.clear()


def flush(con, refs):
    con.executemany(
        "INSERT INTO referrals (id, number, case_id, program_code, village_code, status,"
        " is_open, urgency, reason, assigned_to_id, due_date, last_question, last_answer,"
        " outcome_note, created_at, created_by_id, updated_at, closed_at, version,"
        " pause_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'')", refs)
    refs.clear()


def bare_sql(con, today: date, village: str | None, summary: bool = True):
    """The dashboard's aggregates written by hand for SQLite: the baseline. The
    same statements as the project's (four counts, cases by month, category and
    village, referrals by program and status with due-date and days), without
    the ORM. With `summary` the charts' figures come from the monthly summaries
    the triggers keep (what the project reads); without, from a scan of the
    cases and referrals of the 12 months (what it would cost without them)."""
    from slrt.common.workdays import add_working_days
    from slrt.reports.queries.dates import add_months, month_start

    wib = timedelta(hours=7)
    month = (datetime.combine(month_start(today), datetime.min.time()) - wib).strftime(
        "%Y-%m-%d %H:%M:%S")
    start = (datetime.combine(add_months(month_start(today), -11), datetime.min.time())
             - wib).strftime("%Y-%m-%d %H:%M:%S")
    end = (datetime.combine(today + timedelta(days=1), datetime.min.time()) - wib).strftime(
        "%Y-%m-%d %H:%M:%S")
    t, soon = today.isoformat(), add_working_days(today, 2).isoformat()
    cv = " AND c.village_code = :v" if village else ""
    rv = " AND r.village_code = :v" if village else ""
    p = {"v": village, "m": month, "s": start, "e": end, "t": t, "soon": soon}
    first = add_months(month_start(today), -11)
    bounds = [add_months(first, i) for i in range(1, 12)]
    month_case = "CASE " + " ".join(
        f"WHEN c.created_at < '{(datetime.combine(b, datetime.min.time()) - wib):%Y-%m-%d %H:%M:%S}'"
        f" THEN '{add_months(b, -1):%Y-%m}'" for b in bounds) + f" ELSE '{bounds[-1]:%Y-%m}' END"

    def days(a):
        return (f"CAST(julianday({a}.closed_at) + 0.5 + 7 / 24.0 AS INTEGER)"
                f" - CAST(julianday({a}.created_at) + 0.5 + 7 / 24.0 AS INTEGER)")

    out = [
        con.execute(f"SELECT count(*) FROM cases c WHERE c.status IN ('terbuka','dirujuk'){cv}",
                    p).fetchone(),
        con.execute(f"SELECT count(*) FROM referrals r WHERE r.is_open = 1 AND r.due_date >= :t"
                    f" AND r.due_date <= :soon{rv}", p).fetchone(),
        con.execute(f"SELECT count(*) FROM referrals r WHERE r.is_open = 1 AND r.due_date < :t"
                    f"{rv}", p).fetchone(),
        con.execute(f"SELECT count(*) FROM cases c WHERE c.status = 'selesai' AND c.closed_at"
                    f" >= :m{cv}", p).fetchone(),
    ]
    months = ", ".join(f"'{add_months(first, i):%Y-%m}'" for i in range(12))
    sv = " AND village_code = :v" if village else ""
    if summary:
        out += [
            con.execute(
                "SELECT month, category_code, village_code, sum(n) FROM report_case_months"
                f" WHERE month IN ({months}){sv} GROUP BY 1, 2, 3 HAVING sum(n) > 0",
                p).fetchall(),
            con.execute(
                "SELECT program_code, status, is_open, on_time, days, sum(n) FROM"
                f" report_referral_months WHERE month IN ({months}){sv}"
                " GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) > 0", p).fetchall(),
        ]
        return out
    out += [
        con.execute(
            f"SELECT {month_case}, c.category_code, c.village_code, count(*) FROM cases c"
            f" WHERE c.created_at >= :s AND c.created_at < :e{cv} GROUP BY 1, 2, 3", p).fetchall(),
        con.execute(
            "SELECT r.program_code, r.status, r.is_open, CASE WHEN r.closed_at IS NULL THEN NULL"
            " WHEN r.closed_at < r.due_date || ' 17:00:00' THEN 1 ELSE 0 END, CASE WHEN"
            f" r.is_open = 0 THEN {days('r')} END, CASE WHEN r.is_open = 1"
            " AND r.due_date < :t THEN 1 ELSE 0 END, count(*) FROM referrals r WHERE"
            f" r.created_at >= :s AND r.created_at < :e{rv} GROUP BY 1, 2, 3, 4, 5, 6",
            p).fetchall(),
    ]
    return out


def stats(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s) * 1000, s[min(len(s) - 1, int(len(s) * 0.95))] * 1000


def timed(fn, reps: int, warm: int = 2) -> list[float]:
    out = []
    for i in range(reps + warm):
        t0 = time.perf_counter()
        fn()
        if i >= warm:
            out.append(time.perf_counter() - t0)
    return out


def run(app, path, ids, reps, today):
    from slrt.auth.models import User
    from slrt.extensions import db
    from slrt.reports.queries.dashboard import dashboard

    con = sqlite3.connect(path)
    results = []
    with app.app_context():
        for label, uid, village in (("supervisor (regency)", ids["sup"], None),
                                    (f"operator ({OPERATOR_VILLAGE})", ids["op"],
                                     OPERATOR_VILLAGE)):
            user = db.session.get(User, uid)

            def project(user=user):
                db.session.expire_all()
                db.session.rollback()
                return dashboard(user, today)

            def bare(village=village):
                return bare_sql(con, today, village)

            def scan(village=village):
                return bare_sql(con, today, village, summary=False)

            d, b = project(), bare()
            if [d.counts.values[k] for k in d.counts.keys] != [b[i][0] for i in range(4)] or \
                    d.report.total != sum(r[-1] for r in b[4]):
                print(f"warning: {label}: project {d.counts.values} {d.report.total}, "
                      f"baseline {[b[i][0] for i in range(4)]} {sum(r[-1] for r in b[4])}",
                      file=sys.stderr)
            if d.report.total != sum(r[-1] for r in scan()[4]):
                print(f"warning: {label}: the summary disagrees with the scan", file=sys.stderr)
            results.append((label, d.report.total, *stats(timed(project, reps)),
                            *stats(timed(bare, reps)),
                            stats(timed(scan, max(1, min(reps, 3)), warm=0))[0]))
    con.close()
    return results


def run_http(app, reps):
    client = app.test_client()
    page = client.get("/masuk").get_data(as_text=True)
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    resp = client.post("/masuk", data={"username": "bench_supervisor", "password": PASSWORD,
                                       "csrf_token": m.group(1) if m else ""})
    if resp.status_code != 302:
        return None, f"login failed with HTTP {resp.status_code}"
    if client.get("/").status_code != 200:
        return None, "GET / did not answer 200"
    return stats(timed(lambda: client.get("/").get_data(), reps)), "GET /"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--keep", metavar="DIR", help="keep the database in DIR and reuse it when "
                    "it is there (for repeated runs; the default is a fresh temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="slrt-bench-") as tmp:
        reuse = False
        if args.keep:
            tmp = args.keep
            os.makedirs(tmp, exist_ok=True)
            reuse = os.path.exists(f"{tmp}/bench.db")
        t0 = time.perf_counter()
        app, ids = setup_app(tmp, reuse)
        from slrt.common.time import now_utc, today_wib

        now = now_utc()
        today = today_wib(now)
        path = f"{tmp}/bench.db"
        t1 = time.perf_counter()
        if reuse:
            with sqlite3.connect(path) as con:
                info = {"referrals": con.execute("SELECT count(*) FROM referrals").fetchone()[0]}
                args.cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
        else:
            info = generate(path, args.cases, ids, now.astimezone(UTC).replace(tzinfo=None))
        t2 = time.perf_counter()
        results = run(app, path, ids, args.reps, today)
        http, note = run_http(app, args.reps)
        from slrt.extensions import db

        with app.app_context():
            db.engine.dispose()
    print(f"machine: {platform.platform()}, python {platform.python_version()}, "
          f"sqlite {sqlite3.sqlite_version}, cpu_count={os.cpu_count()}")
    print(f"N={args.cases} cases, {info['referrals']} referrals, over 3 years; reps={args.reps};"
          f" schema {t1 - t0:.1f}s, data {t2 - t1:.1f}s")
    head = (f"{'scenario (counts + 12-month report)':<36} {'cases 12m':>9} {'proj med':>9} "
            f"{'proj p95':>9} {'base med':>9} {'base p95':>9} {'ratio':>6} {'scan med':>9}")
    print(head)
    print("-" * len(head))
    for name, total, pm, pp, bm, bp, sm in results:
        print(f"{name:<36} {total:>9} {pm:>9.1f} {pp:>9.1f} {bm:>9.1f} {bp:>9.1f} "
              f"{pm / bm if bm else float('inf'):>6.2f} {sm:>9.1f}")
    if http:
        print(f"{'HTTP GET / (supervisor, charts)':<36} {'':>9} {http[0]:>9.1f} {http[1]:>9.1f}")
    else:
        print(f"HTTP: {note}")
    print("(times in ms; base = the same SQL in bare sqlite3, the charts' figures read from the"
          " monthly summaries; ratio = project median / base median; scan = bare SQL computing"
          " the same figures from the cases and referrals themselves, no summaries;"
          " target: page < 1000 ms)")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # a benchmark reports, it does not fail the build
        import traceback

        traceback.print_exc()
        print(f"benchmark error: {exc!r}", file=sys.stderr)
    sys.exit(0)
