"""Benchmark a NIK lookup (slrt.dtks.queries.find_by_nik) at 1M registry records.

Usage:

    .venv/bin/python bench/registry_lookup.py [--rows 1000000] [--reps 2000]

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
No pass/fail exit code.
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402  (bench/ on the path first)

BARE_SQL = ("SELECT * FROM registry_records WHERE nik = ? "
            "ORDER BY is_active DESC, period DESC, id DESC LIMIT 1")


def main() -> int:
    args = common.arguments(__doc__, rows=1_000_000, reps=2000)

    import registry_import as bench_import  # the sibling benchmark: same file

    with tempfile.TemporaryDirectory(prefix="slrt-bench-lookup-") as tmp:
        app, db_path, load = bench_import.loaded_app(tmp, args.rows)
        from slrt.dtks.queries import find_by_nik
        from slrt.extensions import db

        with app.app_context():
            total = db.session.execute(db.text("SELECT COUNT(*) FROM registry_records")).scalar()

        con = sqlite3.connect(db_path)
        niks = [r[0] for r in con.execute("SELECT nik FROM registry_records")]
        plan = " / ".join(r[-1] for r in con.execute("EXPLAIN QUERY PLAN " + BARE_SQL, ("x",)))
        rng = random.Random(1)
        wanted = [rng.choice(niks) if rng.random() < 0.9 else f"1571{rng.randrange(10**12):012d}"
                  for _ in range(args.reps + 200)]
        del niks

        timings: dict[str, list[float]] = {"open": [], "fresh": []}
        found = 0
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
            db.engine.dispose()
        bare = []
        for i, nik in enumerate(wanted):
            t = time.perf_counter()
            con.execute(BARE_SQL, (nik,)).fetchone()
            dt = time.perf_counter() - t
            if i >= 200:
                bare.append(dt)
        con.close()

    om, op = common.stats(timings["open"])
    fm, fp = common.stats(timings["fresh"])
    bm, bp = common.stats(bare)
    common.print_machine(f", load average {os.getloadavg()[0]:.1f}")
    print(f"{total:,} records (imported in {load:.0f} s with slrt.dtks.importer); "
          f"{args.reps} lookups, {found} found; plan: {plan}")
    common.print_table(f"{'lookup':<52} {'median ms':>10} {'p95 ms':>8} {'ratio':>6}", (
        f"{name:<52} {med:>10.3f} {p95:>8.3f} {med / bm:>6.1f}"
        for name, med, p95 in (("project: find_by_nik, in a request", om, op),
                               ("project: find_by_nik, fresh session (pool + ping)", fm, fp),
                               ("bare sqlite3, same query on the NIK index", bm, bp))))
    print(f"(ratio = median / bare median) target find_by_nik p95 < 1 ms: "
          f"{'yes' if op < 1 else 'NO'} ({op:.3f} ms in a request, {fp:.3f} ms with a fresh "
          "session)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
