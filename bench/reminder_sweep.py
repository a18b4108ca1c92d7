"""Benchmark one reminder sweep (slrt.notifications.services.send_due) against bare SQLite.

Usage: python bench/reminder_sweep.py [--referrals 100000] [--late-share 0.1] [--reps 20]
       [--engine sqlite|postgresql] [--processes 2]

Builds a fresh SQLite database in a temp dir the project's way (migrations,
regions, categories, programs), adds the people who are reminded (two handlers
per program, a supervisor per unit, two regency supervisors, a facilitator per
village of Kecamatan Muara Bulian), bulk-loads N open referrals (one case and
one person each): a share past the due date (--late-share, 1-30 days late), the
rest due in the next 40 days; 2% urgent, half assigned, 3% paused. Then it times:

- the project: one `send_due` sweep as of Monday 30 November 2026, 08.00 WIB
  (the first sweep of the day: reminder rows for every referral at risk, overdue
  or escalated, the facilitators' tasks, urgent notices and the daily digests),
  then a second sweep the same minute (nothing new: the steady state);
- the baseline: the bare SELECT of the due rows (per program, the same cutoffs)
  in sqlite3 on the same file, the least any sweep must read.

With --processes 2 the first sweep is two `flask reminders send-due` processes
started at the same moment (two scheduler hosts by mistake, or a manual run
beside the scheduler), timed until both end; then the database is checked:
every reminder row sent exactly once (one notification), one digest per person,
the reminders the two processes say they created adding up to the rows written.
With --engine postgresql the database is a throwaway cluster's (bench/common.py)
and the baseline runs the same SELECT through psycopg.

Prints the figures and the ratio; target: the first sweep under 10 s. There is
no pass/fail.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone

import common

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 08.00 WIB
WIB_TZ = timezone(timedelta(hours=7))
OPEN = [("dikirim", 40), ("diterima", 30), ("diproses", 20), ("perlu_info", 5), ("dijawab", 5)]
URGENCY = [("biasa", 85), ("segera", 13), ("darurat", 2)]
# The referrals of this benchmark may be paused.
REFERRAL_COLUMNS = ("id, number, case_id, program_code, village_code, status, is_open,"
                    " urgency, reason, assigned_to_id, due_date, last_question, last_answer,"
                    " outcome_note, created_at, created_by_id, updated_at, closed_at, paused_at,"
                    " pause_reason, version")


def setup_app(tmp: str, url: str | None = None):
    for key in ("MAIL_SERVER", "WEBHOOK_URL"):  # in-app only: no network in a benchmark
        os.environ.pop(key, None)
    with common.fresh_database(tmp, url) as app:
        from sqlalchemy import select

        from slrt.auth.models import User
        from slrt.auth.services import create_user
        from slrt.demo.registry import MUARA_BULIAN_2022_07
        from slrt.extensions import db
        from slrt.notifications.models import UnitSupervisor
        from slrt.referrals.models import Program

        app.config["PASSWORD_HASH_METHOD"] = "scrypt:1024:8:1"  # many users, quickly
        programs = list(db.session.scalars(select(Program)))
        op = create_user("bench_operator", "operator", password=common.PASSWORD, kabupaten="15.04",
                         villages=[MUARA_BULIAN_2022_07[0][0]])
        for p in programs:
            for i in (1, 2):
                create_user(f"h{i}-{p.code.lower()}", "handler", password=common.PASSWORD,
                            kabupaten="15.04", programs=[p.code])
        for i, unit in enumerate(sorted({p.unit for p in programs})):
            u = create_user(f"kasi{i}", "supervisor", password=common.PASSWORD, kabupaten="15.04")
            db.session.add(UnitSupervisor(unit=unit, user_id=u.id))
        for i in (1, 2):
            create_user(f"sup{i}", "supervisor", password=common.PASSWORD, kabupaten="15.04")
        for code, _name, _n, _h in MUARA_BULIAN_2022_07:
            create_user(f"fas{code[-4:]}", "fasilitator", password=common.PASSWORD,
                        kabupaten="15.04", villages=[code])
        db.session.commit()
        handlers = {p.code: list(db.session.scalars(select(User.id).where(User.username.in_(
            [f"h1-{p.code.lower()}", f"h2-{p.code.lower()}"])))) for p in programs}
        return app, op.id, handlers


def generate(path: str, n: int, op_id: int, handlers: dict, late_share: float,
             url: str | None = None) -> None:
    from slrt.demo.registry import MUARA_BULIAN_2022_07

    rng = random.Random(20261130)
    vcodes = [v[0] for v in MUARA_BULIAN_2022_07]
    vweights = [v[2] for v in MUARA_BULIAN_2022_07]
    programs = sorted(handlers)
    pweights = [3 if c in ("PKH", "BPNT", "PBI_AKTIF") else 1 for c in programs]
    today = (NOW + timedelta(hours=7)).date()
    stamp = "2026-10-01 02:00:00.000000"
    persons, cases = [], []

    def referrals():
        for rid in range(1, n + 1):
            village = rng.choices(vcodes, weights=vweights)[0]
            program = rng.choices(programs, weights=pweights)[0]
            number = f"BH-2610-{rid:06d}"
            persons.append((rid, f"150403{rid:010d}", None, f"Warga {rid}", f"WARGA {rid}", "",
                            "LP"[rid % 2], "", "Dusun I", "001", "002", village, "", 0, "",
                            stamp, stamp))
            cases.append((rid, number, village, "bansos_tidak_diterima", rid, 1, "", "", "",
                          "datang_langsung", "biasa", "Bantuan belum diterima.", "dirujuk", "",
                          stamp, op_id, stamp, 1))
            late = rng.random() < late_share
            due = (today + timedelta(days=-rng.randint(1, 30) if late else rng.randint(0, 40))
                   ).isoformat()
            r = rng.random()
            assignee = rng.choice(handlers[program]) if r < 0.5 else None
            paused = stamp if rng.random() < 0.03 else None
            yield (rid, f"{number}-R1", rid, program, village, common.pick(rng, OPEN), 1,
                   common.pick(rng, URGENCY), "", assignee, due, "", "", "", stamp, op_id, stamp,
                   None, paused, "Menunggu dokumen warga" if paused else "", 1)

    if url:
        import psycopg

        with psycopg.connect(url) as con:  # one transaction, the parents first
            refs = list(referrals())
            common.copy_rows(con, "persons", common.PERSON_COLUMNS, persons)
            common.copy_rows(con, "cases", common.CASE_COLUMNS, cases)
            common.copy_rows(con, "referrals", REFERRAL_COLUMNS, refs)
            con.execute("ANALYZE")
        return
    con = sqlite3.connect(path)
    con.execute("PRAGMA cache_size = -400000")
    with con:
        common.insert(con, "referrals", REFERRAL_COLUMNS, referrals())
        common.insert(con, "persons", common.PERSON_COLUMNS, persons)
        common.insert(con, "cases", common.CASE_COLUMNS, cases)
    con.close()


DUE_SQL = ("SELECT id, program_code, due_date, urgency, assigned_to_id, village_code, case_id"
           " FROM referrals WHERE program_code = ? AND is_open = 1 AND paused_at IS NULL"
           " AND (due_date <= ? OR urgency = 'darurat')")


def bare_due_rows(path: str, cutoffs: dict, url: str | None = None) -> int:
    if url:
        import psycopg

        con = psycopg.connect(url, autocommit=True)
        sql = DUE_SQL.replace("?", "%s").replace("is_open = 1", "is_open")
    else:
        con, sql = sqlite3.connect(path), DUE_SQL
    try:
        return sum(len(con.execute(sql, (code, until)).fetchall())
                   for code, until in sorted(cutoffs.items()))
    finally:
        con.close()


def two_processes(url: str, count: int) -> tuple[float, list[int]]:
    """`count` processes of `flask reminders send-due` at the same moment: the seconds
    until the last ends (their Python start-up, about 2 s, included), and the
    reminders each says it created."""
    env = {**os.environ, "DATABASE_URL": url, "SLRT_CONFIG": "development"}
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "send-due",
           "--now", NOW.astimezone(WIB_TZ).strftime("%Y-%m-%dT%H:%M")]
    t0 = time.perf_counter()
    procs = [subprocess.Popen(cmd, cwd=common.ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for _ in range(count)]
    outs = [p.communicate()[0] for p in procs]
    seconds = time.perf_counter() - t0
    for p, out in zip(procs, outs, strict=True):
        if p.returncode != 0:
            raise SystemExit(f"send-due failed ({p.returncode}):\n{out}")
    created = [int(line.split(":")[1].split(";")[0]) for out in outs
               for line in out.splitlines() if line.startswith("Pengingat baru")]
    return seconds, created


def sent_twice(db) -> dict:
    """What the database says about the sends: rows, and every way one could be twice."""
    q = lambda sql: db.session.execute(db.text(sql)).scalar()  # noqa: E731
    return {
        "reminders": q("SELECT count(*) FROM reminders"),
        "not sent": q("SELECT count(*) FROM reminders WHERE status <> 'terkirim' "
                      "OR notification_id IS NULL"),
        "same reminder twice": q("SELECT count(*) FROM (SELECT 1 FROM reminders GROUP BY "
                                 "referral_id, stage, recipient_id, due_date "
                                 "HAVING count(*) > 1) x"),
        "two digests for one person": q(
            "SELECT count(*) FROM (SELECT user_id FROM notifications WHERE kind = 'ringkasan' "
            "GROUP BY user_id HAVING count(*) > 1) x"),
        "digests": q("SELECT count(*) FROM notifications WHERE kind = 'ringkasan'"),
        "urgent notices": q("SELECT count(*) FROM notifications WHERE kind = 'segera'"),
    }


def main() -> int:
    args = common.arguments(__doc__, referrals=100_000, late_share=0.1, reps=20,
                            engine="sqlite", processes=1)
    with common.workspace(args.engine, "bench_sweep") as (tmp, server, url):
        (app, op_id, handlers), schema_s = common.stopwatch(setup_app, tmp, url)
        path = f"{tmp}/bench.db"
        _, data_s = common.stopwatch(generate, path, args.referrals, op_id, handlers,
                                     args.late_share, url)
        with app.app_context():
            from slrt.common.time import today_wib
            from slrt.common.workdays import cuti_bersama
            from slrt.extensions import db
            from slrt.notifications import services, status
            from slrt.referrals.models import Program

            today, extra = today_wib(NOW), cuti_bersama()
            c = status.cutoffs(today, extra)
            cutoffs = {p.code: c.at_risk_until(p.service_days, extra).isoformat()
                       for p in db.session.scalars(db.select(Program))}
            db.session.commit()
            created = []
            if args.processes > 1:
                db.session.remove()
                first_s, created = two_processes(url or f"sqlite:///{path}", args.processes)
                first = None
            else:
                s0 = time.perf_counter()
                first = services.send_due(NOW)
                first_s = time.perf_counter() - s0
            s1 = time.perf_counter()
            second = services.send_due(NOW)
            second_s = time.perf_counter() - s1
            sends = sent_twice(db)
            db.session.remove()
        common.dispose(app)
        rows = bare_due_rows(path, cutoffs, url)
        bare = []
        for _ in range(args.reps):
            b0 = time.perf_counter()
            bare_due_rows(path, cutoffs, url)
            bare.append(time.perf_counter() - b0)
        engine = f", PostgreSQL {common.pg_version(server)}" if server else ""
    bm = statistics.median(bare)
    common.print_machine(f"{engine}, load average {os.getloadavg()[0]:.1f}")
    print(f"N={args.referrals} open referrals, {args.late_share:.0%} past due; "
          f"schema {schema_s:.1f}s, data {data_s:.1f}s; sweep as of 2026-11-30 08.00 WIB")
    if first is not None:
        print(f"due rows (bare SELECT): {rows}; project: {first.due_referrals} needing a "
              "reminder ("
              f"{', '.join(f'{k} {v}' for k, v in sorted(first.by_state.items()))})")
        print(f"first sweep: {first.reminders_created} reminders, {first.tasks_created} tasks, "
              f"{first.urgent_notices} urgent notices, {first.digests} digests")
        label = "project: first send-due sweep"
    else:
        print(f"due rows (bare SELECT): {rows}; first sweep: {args.processes} processes of "
              f"`flask reminders send-due` at once, reminders created by each: "
              f"{' + '.join(map(str, created))} = {sum(created)}")
        label = f"project: first sweep, {args.processes} processes"
    common.print_table(f"{'scenario':<38} {'seconds':>8} {'ratio to bare':>14}", (
        f"{label:<38} {first_s:>8.3f} {first_s / bm:>14.1f}",
        f"{'project: second sweep (nothing new)':<38} {second_s:>8.3f} {second_s / bm:>14.1f}",
        f"{'baseline: bare SELECT of due rows':<38} {bm:>8.3f} {1:>14.1f}"
        f"   (median of {args.reps})"))
    if first is not None:
        print("first sweep phases (s): "
              + ", ".join(f"{k} {v:.2f}" for k, v in first.timings.items()))
    print(f"second sweep created {second.reminders_created} reminders, {second.digests} digests")
    print("after the sweeps: " + ", ".join(f"{k} {v}" for k, v in sends.items()))
    # A reminder row has one notification_id: it is in one notification by construction.
    twice = (sends["not sent"] + sends["same reminder twice"]
             + sends["two digests for one person"])
    if created:
        twice += abs(sum(created) - sends["reminders"])
    print(f"nothing sent twice, nothing lost: {'yes' if twice == 0 else 'NO'}")
    print(f"target: first sweep < 10 s -> {'met' if first_s < 10 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    common.run(main)
