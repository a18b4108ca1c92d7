"""Benchmark the supervisor's dashboard (slrt.reports.queries.dashboard) against bare SQLite.

Usage: python bench/dashboard.py [--cases 1000000] [--reps 20]
       [--engine sqlite|postgresql] [--province]

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

With --province the cases are spread over the villages of the 11 regencies and
cities of Jambi (by each village's share of the demo's weights, cycled), and
the regency recap (the dashboard's counts and 12-month report, for a scope of
one regency's villages) is also timed for each regency and for all 11 at once
(the province supervisor's view) beside the same bare SQL. With --engine
postgresql the database is a throwaway cluster's (bench/common.py), the rows
are loaded with COPY (the summary triggers fire as for the desks' inserts) and
the baseline runs through psycopg; the "scan" column, SQLite's SQL, is left out.

Prints medians, p95 and the ratio project / baseline, and beside them the
bare SQL that computes the same figures by scanning the 12 months of cases
and referrals (what the page would cost without the trigger-kept monthly
summaries); there is no pass/fail (target: the supervisor's page under 1 s).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sqlite3
import sys
from datetime import UTC, date, datetime, timedelta

import common

OPERATOR_VILLAGE = "15.04.03.1001"  # Muara Bulian, the largest village
CATEGORIES = [("bansos_tidak_diterima", 30), ("pbi_tidak_aktif", 20), ("usulan_masuk_dtks", 15),
              ("sktm", 10), ("korban_bencana", 5), ("ppks_lansia_terlantar", 5),
              ("informasi_program", 10), ("lainnya", 5)]
CHANNELS = [("datang_langsung", 60), ("penjangkauan", 20), ("telepon", 10), ("whatsapp", 7),
            ("laporan_desa", 3)]
CLOSED = [("selesai", 50), ("tersalurkan", 25), ("ditolak", 15), ("dibatalkan", 5),
          ("diteruskan", 5)]
OPEN = [("dikirim", 40), ("diterima", 25), ("diproses", 25), ("perlu_info", 5), ("dijawab", 5)]
USERS = (("sup", "bench_supervisor"), ("op", "bench_operator"))


PROVINCE = "15"


def province_regencies() -> list[str]:
    from slrt.regions.codes import region_names

    return sorted(c for c in region_names() if c.count(".") == 1 and c[:2] == PROVINCE)


def setup_app(tmp: str, reuse: bool = False, url: str | None = None, province: bool = False):
    if reuse:  # the database of an earlier run, with its users
        app = common.project_app(tmp)
        from slrt.auth.models import User
        from slrt.extensions import db

        with app.app_context():
            return app, {k: db.session.scalar(db.select(User.id).where(User.username == u))
                         for k, u in USERS}
    with common.fresh_database(tmp, url) as app:
        if province:
            from slrt.extensions import db
            from slrt.regions.services import load_regions

            for regency in province_regencies():
                load_regions(regency)
            db.session.commit()
        # With --province the cases span the 11 regencies: the one who sees them
        # all is the province supervisor (his home page is the comparison).
        chief = ("province_supervisor", {"kabupaten": PROVINCE}) if province else ("supervisor", {})
        sup, op = common.add_users(("bench_supervisor", *chief),
                                   ("bench_operator", "operator", {"villages": [OPERATOR_VILLAGE]}))
        return app, {"sup": sup, "op": op}


def user_role(uid: int) -> str:
    from slrt.auth.models import User
    from slrt.extensions import db

    return db.session.get(User, uid).role


def province_villages() -> list[str]:
    from slrt.regions.codes import iter_rows

    return [r.code for r in iter_rows() if r.code.count(".") == 3 and r.code[:2] == PROVINCE]


def generate(path: str, n: int, ids: dict, now: datetime, url: str | None = None,
             province: bool = False) -> dict:
    from slrt.common.workdays import add_working_days
    from slrt.demo.registry import MUARA_BULIAN_2022_07
    from slrt.referrals.catalog import PROGRAMS

    rng = random.Random(20261127)
    vcodes = [v[0] for v in MUARA_BULIAN_2022_07]
    vweights = [v[2] for v in MUARA_BULIAN_2022_07]
    if province:  # every village of Jambi, weighted like the demo's villages in turn
        vcodes = province_villages()
        vweights = [vweights[i % len(vweights)] for i in range(len(vcodes))]
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
                        r_status, r_closed = common.pick(rng, OPEN), None
                        any_open = True
                    else:
                        r_status = common.pick(rng, CLOSED)
                        r_closed_dt = min(now, created + timedelta(
                            days=rng.expovariate(1 / max(days * 1.2, 1)), hours=1))
                        r_closed = r_closed_dt.strftime(fmt)
                        last_close = max(last_close or r_closed, r_closed)
                    refs.append((rid, f"BH-{created:%y%m}-{cid:07d}-R{j}", cid, code, village,
                                 r_status, int(is_open), "biasa", "", None, due_cache[key], "",
                                 "", "", stamp, ids["op"], stamp, r_closed, 1, ""))
                if any_open:
                    status = "dirujuk"
                else:
                    status, outcome, closed = "selesai", "rujukan_selesai", last_close
            elif age_days > 20 or rng.random() < 0.6:
                status, outcome = "selesai", "informasi"
                closed = (created + timedelta(days=rng.expovariate(1 / 3))).strftime(fmt)
            yield (cid, f"BH-{created:%y%m}-{cid:07d}", village, common.pick(rng, CATEGORIES),
                   cid % persons_n + 1, 1, "", "", "", common.pick(rng, CHANNELS), "biasa",
                   "Pengaduan.", status, outcome, "", closed, stamp, ids["op"], stamp, 1)
            if len(refs) >= 50000:
                yield None

    persons = [(i, f"150403{i:010d}", f"150403{i + 7:010d}", f"Warga {i}", f"WARGA {i}",
                "", "LP"[i % 2], "", "", "", "", vcodes[i % len(vcodes)], "", 0, "",
                now.strftime(fmt), now.strftime(fmt)) for i in range(1, persons_n + 1)]
    if url:
        import psycopg

        with psycopg.connect(url) as con:
            con.execute("SET TIME ZONE 'UTC'")  # the stamps are UTC, as the app writes them
            common.copy_rows(con, "persons", common.PERSON_COLUMNS, persons)
            for row in rows():
                if row is None:
                    copy_cases(con, cases)
                    common.copy_rows(con, "referrals", common.REFERRAL_COLUMNS, refs)
                    refs.clear()
                    continue
                cases.append(row)
            copy_cases(con, cases)
            common.copy_rows(con, "referrals", common.REFERRAL_COLUMNS, refs)
            con.commit()
            con.execute("ANALYZE")
            n_refs = con.execute("SELECT count(*) FROM referrals").fetchone()[0]
        return {"referrals": n_refs}
    con = sqlite3.connect(path)
    con.execute("PRAGMA cache_size = -400000")
    with con:
        common.insert(con, "persons", common.PERSON_COLUMNS, persons)
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


def copy_cases(con, cases):
    """The cases so far (the referrals that follow point at them)."""
    common.copy_rows(con, "cases", CASE_COLUMNS, cases)
    cases.clear()


# The cases of this benchmark carry their outcome and closing time (for the reports).
CASE_COLUMNS = ("id, number, village_code, category_code, beneficiary_id,"
                " reporter_is_beneficiary, reporter_name, reporter_relation, reporter_phone,"
                " channel, urgency, description, status, outcome, outcome_note, closed_at,"
                " created_at, created_by_id, updated_at, version")


def flush_cases(con, cases):
    common.insert(con, "cases", CASE_COLUMNS, cases)
    cases.clear()


def flush(con, refs):
    common.insert(con, "referrals", common.REFERRAL_COLUMNS, refs)
    refs.clear()


class PgBare:
    """psycopg with the SQLite baseline's SQL: :name marks, is_open = 1 / 0."""

    def __init__(self, url: str):
        import psycopg

        self.con = psycopg.connect(url, autocommit=True)

    def execute(self, sql: str, params):
        sql = re.sub(r":(v|m|s|e|t|soon)\b", r"%(\1)s", sql.replace("is_open = 1", "is_open")
                     .replace("is_open = 0", "NOT is_open"))
        return self.con.execute(sql, params)

    def close(self):
        self.con.close()


