"""What the benchmarks share: the app on a fresh SQLite database built the project's
way, the residents they invent, the bulk INSERTs beside the ORM, the timing loop, and
the figures they print (median, p95, the ratio of the project to its baseline).

A plain module beside them: `python bench/NAME.py` puts bench/ on sys.path.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)  # config.py lives at the repo root
PASSWORD = "bench-password-1"

# The residents the benchmarks invent, in Kecamatan Muara Bulian.
CATEGORIES = ["pbi_tidak_aktif", "bansos_tidak_diterima", "sktm", "korban_bencana"]
FIRST_NAMES = ["Siti", "Nur", "Ahmad", "Muhammad", "Rina", "Dewi", "Budi", "Sri", "Agus",
               "Wati", "Rahmat", "Fitri", "Hendra", "Yanti", "Syamsul", "Masnah", "Zulkifli",
               "Rosmiati"]
LAST_NAMES = ["Aminah", "Harahap", "Siregar", "Susanti", "Hidayat", "Rahmawati", "Saputra",
              "Lestari", "Nasution", "Hasibuan", "Purnama", "Wahyuni", "Arifin", "Kurniawan"]
DESCRIPTIONS = ["Kartu PBI tidak aktif saat berobat ke puskesmas.",
                "Bantuan sosial tidak diterima sejak tiga bulan terakhir.",
                "Memerlukan surat keterangan tidak mampu untuk sekolah anak.",
                "Rumah terdampak banjir, membutuhkan bantuan darurat."]

# The columns the bulk loads fill, in the order of their row tuples.
PERSON_COLUMNS = ("id, nik, no_kk, name, name_key, birth_place, sex, address, dusun, rt, rw,"
                  " village_code, phone, is_unidentified, identifying_notes, created_at,"
                  " updated_at")
CASE_COLUMNS = ("id, number, village_code, category_code, beneficiary_id,"
                " reporter_is_beneficiary, reporter_name, reporter_relation, reporter_phone,"
                " channel, urgency, description, status, outcome_note, created_at,"
                " created_by_id, updated_at, version")
REFERRAL_COLUMNS = ("id, number, case_id, program_code, village_code, status, is_open,"
                    " urgency, reason, assigned_to_id, due_date, last_question, last_answer,"
                    " outcome_note, created_at, created_by_id, updated_at, closed_at, version,"
                    " pause_reason")


def arguments(doc: str, **defaults) -> argparse.Namespace:
    """The command line of a benchmark: its docstring's first line, and an option
    --NAME for each default (of the default's type)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name, default in defaults.items():
        ap.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    return ap.parse_args()


# A benchmark's own PostgreSQL cluster: the settings of a small production server
# (shared_buffers a quarter of a few GB, a WAL big enough that a bulk load does not
# checkpoint every few seconds) and synchronous_commit=off, PostgreSQL's match for
# SQLite's WAL with synchronous=NORMAL that the SQLite figures use (a commit does not
# wait for its WAL flush; a crash loses the last moments, never consistency).
PG_SETTINGS = {
    "listen_addresses": "127.0.0.1", "max_connections": "200", "shared_buffers": "1GB",
    "work_mem": "32MB", "maintenance_work_mem": "512MB", "effective_cache_size": "4GB",
    "max_wal_size": "8GB", "checkpoint_timeout": "30min", "synchronous_commit": "off",
    "random_page_cost": "1.1",
}


def pg_bin() -> Path:
    """The folder of PostgreSQL's server programs (15 first, as scripts/test)."""
    for candidate in [Path("/usr/lib/postgresql/15/bin"),
                      *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]:
        if (candidate / "initdb").exists():
            return candidate
    raise SystemExit("PostgreSQL tidak terpasang (initdb): apt-get install postgresql")


def _as_postgres(args: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: as scripts/test, run them as postgres."""
    return ["runuser", "-u", "postgres", "--", *args] if os.getuid() == 0 else args


@contextmanager
def postgres_cluster(settings: dict | None = None):
    """A throwaway PostgreSQL cluster started the way scripts/test starts the tests'
    one: initdb in a temporary folder, a free loopback port, trust for the user slrt,
    the benchmark's settings (PG_SETTINGS), stopped and removed afterwards. Yields the
    server's URL without a database name (postgresql://slrt@127.0.0.1:PORT)."""
    bindir = pg_bin()
    tmp = Path(tempfile.mkdtemp(prefix="slrt-bench-pg-"))
    if os.getuid() == 0:
        shutil.chown(tmp, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp / "data"
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "slrt",
                                 "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, stdout=subprocess.DEVNULL)
    options = " ".join(f"-c {k}={v}" for k, v in {**PG_SETTINGS, **(settings or {})}.items())
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l",
                                 str(tmp / "server.log"), "-o",
                                 f"-p {port} -k {tmp} {options}", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    try:
        yield f"postgresql://slrt@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                                     "stop"]), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


def create_database(server: str, name: str, template: str | None = None) -> str:
    """A new database on the cluster of postgres_cluster (a copy of `template` if
    given); its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{name}"'
                    + (f' TEMPLATE "{template}"' if template else ""))
    return f"{server}/{name}"  # config.py gives SQLAlchemy the psycopg 3 driver


@contextmanager
def engine_server(engine: str):
    """The PostgreSQL server of a run with --engine postgresql, or None for SQLite."""
    if engine == "sqlite":
        yield None
        return
    if engine != "postgresql":
        raise SystemExit(f"--engine: sqlite or postgresql, not {engine!r}")
    with postgres_cluster() as server:
        yield server



@contextmanager
def workspace(engine: str, name: str):
    """A temporary folder, the throwaway PostgreSQL server (None for SQLite) and
    the database of one run: None (SQLite: the file bench.db in the folder) or
    the URL of a new database `name` on that server; all removed afterwards."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix=f"slrt-{name.replace('_', '-')}-") as tmp, \
            engine_server(engine) as server:
        yield tmp, server, (create_database(server, name) if server else None)

def pg_version(server: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres") as con:
        return con.execute("SHOW server_version").fetchone()[0]


def project_app(tmp: str, url: str | None = None):
    """The app, its database the file bench.db in tmp, or the PostgreSQL database at
    url (as it is: see fresh_database)."""
    os.environ["DATABASE_URL"] = url or f"sqlite:///{tmp}/bench.db"
    os.environ["SLRT_CONFIG"] = "development"
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from slrt import create_app

    return create_app()


@contextmanager
def fresh_database(tmp: str, url: str | None = None):
    """The app on a new bench.db in tmp (or the empty PostgreSQL database at url),
    migrated and loaded with the regions of Kabupaten Batanghari, the complaint
    categories and the program catalog: yields the app inside its app context, for the
    benchmark to add its users and commit."""
    app = project_app(tmp, url)
    with app.app_context():
        from flask_migrate import upgrade

        from slrt.cases.catalog import load_categories
        from slrt.referrals.catalog import load_programs
        from slrt.regions.services import load_regions

        upgrade()
        load_regions("15.04")
        load_categories()
        load_programs()
        yield app


def add_users(*people: tuple[str, str, dict]) -> list[int]:
    """Create each (username, role, other arguments of create_user) in Kabupaten
    Batanghari (unless `kabupaten` says another) with the benchmarks' password,
    commit, and return their ids (in the app context of fresh_database)."""
    from slrt.auth.services import create_user
    from slrt.extensions import db

    users = [create_user(username, role, password=PASSWORD, **{"kabupaten": "15.04", **kw})
             for username, role, kw in people]
    db.session.commit()
    return [u.id for u in users]


def dispose(app) -> None:
    """Close the app's connections, so that its temporary folder can go."""
    from slrt.extensions import db

    with app.app_context():
        db.engine.dispose()


def insert(con: sqlite3.Connection, table: str, columns: str, rows) -> None:
    """Bulk-load rows (tuples in the order of `columns`) with plain sqlite3."""
    marks = ",".join("?" * len(columns.split(",")))
    con.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def copy_rows(con, table: str, columns: str, rows) -> None:
    """Bulk-load rows (tuples in the order of `columns`) into PostgreSQL with COPY
    (a psycopg connection), then move the table's id sequence past them."""
    with con.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    con.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")


def pick(rng, pairs):
    """One value of (value, weight) pairs, by weight."""
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def stats(samples: list[float]) -> tuple[float, float]:
    """(median, p95) of samples in seconds, in ms."""
    s = sorted(samples)
    return statistics.median(s) * 1000, s[min(len(s) - 1, int(len(s) * 0.95))] * 1000


def timed(fn, reps: int, warm: int, before=None) -> list[float]:
    """The seconds of `reps` calls of fn after `warm` untimed ones; `before`, if given,
    runs untimed before each call."""
    out = []
    for i in range(reps + warm):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        if i >= warm:
            out.append(time.perf_counter() - t0)
    return out


def stopwatch(fn, *args):
    """(fn(*args), the seconds it took): how long building the schema or the data took."""
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def ratio(project: float, baseline: float) -> float:
    return project / baseline if baseline else float("inf")


def log_in(client, username: str, password: str = PASSWORD) -> str | None:
    """Log the Flask test client in through the login form; None, or what went wrong."""
    page = client.get("/masuk").get_data(as_text=True)
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    resp = client.post("/masuk", data={"username": username, "password": password,
                                       "csrf_token": m.group(1) if m else ""})
    return None if resp.status_code == 302 else f"login failed with HTTP {resp.status_code}"


def time_page(app, username: str, url: str, reps: int, warm: int):
    """(median, p95) in ms of GET url through the Flask test client, logged in as
    username, and the URL; or None and why the page was not timed."""
    client = app.test_client()
    failed = log_in(client, username)
    if failed:
        return None, failed
    status = client.get(url).status_code
    if status != 200:
        return None, f"GET {url} returned HTTP {status}; HTTP scenario skipped"
    return stats(timed(lambda: client.get(url).get_data(), reps, warm)), url


def print_machine(extra: str = "") -> None:
    print(f"machine: {platform.platform()}, python {platform.python_version()}, "
          f"sqlite {sqlite3.sqlite_version}, cpu_count={os.cpu_count()}{extra}")


def print_table(head: str, lines) -> None:
    """The header, a rule as wide, and the lines."""
    print(head)
    print("-" * len(head))
    for line in lines:
        print(line)


def run(main) -> None:
    """Run a benchmark's main and exit 0: a benchmark reports, it does not fail the
    build (an error is printed with its traceback)."""
    try:
        main()
    except Exception as exc:
        traceback.print_exc()
        print(f"benchmark error: {exc!r}", file=sys.stderr)
    sys.exit(0)
