"""Benchmark a NIK lookup and the name search at 1M (or 5M) registry records.

Usage:

    .venv/bin/python bench/registry_lookup.py [--rows 1000000] [--reps 2000]
        [--name-reps 300] [--engine sqlite|postgresql] [--unindexed 30]

Builds a fresh SQLite database the project's way (migrations, regions of
Batanghari, Muaro Jambi and Kota Jambi), imports the province-scale SIKS-NG
file of bench/registry_import.py (generated into bench/out/ if missing) with
the project's importer, then looks up random NIKs - nine in ten present, one in
ten absent - through the project's query layer (the ORM object with its
village, as the registry check page gets it) and, on the same database file,
with bare sqlite3 (the same WHERE / ORDER BY on the NIK index, one row).

The project is timed two ways: "in a request" (the session is open, objects
expired between lookups: the cost of the call itself) and "fresh session"
(a rollback before each lookup, so the call also checks a connection out of
the pool, with the app's pool_pre_ping). Prints medians and p95 in ms and the ratio to
bare sqlite3. Target: find_by_nik p95 < 1 ms.
Then the name search (slrt.dtks.queries.search_by_name) as a desk types it (the
whole name, a word, or the first four letters of a word), within the record's
village (as the complaint form and the registry page ask) and across the whole
registry (a province's search), beside the same SQL on the bare connection.
With --engine postgresql the database is on a throwaway cluster
(bench/common.py), the baseline is psycopg, and the search across the registry
uses the pg_trgm index of migration 0020; then the index is dropped and
--unindexed of the same searches run bare again, to show what it is worth.
No pass/fail exit code.
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402  (bench/ on the path first)

BARE_SQL = ("SELECT * FROM registry_records WHERE nik = ? "
            "ORDER BY is_active DESC, period DESC, id DESC LIMIT 1")


class Bare:
    """The baseline's own connection: sqlite3 on the same file, or psycopg on the same
    PostgreSQL database (statements prepared, as a tuned client would)."""

    def __init__(self, db_path, url: str | None):
        if url:
            import psycopg

            self.con = psycopg.connect(url, autocommit=True, prepare_threshold=0)
            self.mark = "%s"
        else:
            self.con = sqlite3.connect(db_path)
            self.mark = "?"

    def rows(self, sql: str, params=()):
        sql = sql.replace("?", self.mark)
        return (self.con.execute(sql, params) if params else self.con.execute(sql)).fetchall()

    def plan(self, sql: str, params) -> str:
        if self.mark == "?":
            return " / ".join(r[-1] for r in self.rows("EXPLAIN QUERY PLAN " + sql, params))
        lines = [r[0].strip() for r in self.rows("EXPLAIN " + sql, params)]
        return " / ".join(line for line in lines if "Scan" in line or "Index" in line)


def name_queries(bare: Bare, rng, n: int) -> list[tuple[str, str]]:
    """(village code, typed text) pairs: a desk types a resident's name as it is
    written, a word of it, or the start of a word (four letters)."""
    sample = bare.rows("SELECT village_code, name FROM registry_records "
                       "WHERE id % 997 = 0 LIMIT 5000")
    out = []
    for i in range(n):
        village, name = rng.choice(sample)
        words = name.split()
        typed = (name, rng.choice(words), rng.choice(words)[:4])[i % 3]
        out.append((village, typed))
    return out


def main() -> int:
    args = common.arguments(__doc__, rows=1_000_000, reps=2000, name_reps=300,
                            engine="sqlite", unindexed=30)

    import registry_import as bench_import  # the sibling benchmark: same file

    with common.workspace(args.engine, "bench_lookup") as (tmp, server, url):
        app, db_path, load = bench_import.loaded_app(tmp, args.rows, url)
        from slrt.dtks.queries import find_by_nik, name_search, search_by_name
        from slrt.extensions import db

        with app.app_context():
            total = db.session.execute(db.text("SELECT COUNT(*) FROM registry_records")).scalar()
            if server:
                db.session.execute(db.text("ANALYZE registry_records"))
                db.session.commit()

        bare = Bare(db_path, url)
        niks = [r[0] for r in bare.rows("SELECT nik FROM registry_records")]
        plan = bare.plan(BARE_SQL, ("x",))
        rng = random.Random(1)
        wanted = [rng.choice(niks) if rng.random() < 0.9 else f"1571{rng.randrange(10**12):012d}"
                  for _ in range(args.reps + 200)]
        del niks
        typed = name_queries(bare, rng, args.name_reps + 20)

        timings: dict[str, list[float]] = {"open": [], "fresh": []}
        names: dict[str, list[float]] = {"village": [], "all": []}
        bare_names: dict[str, list[float]] = {"village": [], "all": []}
        name_sql: dict[str, list] = {"village": [], "all": []}
        found = hits = 0
        with app.app_context():
            for nik in wanted:  # warm-up: the same pages cached for every row below
                find_by_nik(nik)
            db.session.rollback()
            for mode, samples in timings.items():
                for i, nik in enumerate(wanted):
                    db.session.expire_all()
                    if mode == "fresh":
                        db.session.rollback()  # the connection goes back to the pool
                    t = time.perf_counter()
                    rec = find_by_nik(nik)
                    if rec is not None:
                        _ = rec.village.name  # what the page shows; loaded by the same query
                    dt = time.perf_counter() - t
                    if i >= 200:
                        samples.append(dt)
                        found += mode == "open" and rec is not None
            dialect = db.engine.dialect
            for scope, samples in names.items():
                for i, (village, text) in enumerate(typed):
                    villages = [village] if scope == "village" else None
                    db.session.expire_all()
                    t = time.perf_counter()
                    recs = search_by_name(villages, text)
                    dt = time.perf_counter() - t
                    if i >= 20:
                        samples.append(dt)
                        hits += bool(recs)
                    sql = name_search(villages, text).compile(
                        dialect=dialect, compile_kwargs={"render_postcompile": True})
                    params = sql.params  # by name (psycopg), or in order (sqlite3's ? marks)
                    if sql.positiontup:
                        params = tuple(params[k] for k in sql.positiontup)
                    name_sql[scope].append((str(sql), params))
            db.engine.dispose()
        bare_samples = []
        for i, nik in enumerate(wanted):
            t = time.perf_counter()
            bare.rows(BARE_SQL, (nik,))
            dt = time.perf_counter() - t
            if i >= 200:
                bare_samples.append(dt)
        for scope, samples in bare_names.items():
            for i, (sql, params) in enumerate(name_sql[scope]):
                t = time.perf_counter()
                bare.con.execute(sql, params).fetchall()
                dt = time.perf_counter() - t
                if i >= 20:
                    samples.append(dt)
        name_plan = bare.plan(*name_sql["all"][0]) if server else ""
        without: list[float] = []
        if server:  # what the index is worth: the same searches on a sequential scan
            bare.con.execute("DROP INDEX ix_registry_records_name_trgm")
            for sql, params in name_sql["all"][20:20 + args.unindexed]:
                t = time.perf_counter()
                bare.con.execute(sql, params).fetchall()
                without.append(time.perf_counter() - t)
        engine = f", PostgreSQL {common.pg_version(server)}" if server else ""
        bare.con.close()

    om, op = common.stats(timings["open"])
    fm, fp = common.stats(timings["fresh"])
    bm, bp = common.stats(bare_samples)
    common.print_machine(f"{engine}, load average {os.getloadavg()[0]:.1f}")
    print(f"{total:,} records (imported in {load:.0f} s with slrt.dtks.importer); "
          f"{args.reps} lookups, {found} found; plan: {plan}")
    common.print_table(f"{'lookup':<52} {'median ms':>10} {'p95 ms':>8} {'ratio':>6}", (
        f"{name:<52} {med:>10.3f} {p95:>8.3f} {med / bm:>6.1f}"
        for name, med, p95 in (("project: find_by_nik, in a request", om, op),
                               ("project: find_by_nik, fresh session (pool + ping)", fm, fp),
                               (f"bare {'psycopg' if server else 'sqlite3'}, same query on the "
                                "NIK index", bm, bp))))
    print(f"(ratio = median / bare median) target find_by_nik p95 < 1 ms: "
          f"{'yes' if op < 1 else 'NO'} ({op:.3f} ms in a request, {fp:.3f} ms with a fresh "
          "session)")
    print()
    print(f"name search (search_by_name, 30 rows at most): {args.name_reps} searches per "
          f"line, {hits} of {2 * args.name_reps} found something; the typed text: the "
          "whole name, one word, or four letters")
    rows = []
    for scope, label in (("village", "within the record's village"),
                         ("all", "across the whole registry")):
        pm, pp = common.stats(names[scope])
        qm, qp = common.stats(bare_names[scope])
        rows.append(f"{'project: ' + label:<52} {pm:>10.3f} {pp:>8.3f} {pm / qm:>6.1f}")
        rows.append(f"{'bare: the same SQL, ' + label:<52} {qm:>10.3f} {qp:>8.3f} {1:>6.1f}")
    common.print_table(f"{'name search':<52} {'median ms':>10} {'p95 ms':>8} {'ratio':>6}", rows)
    if without:
        wm, wp = common.stats(without)
        qm = common.stats(bare_names["all"])[0]
        print(f"bare, across the registry WITHOUT the trigram index ({len(without)} of the same "
              f"searches): median {wm:.1f} ms, p95 {wp:.1f} ms ({wm / qm:.0f} x the indexed "
              "median)")
    if name_plan:
        print(f"plan across the registry: {name_plan}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