def bare_sql(con, today: date, village: str | None, summary: bool = True,
             villages: list[str] | None = None):
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
    if villages is not None:  # a regency's villages (codes of the regions table)
        listed = ", ".join(f"'{v}'" for v in villages)
        cv, rv = f" AND c.village_code IN ({listed})", f" AND r.village_code IN ({listed})"
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
    if villages is not None:
        sv = f" AND village_code IN ({listed})"
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


def run(app, path, ids, reps, today, url=None):
    from slrt.auth.models import User
    from slrt.extensions import db
    from slrt.reports.queries.dashboard import dashboard

    con = PgBare(url) if url else sqlite3.connect(path)
    results = []
    with app.app_context():
        chief = "province supervisor" if user_role(ids["sup"]) != "supervisor" else "supervisor"
        for label, uid, village in ((f"{chief} (everything)", ids["sup"], None),
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
            if not url and d.report.total != sum(r[-1] for r in scan()[4]):
                print(f"warning: {label}: the summary disagrees with the scan", file=sys.stderr)
            results.append((label, d.report.total,
                            *common.stats(common.timed(project, reps, warm=2)),
                            *common.stats(common.timed(bare, reps, warm=2)),
                            None if url else
                            common.stats(common.timed(scan, max(1, min(reps, 3)), warm=0))[0]))
    con.close()
    return results


def regency_recaps(app, path, reps, today, url=None):
    """The regency recap (the dashboard's counts and 12-month report for a scope of
    one regency's villages: what a province supervisor's comparison asks per
    regency) for each of the 11, and for all of them at once, beside the bare SQL."""
    from sqlalchemy import select

    from slrt.extensions import db
    from slrt.regions.models import Region
    from slrt.reports.queries.case_report import case_report
    from slrt.reports.queries.dashboard import dashboard_counts
    from slrt.reports.queries.dates import add_months, month_start
    from slrt.reports.queries.scopes import Scope

    con = PgBare(url) if url else sqlite3.connect(path)
    start = add_months(month_start(today), -11)
    out = []
    with app.app_context():
        villages = {}
        for code in db.session.scalars(select(Region.code).where(
                Region.level.in_(("desa", "kelurahan")), Region.code.like(f"{PROVINCE}.%"))):
            villages.setdefault(code[:5], []).append(code)
        names = dict(db.session.execute(select(Region.code, Region.name).where(
            Region.code.in_(list(villages)))).all())
        db.session.rollback()
        scopes = [(names[k], Scope(villages=tuple(sorted(v))), sorted(v))
                  for k, v in sorted(villages.items())]
        scopes.append((f"all {len(villages)} at once (province)", Scope(), None))
        for label, scope, codes in scopes:
            def project(scope=scope):
                db.session.rollback()
                counts = dashboard_counts(scope, today)
                return counts, case_report(scope, start, today, today, detail=False)

            def bare(codes=codes):
                return bare_sql(con, today, None, villages=codes)

            (_counts, report), b = project(), bare()
            if report.total != sum(r[-1] for r in b[4]):
                print(f"warning: {label}: project {report.total}, baseline "
                      f"{sum(r[-1] for r in b[4])}", file=sys.stderr)
            pm, pp = common.stats(common.timed(project, reps, warm=1))
            bm, bp = common.stats(common.timed(bare, reps, warm=1))
            out.append((label, len(codes) if codes else len(sum(villages.values(), [])),
                        report.total, pm, pp, bm, bp))
    con.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--province", action="store_true",
                    help="cases over the 11 regencies of Jambi; time each regency's recap")
    ap.add_argument("--keep", metavar="DIR", help="keep the database in DIR and reuse it when "
                    "it is there (for repeated runs; the default is a fresh temp dir; SQLite)")
    args = ap.parse_args()
    with common.workspace(args.engine, "bench_dashboard") as (tmp, server, url):
        reuse = False
        if args.keep and not server:
            tmp = args.keep
            os.makedirs(tmp, exist_ok=True)
            reuse = os.path.exists(f"{tmp}/bench.db")
        (app, ids), schema_s = common.stopwatch(setup_app, tmp, reuse, url, args.province)
        from slrt.common.time import now_utc, today_wib

        now = now_utc()
        today = today_wib(now)
        path = f"{tmp}/bench.db"
        if reuse:
            with sqlite3.connect(path) as con:
                info = {"referrals": con.execute("SELECT count(*) FROM referrals").fetchone()[0]}
                args.cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
            data_s = 0.0
        else:
            info, data_s = common.stopwatch(generate, path, args.cases, ids,
                                            now.astimezone(UTC).replace(tzinfo=None), url,
                                            args.province)
        results = run(app, path, ids, args.reps, today, url)
        recaps = regency_recaps(app, path, args.reps, today, url) if args.province else []
        http, note = common.time_page(app, "bench_supervisor", "/", args.reps, 2)
        common.dispose(app)
        engine = f", PostgreSQL {common.pg_version(server)}" if server else ""
    common.print_machine(f"{engine}, load average {os.getloadavg()[0]:.1f}")
    spread = "the 11 regencies of Jambi" if args.province else "Kecamatan Muara Bulian"
    print(f"N={args.cases} cases, {info['referrals']} referrals, over 3 years in {spread}; "
          f"reps={args.reps}; schema {schema_s:.1f}s, data {data_s:.1f}s")
    common.print_table(f"{'scenario (counts + 12-month report)':<36} {'cases 12m':>9} "
                       f"{'proj med':>9} {'proj p95':>9} {'base med':>9} {'base p95':>9} "
                       f"{'ratio':>6} {'scan med':>9}",
                       (f"{name:<36} {total:>9} {pm:>9.1f} {pp:>9.1f} {bm:>9.1f} {bp:>9.1f} "
                        f"{common.ratio(pm, bm):>6.2f} "
                        + ("" if sm is None else f"{sm:>9.1f}")
                        for name, total, pm, pp, bm, bp, sm in results))
    if http:
        home = "HTTP GET / (the comparison)" if args.province else "HTTP GET / (supervisor, charts)"
        print(f"{home:<36} {'':>9} {http[0]:>9.1f} {http[1]:>9.1f}")
    else:
        print(f"HTTP: {note}")
    base = "psycopg" if server else "bare sqlite3"
    print(f"(times in ms; base = the same SQL in {base}, the charts' figures read from the"
          " monthly summaries; ratio = project median / base median; scan = bare SQL computing"
          " the same figures from the cases and referrals themselves, no summaries;"
          " target: page < 1000 ms)")
    if recaps:
        print()
        common.print_table(
            f"{'regency recap (counts + 12 months)':<36} {'villages':>8} {'cases 12m':>9} "
            f"{'proj med':>9} {'proj p95':>9} {'base med':>9} {'base p95':>9} {'ratio':>6}",
            (f"{name[:36]:<36} {nv:>8} {total:>9} {pm:>9.1f} {pp:>9.1f} {bm:>9.1f} {bp:>9.1f} "
             f"{common.ratio(pm, bm):>6.2f}" for name, nv, total, pm, pp, bm, bp in recaps))
        each = sum(r[3] for r in recaps[:-1])
        print(f"the 11 one after the other (what the comparison page asked before it grouped "
              f"by regency): {each:.1f} ms "
              f"(sum of the medians) against {recaps[-1][3]:.1f} ms for all at once")
    return 0


if __name__ == "__main__":
    common.run(main)
