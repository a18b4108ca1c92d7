"""Load test: complaints registered through the real form under gunicorn.

Usage: python bench/load_register.py [--seconds 60] [--clients 16] [--workers 4] [--kill]
                                     [--small] [--keep] [--runs 1]
                                     [--engine sqlite|postgresql]

1. builds a fresh SQLite database the project's way (`flask db upgrade`,
   `flask demo load`: the 33,959-person registry, the users, the seed's cases;
   --small skips the registry and loads only regions, catalogs and users);
2. starts `gunicorn -w WORKERS wsgi:app` on a free loopback port;
3. runs CLIENTS concurrent clients (threads, HTTP/1.1 on plain sockets), each logged
   in as the operator of its own village (op-<desa>, password demo-slrt-2026):
   GET the registration form (CSRF token, the village), POST a complaint for a
   new resident with a valid NIK (step=simpan, exactly what the browser
   sends), repeat until SECONDS are over. A registration is acknowledged by
   the redirect to its case page (302 /kasus/<id>);
4. --kill: at half time SIGKILLs one gunicorn worker (the master starts a new
   one); the requests that worker was serving fail, nothing acknowledged may
   be lost;
5. stops gunicorn and checks the database: every acknowledged case exists
   with the NIK that was sent, case numbers are unique, each case has exactly
   one audit row of its registration (per operator, in the same order, each
   written after its case and before the next);
6. baseline: the same rows (persons, cases, case events, registry checks,
   audit rows) inserted with plain sqlite3 into a copy of the database taken
   before the load, one transaction per registration, one thread.

With --engine postgresql the database is on a throwaway PostgreSQL cluster
(bench/common.py postgres_cluster), the copy before the load is a CREATE
DATABASE ... TEMPLATE, the checks read it through psycopg and the baseline
inserts the same rows through psycopg, one transaction per registration.

Prints throughput (registrations/s), median and p95 latency of the POST and
the GET, the baseline rate and the ratio. Target: >= 100 registrations/s on
2 cores, zero errors, zero lost. --runs N repeats it all on a fresh database
and reports the median throughput. Exit code 1 when a check fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import date, timedelta
from pathlib import Path

import common

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-slrt-2026"  # the demo accounts' password (slrt/demo/services.py)
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VILLAGE_RE = re.compile(r'<option[^>]*value="(15\.04\.\d\d\.\d{4})"')
CASE_RE = re.compile(r"/kasus/(\d+)$")
# The audit row of a registration (slrt/cases/views.py names the case in plain words).
REGISTRATION_AUDIT = ("action = 'ubah' AND object_type = 'case' AND "
                      "json_extract(detail, '$.rincian') = 'Pengaduan dicatat'")
PG_REGISTRATION_AUDIT = ("action = 'ubah' AND object_type = 'case' AND "
                         "detail::json->>'rincian' = 'Pengaduan dicatat'")


class Db:
    """The checks' and the baseline's own connection: sqlite3 on the file, or psycopg
    on the PostgreSQL database (the same SQL with ? marks)."""

    def __init__(self, target: Path | str):
        self.pg = isinstance(target, str)
        if self.pg:
            import psycopg

            self.con = psycopg.connect(target, autocommit=True)
            self.audit = PG_REGISTRATION_AUDIT
        else:
            self.con = sqlite3.connect(target, isolation_level=None)
            self.audit = REGISTRATION_AUDIT

    def execute(self, sql: str, params=()):
        if self.pg:
            sql = sql.replace("%", "%%").replace("?", "%s")
        return self.con.execute(sql, params)

    def insert_ignore(self, table: str, cols: list[str], data: list) -> None:
        marks = ", ".join(("%s" if self.pg else "?") for _ in cols)
        if self.pg:
            from psycopg.types.json import Jsonb

            data = [tuple(Jsonb(v) if isinstance(v, dict | list) else v for v in row)
                    for row in data]
            sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks}) "  # noqa: S608
                   "ON CONFLICT DO NOTHING")
            with self.con.cursor() as cur:
                cur.executemany(sql, data)
            return
        self.con.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(cols)}) "  # noqa: S608
                             f"VALUES ({marks})", data)

    def close(self) -> None:
        self.con.close()


# ------------------------------------------------------------------ setup

def flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)


def setup(tmp: Path, small: bool, url: str | None = None) -> dict:
    env = {**os.environ, "DATABASE_URL": url or f"sqlite:///{tmp}/load.db",
           "SLRT_CONFIG": "development", "SECRET_KEY": secrets.token_hex(32),
           "SLRT_INSTANCE_PATH": str(tmp)}
    env.pop("FLASK_DEBUG", None)
    flask(env, "db", "upgrade")
    if small:
        code = ("from wsgi import app\n"
                "from slrt.demo.services import load_users\n"
                "from slrt.regions.services import load_regions\n"
                "from slrt.cases.catalog import load_categories\n"
                "from slrt.referrals.catalog import load_programs\n"
                "from slrt.extensions import db\n"
                "with app.app_context():\n"
                "    load_regions('15.04'); load_categories(); load_programs()\n"
                "    load_users('15.04'); db.session.commit()\n")
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    else:
        flask(env, "demo", "load", "--quiet")
    return env


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_gunicorn(env: dict, port: int, workers: int, tmp: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen([str(gunicorn), "--workers", str(workers), "--bind",
                             f"127.0.0.1:{port}", "--graceful-timeout", "5", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/sehat")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start; see gunicorn.log")


def worker_pids(master: int) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                pids.append(int(d.name))
    return sorted(pids)


# ------------------------------------------------------------------ clients

class Client:
    def __init__(self, port: int, username: str, index: int):
        self.port, self.username, self.index = port, username, index
        self.cookies: dict[str, str] = {}
        self.village = ""
        self.n = 0
        self.acked: list[tuple[int, str]] = []  # (case id, NIK)
        self.errors: list[str] = []
        self.post_ms: list[float] = []
        self.get_ms: list[float] = []

    def request(self, method: str, path: str, form: dict | None = None):
        """One HTTP/1.1 request on its own connection (gunicorn's sync workers
        close it after each answer), written and read on a plain socket: the
        clients share the 2 cores with the server, and http.client's header
        parsing cost the load generator twice the CPU."""
        body = urllib.parse.urlencode(form).encode() if form is not None else b""
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            head += ["Content-Type: application/x-www-form-urlencoded",
                     f"Content-Length: {len(body)}"]
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        raw = b"".join(chunks)
        if not raw:
            raise http.client.RemoteDisconnected("Remote end closed connection without response")
        header_block, _, content = raw.partition(b"\r\n\r\n")
        lines = header_block.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split(" ", 2)[1])
        except (IndexError, ValueError):
            raise http.client.BadStatusLine(lines[0]) from None
        location = ""
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "set-cookie":
                cookie, _, _attrs = value.strip().partition(";")
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val
            elif name == "location":
                location = value.strip()
        return status, location, content.decode("utf-8", "replace")

    def login(self) -> None:
        _s, _l, page = self.request("GET", "/masuk")
        status, _loc, _t = self.request("POST", "/masuk", {
            "username": self.username, "password": PASSWORD,
            "csrf_token": CSRF_RE.search(page).group(1)})
        if status != 302:
            raise SystemExit(f"login {self.username} failed: {status}")

    def nik(self) -> tuple[str, date, str]:
        """A fresh, valid NIK: district 15.04.03, a birth date, the sex, a serial
        that no demo person uses (7000 + client)."""
        g = self.n
        birth = date(1940, 1, 1) + timedelta(days=g % 20000)
        sex = "LP"[g % 2]
        day = birth.day + (40 if sex == "P" else 0)
        return f"150403{day:02d}{birth:%m%y}{7000 + self.index * 100 + g // 20000:04d}", birth, sex

    def register_once(self) -> None:
        self.n += 1
        t0 = time.perf_counter()
        status, _loc, page = self.request("GET", "/kasus/baru")
        self.get_ms.append((time.perf_counter() - t0) * 1000)
        token = CSRF_RE.search(page) if status == 200 else None
        if token is None:
            self.errors.append(f"GET form {status}")
            return
        if not self.village:
            self.village = VILLAGE_RE.search(page).group(1)
        nik, birth, sex = self.nik()
        k = (self.index + self.n) % 4
        form = {
            "csrf_token": token.group(1), "step": "simpan", "registry_record_id": "",
            "allow_duplicate": "", "nik": nik, "no_kk": "",
            "name": f"{common.FIRST_NAMES[self.n % len(common.FIRST_NAMES)]} "
                    f"{common.LAST_NAMES[self.index % len(common.LAST_NAMES)]}",
            "birth_place": "Muara Bulian", "birth_date": birth.isoformat(), "sex": sex,
            "address": f"Jl. Gajah Mada No. {self.n % 200 + 1}", "dusun": "Dusun I",
            "rt": "002", "rw": "001", "phone": "", "household_size": "4",
            "children_count": "2", "elderly_count": "0", "disabled_count": "0",
            "reporter_is_beneficiary": "ya", "reporter_name": "", "reporter_relation": "",
            "reporter_phone": "", "village_code": self.village,
            "category_code": common.CATEGORIES[k],
            "channel": "datang_langsung", "urgency": "biasa", "incident_date": "",
            "description": common.DESCRIPTIONS[k], "identifying_notes": "",
        }
        t0 = time.perf_counter()
        status, location, text = self.request("POST", "/kasus/baru", form)
        self.post_ms.append((time.perf_counter() - t0) * 1000)
        m = CASE_RE.search(urllib.parse.urlparse(location).path) if status == 302 else None
        if m:
            self.acked.append((int(m.group(1)), nik))
        else:
            snippet = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[:160]
            self.errors.append(f"POST {status} {snippet}")

    def run(self, stop_at: float) -> None:
        while time.time() < stop_at:
            try:
                self.register_once()
            except (OSError, http.client.HTTPException) as e:
                self.errors.append(f"{type(e).__name__}: {e}")


# ------------------------------------------------------------------ checks

def check(db_path: Path | str, clients: list[Client], first_case_id: int
          ) -> tuple[list[str], dict]:
    con = Db(db_path)
    problems: list[str] = []
    acked = {cid: nik for c in clients for cid, nik in c.acked}
    rows = dict(con.execute(
        "SELECT c.id, p.nik FROM cases c JOIN persons p ON p.id = c.beneficiary_id "
        "WHERE c.id >= ?", (first_case_id,)).fetchall())
    lost = [cid for cid, nik in acked.items() if rows.get(cid) != nik]
    if lost:
        problems.append(f"{len(lost)} acknowledged registrations lost or wrong: {lost[:10]}")
    dup = con.execute("SELECT count(*) FROM (SELECT number FROM cases GROUP BY number "
                      "HAVING count(*) > 1) d").fetchone()[0]
    if dup:
        problems.append(f"{dup} duplicated case numbers")
    unacked = sorted(set(rows) - set(acked))
    # one audit row per registration: per operator, the i-th case and the i-th audit row
    audit_missing = []
    for (actor,) in con.execute("SELECT DISTINCT created_by_id FROM cases WHERE id >= ?",
                                (first_case_id,)).fetchall():
        cases = con.execute("SELECT id, created_at FROM cases WHERE id >= ? AND "
                            "created_by_id = ? ORDER BY id", (first_case_id, actor)).fetchall()
        audits = con.execute(
            f"SELECT id, at FROM audit_log WHERE actor_id = ? AND {con.audit} "  # noqa: S608
            "ORDER BY id", (actor,)).fetchall()
        a = 0
        for i, (cid, created) in enumerate(cases):
            nxt = cases[i + 1][1] if i + 1 < len(cases) else None
            if a < len(audits) and created <= audits[a][1] and (nxt is None
                                                                or audits[a][1] < nxt):
                a += 1
            else:
                audit_missing.append(cid)
        if a != len(audits):
            problems.append(f"operator {actor}: {len(audits) - a} audit rows without a case")
    bad_audit = [cid for cid in audit_missing if cid in acked]
    if bad_audit:
        problems.append(f"{len(bad_audit)} acknowledged cases without exactly one audit row: "
                        f"{bad_audit[:10]}")
    con.close()
    return problems, {"committed": len(rows), "acked": len(acked), "unacked": unacked,
                      "unacked_without_audit": [c for c in audit_missing if c not in acked]}


def baseline(base_db: Path | str, load_db: Path | str, first_case_id: int
             ) -> tuple[int, float]:
    """Insert the rows the load wrote into the pre-load copy with plain sqlite3 (or
    psycopg), one transaction per registration."""
    src = Db(load_db)
    case_ids = [r[0] for r in src.execute("SELECT id FROM cases WHERE id >= ? ORDER BY id",
                                          (first_case_id,))]
    first_audit = src.execute(
        f"SELECT min(id) FROM audit_log WHERE {src.audit}").fetchone()[0] or 0  # noqa: S608

    def rows(table, where, params):
        cur = src.execute(f"SELECT * FROM {table} WHERE {where}", params)  # noqa: S608
        cols = [d[0] for d in cur.description]
        return cols, cur.fetchall()

    work = []
    audits = rows("audit_log", "id >= ? AND action = 'ubah' ORDER BY id", (first_audit,))[1]
    audit_cols = rows("audit_log", "1 = 0", ())[0]
    for i, cid in enumerate(case_ids):
        case_cols, case_row = rows("cases", "id = ?", (cid,))
        person = rows("persons", "id = ?", (case_row[0][case_cols.index("beneficiary_id")],))
        events = rows("case_events", "case_id = ?", (cid,))
        checks = rows("registry_checks", "case_id = ?", (cid,))
        audit = (audit_cols, [audits[i]] if i < len(audits) else [])
        work.append([person, (case_cols, case_row), events, checks, audit])
    src.close()
    dst = Db(base_db)
    if not dst.pg:
        dst.execute("PRAGMA journal_mode = WAL")
        dst.execute("PRAGMA synchronous = NORMAL")
        dst.execute("PRAGMA foreign_keys = ON")
    t0 = time.perf_counter()
    for group in work:
        dst.execute("BEGIN" if dst.pg else "BEGIN IMMEDIATE")
        for table, (cols, data) in zip(("persons", "cases", "case_events", "registry_checks",
                                        "audit_log"), group, strict=True):
            if data:
                dst.insert_ignore(table, cols, data)
        dst.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    dst.close()
    return len(work), elapsed


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * q))] if s else float("nan")


# ------------------------------------------------------------------ main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--kill", action="store_true", help="SIGKILL one worker at half time")
    ap.add_argument("--small", action="store_true", help="no 34k-person registry")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--runs", type=int, default=1,
                    help="repeat on a fresh database and report the median (a shared machine "
                         "is noisy)")
    ap.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    args = ap.parse_args()
    results = []
    with common.engine_server(args.engine) as server:
        for i in range(args.runs):
            if args.runs > 1:
                print(f"== run {i + 1} of {args.runs}")
            results.append(run(args, server, i))
            print()
    rates = [r["throughput"] for r in results]
    problems = [p for r in results for p in r["problems"]]
    summary = {"verdict": "OK" if not problems else "GAGAL", "problems": problems,
               "throughput": round(statistics.median(rates), 1),
               "p95_post_ms": round(statistics.median(r["p95_post_ms"] for r in results), 1)}
    if args.runs > 1:
        summary["runs"] = rates
        print(f"median of {args.runs} runs: {summary['throughput']} registrations/s "
              f"(runs: {', '.join(f'{r:.1f}' for r in rates)})")
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if not problems else 1


def run(args, pg: str | None = None, index: int = 0) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="slrt-load-"))
    t0 = time.perf_counter()
    url = common.create_database(pg, f"load_{index}") if pg else None
    env = setup(tmp, args.small, url)
    db_path = url or tmp / "load.db"
    con = Db(db_path)
    usernames = [r[0] for r in con.execute(
        "SELECT username FROM users WHERE username LIKE 'op-%' ORDER BY username")]
    first_case_id = (con.execute("SELECT max(id) FROM cases").fetchone()[0] or 0) + 1
    if pg:
        con.close()
        base_db = common.create_database(pg, f"base_{index}", template=f"load_{index}")
    else:
        base_db = tmp / "base.db"
        with sqlite3.connect(base_db) as b:
            con.con.backup(b)
        con.close()
    if len(usernames) < args.clients:
        raise SystemExit(f"only {len(usernames)} operator accounts")
    setup_s = time.perf_counter() - t0

    port = free_port()
    server = start_gunicorn(env, port, args.workers, tmp)
    killed = []
    try:
        clients = [Client(port, u, i) for i, u in enumerate(usernames[:args.clients])]
        for c in clients:
            c.login()
        stop_at = time.time() + args.seconds
        threads = [threading.Thread(target=c.run, args=(stop_at,)) for c in clients]
        started = time.perf_counter()
        for t in threads:
            t.start()
        if args.kill:
            time.sleep(args.seconds / 2)
            victim = worker_pids(server.pid)[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)

    problems, info = check(db_path, clients, first_case_id)
    errors = [e for c in clients for e in c.errors]
    posts = [x for c in clients for x in c.post_ms]
    gets = [x for c in clients for x in c.get_ms]
    n_base, base_s = baseline(base_db, db_path, first_case_id)
    acked = info["acked"]
    rate = acked / elapsed
    base_rate = n_base / base_s if base_s else float("inf")

    engine = f", PostgreSQL {common.pg_version(pg)}" if pg else ""
    common.print_machine(f"{engine}, load average {os.getloadavg()[0]:.1f}")
    print(f"gunicorn {args.workers} sync workers, {args.clients} clients, {elapsed:.1f} s; "
          f"setup {setup_s:.1f} s ({'small' if args.small else 'flask demo load'})")
    common.print_table(f"{'measure':<34} {'value':>10}", (
        f"{'registrations acknowledged':<34} {acked:>10}",
        f"{'registrations/s (project)':<34} {rate:>10.1f}",
        f"{'POST median / p95 ms':<34} {statistics.median(posts) if posts else 0:>5.0f} / "
        f"{pct(posts, 0.95):.0f}",
        f"{'GET form median / p95 ms':<34} {statistics.median(gets) if gets else 0:>5.0f} / "
        f"{pct(gets, 0.95):.0f}",
        f"{'errors':<34} {len(errors):>10}",
        f"{'committed, not acknowledged':<34} {len(info['unacked']):>10}",
        f"{'  of which without audit row':<34} {len(info['unacked_without_audit']):>10}",
        f"{'baseline ' + ('psycopg' if pg else 'sqlite3') + ' inserts/s':<34} "
        f"{base_rate:>10.1f}   ({n_base} registrations)",
        f"{'ratio (project time / baseline)':<34} {base_rate / rate if rate else 0:>10.1f}"))
    if killed:
        print(f"SIGKILL sent to worker {killed[0]} at {args.seconds / 2:.0f} s")
    for e in sorted(set(errors))[:8]:
        print(f"  error: {e} (x{errors.count(e)})")
    # With --kill, only the requests the killed worker was serving may fail
    # (a sync worker serves one at a time; a few may be queued on its socket).
    allowed = 0
    if killed:
        allowed = sum(1 for e in errors if "RemoteDisconnected" in e or "reset" in e.lower()
                      or "BadStatusLine" in e or "Connection" in e)
        if allowed > args.clients:
            problems.append(f"{allowed} connection errors after one SIGKILL")
    if len(errors) - allowed:
        problems.append(f"{len(errors) - allowed} errors")
    if args.keep:
        print(f"kept: {tmp}")
    else:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return {"problems": problems, "throughput": round(rate, 1),
            "p95_post_ms": round(pct(posts, 0.95), 1)}

if __name__ == "__main__":
    sys.exit(main())
