r"""Benchmark `flask dtks import` at province scale against a bare load (sqlite3 or psql \copy).

Usage:

    .venv/bin/python bench/registry_import.py [--rows 1000000] [--repeat 3] [--keep]
        [--engine sqlite|postgresql]

What it does, in one run:

1. builds a fresh SQLite database the project's way (`flask db upgrade`, then
   the regions of the three regencies used: Batanghari 15.04, Muaro Jambi
   15.05, Kota Jambi 15.71);
2. writes a SIKS-NG export of N rows (pipe-separated, upper-case like the
   real exports): the demo registry of Kecamatan Muara Bulian
   (slrt.demo.registry), generated again with another seed for each of the 30
   districts of those regencies and moved there (villages, NIK and No KK
   district codes; serials spread so every NIK and No KK stays unique and
   passes parse_nik / parse_kk). The file is kept in bench/out/ and reused;
3. imports it with the project's own command, as a subprocess:
   `python -m flask --app wsgi dtks import FILE --period 2022-07 --kabupaten 15`,
   timing the wall clock and reading the child's peak RSS (os.wait4);
4. imports the same file again (must be a no-op, and not slower);
5. imports a newer period derived from it (2023-01: 1% of the people gone,
   2% changed, 1% new) - the update path;
6. loads the same file with plain sqlite3 (a subprocess too): csv.reader and
   one executemany into registry_records of an identical database (same table,
   same indexes, same foreign key, same pragmas: WAL, synchronous=NORMAL,
   foreign_keys=ON), one transaction, no validation at all (only the village
   names looked up in a dict, so that rows point at real villages).

With --engine postgresql every database is on a throwaway PostgreSQL cluster
(bench/common.py postgres_cluster: initdb in a temporary folder, removed
afterwards), each trial a copy (CREATE DATABASE ... TEMPLATE) of one migrated
database, and the baseline of step 6 is a bare `psql \copy` into
registry_records of such a copy (same table, same indexes, same foreign key):
the file turned beforehand, untimed, into CSV in the table's columns (the
village codes looked up the same way), so the timed part is the database's
own load and nothing else.

Steps 3 and 6 run --repeat times, alternately, each on a fresh copy of the
database, and the best time of each is kept (a shared machine is noisy); the
other runs happen once. Prints wall and CPU time, the rates (rows/s), the
ratio project / plain and the peak RSS of each subprocess. Target: ratio >=
0.6, peak RSS < 300 MB, re-import no slower than the first import. There is no
pass/fail exit code.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
REGENCIES = ("15.04", "15.05", "15.71")
GENERATOR_VERSION = 2
MULTIPLIER = 31  # serial spread: copy k of the demo uses serials (s-1)*31 + k + 1; 30 = "new"


# --------------------------------------------------------------------------
# Data


DEMO_ROWS = 33_959  # one copy of the demo registry (slrt.demo.registry)


def province_mode(rows: int) -> bool:
    """Beyond one million rows (30 districts x the demo) the file spans the whole
    province of Jambi: its 11 regencies and cities, 144 districts."""
    return rows > 30 * DEMO_ROWS


def regencies(rows: int) -> tuple[str, ...]:
    if not province_mode(rows):
        return REGENCIES
    from slrt.regions.codes import region_names

    return tuple(sorted(c for c in region_names() if c.count(".") == 1 and c[:2] == "15"))


def _districts(scope: tuple[str, ...] = REGENCIES) -> list[str]:
    from slrt.regions.codes import region_names

    return sorted(c for c in region_names() if c.count(".") == 2 and c[:5] in scope)


def _villages(scope: tuple[str, ...] = REGENCIES) -> dict[str, list[tuple[str, str]]]:
    from slrt.regions.codes import iter_rows

    out: dict[str, list[tuple[str, str]]] = {}
    for r in iter_rows():
        if r.code.count(".") == 3 and r.code[:5] in scope:
            out.setdefault(r.code[:8], []).append((r.code, r.name))
    for district, villages in out.items():
        # Two villages of one district may share a name (Terusan, a kelurahan and a
        # desa of Maro Sebo Ilir): the importer rightly refuses to pick one.
        names = [name.upper() for _, name in villages]
        out[district] = [v for v in villages if names.count(v[1].upper()) == 1]
    return out


def _names() -> dict[str, str]:
    from slrt.regions.codes import iter_rows

    return {r.code: r.name for r in iter_rows() if r.code[:2] == "15"}


def _remap(number: str, district_digits: str, copy: int) -> str:
    """Move a demo NIK / No KK to another district, keeping it unique: the
    district codes 150403 and the target are swapped (a bijection, so the
    moved-in people of the demo stay distinct), the serial is spread."""
    prefix = number[:6]
    if prefix == "150403":
        prefix = district_digits
    elif prefix == district_digits:
        prefix = "150403"
    serial = (int(number[12:]) - 1) * MULTIPLIER + copy + 1
    if serial > 9999:  # pragma: no cover - the demo never has that many per date
        raise RuntimeError("serial space exhausted")
    return f"{prefix}{number[6:12]}{serial:04d}"


class _Renumber:
    """Province mode: every number of a copy moves to the copy's district, with
    the next free serial for that district and date (so two copies in one district
    never share a NIK or No KK); the same old number of a copy gets the same new one."""

    def __init__(self):
        self.next: dict[str, int] = {}

    def copy(self, digits: str):
        seen: dict[str, str] = {}

        def renumber(number: str) -> str:
            if number not in seen:
                key = digits + number[6:12]
                serial = self.next[key] = self.next.get(key, 0) + 1
                seen[number] = f"{key}{serial:04d}"
            return seen[number]
        return renumber


def province_records(rows: int):
    """Yield `rows` registry records (RegistryRecord attribute names): up to a
    million over the 30 districts of Batanghari, Muaro Jambi and Kota Jambi;
    beyond that over the 144 districts of the province, a second copy of the demo
    in the first districts once every district has one."""
    from slrt.demo.registry import MUARA_BULIAN_2022_07, generate_registry

    source_index = {v[0]: i for i, v in enumerate(MUARA_BULIAN_2022_07)}
    province = province_mode(rows)
    scope = regencies(rows)
    villages = _villages(scope)
    districts = _districts(scope)
    counters = {d: _Renumber() for d in districts}
    copies = [(r, d) for r in range(2 if province else 1) for d in districts]
    produced = 0
    for copy, (round_, district) in enumerate(copies):
        digits = district.replace(".", "")
        targets = villages[district]
        if province:
            renumber = counters[district].copy(digits)
        else:
            def renumber(number, digits=digits, copy=copy):
                return _remap(number, digits, copy)
        for rec in generate_registry(seed=1000 + copy):
            i = source_index[rec["village_code"]]
            code = targets[i % len(targets)][0]
            rec["village_code"] = code
            rec["registry_id"] = (f"{code.replace('.', '')}{i:02d}"
                                  f"{'R' * round_}{rec['registry_id'][10:]}")
            rec["nik"] = renumber(rec["nik"])
            rec["no_kk"] = renumber(rec["no_kk"])
            for key in ("name", "mother_name", "address", "dusun", "birth_place"):
                rec[key] = rec[key].upper()
            yield rec
            produced += 1
            if produced >= rows:
                return
    raise SystemExit(f"the generator yields at most {produced} rows")


def write_file(path: Path, rows: int) -> None:
    from slrt.dtks.siksng import siksng_header, siksng_row

    names = _names()
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="|", lineterminator="\r\n")
        w.writerow(siksng_header())
        for rec in province_records(rows):
            w.writerow(siksng_row(rec, names))
    tmp.rename(path)


def write_next_period(src: Path, dst: Path) -> dict:
    """The next snapshot: 1% gone, 2% changed (PKH flag, address), 1% new
    people (clones with fresh ID DTKS, NIK and No KK serials)."""
    rng = random.Random(2023)
    stats = {"gone": 0, "changed": 0, "new": 0, "rows": 0}
    with open(src, encoding="utf-8", newline="") as fi, \
            open(dst, "w", encoding="utf-8", newline="") as fo:
        r = csv.reader(fi, delimiter="|")
        w = csv.writer(fo, delimiter="|", lineterminator="\r\n")
        header = next(r)
        w.writerow(header)
        col = {name: i for i, name in enumerate(header)}
        clones = []
        for row in r:
            x = rng.random()
            if x < 0.01:
                stats["gone"] += 1
                continue
            if x < 0.03:
                stats["changed"] += 1
                if x < 0.02:
                    i = col["BANSOS PKH"]
                    row[i] = "TIDAK" if row[i] == "YA" else "YA"
                else:
                    row[col["ALAMAT"]] = row[col["ALAMAT"]] + " BARU"
            elif x > 0.99:
                clone = list(row)
                clone[col["ID DTKS"]] = "N" + clone[col["ID DTKS"]]
                for key in ("NOMOR NIK", "NOMOR KK"):
                    v = clone[col[key]]
                    # 9999 - serial: a serial no copy uses (they stay under 3,300)
                    clone[col[key]] = f"{v[:12]}{9999 - int(v[12:]):04d}"
                clones.append(clone)
            w.writerow(row)
            stats["rows"] += 1
        for clone in clones:
            w.writerow(clone)
            stats["rows"] += 1
            stats["new"] += 1
    return stats


# --------------------------------------------------------------------------
# Databases


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_database(path: Path, url: str | None = None,
                  scope: tuple[str, ...] = REGENCIES) -> None:
    """Migrate the database (the SQLite file at path, or the PostgreSQL one at url)
    and load the regions of the regencies of the file (see regencies())."""
    env = {**os.environ, "DATABASE_URL": url or sqlite_url(path), "SLRT_CONFIG": "development",
           "SLRT_INSTANCE_PATH": str(path.parent)}
    code = ("from slrt import create_app\n"
            "from flask_migrate import upgrade\n"
            "from slrt.extensions import db\n"
            "from slrt.regions.services import load_regions\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            "    upgrade()\n"
            f"    for k in {scope!r}:\n"
            "        load_regions(k)\n"
            "    db.session.commit()\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                   stderr=subprocess.DEVNULL)


def loaded_app(tmp: str, rows: int, url: str | None = None):
    """The project's app on a new bench.db in tmp (or the empty PostgreSQL database at
    url) holding the province file of `rows` rows (written once, kept in OUT), imported
    through the importer as the upload page does. Returns (app, db_path, seconds the
    import took)."""
    file = OUT / f"siksng-jambi-{rows}-v{GENERATOR_VERSION}.txt"
    OUT.mkdir(parents=True, exist_ok=True)
    if not file.exists():
        write_file(file, rows)
    db_path = Path(tmp) / "bench.db"
    make_database(db_path, url, regencies(rows))
    os.environ["DATABASE_URL"] = url or sqlite_url(db_path)
    os.environ["SLRT_CONFIG"] = "development"
    os.environ["SLRT_INSTANCE_PATH"] = tmp
    from slrt import create_app
    from slrt.dtks import importer

    app = create_app()
    with app.app_context():
        t0 = time.perf_counter()
        outcome = importer.import_file(file, "2022-07", "DTKS", "15")
        load = time.perf_counter() - t0
        assert outcome.status == "applied", outcome
    return app, db_path, load


def run_child(args: list[str], env: dict | None = None) -> tuple[float, float, str, float]:
    """(wall seconds, peak RSS in MB, output, CPU seconds) of a child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{out}")
    return wall, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime


def project_import(db_path: Path, file: Path, period: str, url: str | None = None):
    env = {**os.environ, "DATABASE_URL": url or sqlite_url(db_path),
           "SLRT_CONFIG": "development", "SLRT_INSTANCE_PATH": str(db_path.parent)}
    return run_child([sys.executable, "-m", "flask", "--app", "wsgi", "dtks", "import",
                      str(file), "--period", period, "--kabupaten", "15", "--verbose"], env)


PLAIN_COLUMNS = ("registry_id, source, period, nik, no_kk, name, name_key, birth_place, "
                 "birth_date, sex, relationship, mother_name, address, dusun, rt, rw, "
                 "village_code, padan, decile, pkh, bpnt, pbi, other_programs, is_active, "
                 "updated_at")


VILLAGES_SQL = ("SELECT v.code, v.name, d.name, k.name FROM regions v "
                "JOIN regions d ON d.code = v.parent_code "
                "JOIN regions k ON k.code = d.parent_code "
                "WHERE v.level IN ('desa', 'kelurahan')")


def village_index(rows) -> dict:
    """(REGENCY, DISTRICT, VILLAGE) in the file's upper case -> the village code."""
    villages = {}
    for code, name, district, regency in rows:
        regency = regency.upper().removeprefix("KABUPATEN ")
        villages[(regency, district.upper(), name.upper())] = code
    return villages


def plain_rows(file: str, villages: dict, stamp: str = "2026-01-01 00:00:00.000000"):
    """The file's rows in PLAIN_COLUMNS order, with no validation at all."""
    with open(file, encoding="utf-8", newline="") as fh:
        r = csv.reader(fh, delimiter="|")
        next(r)
        for f in r:
            # ID|PROV|KAB|KEC|DESA|ALAMAT|DUSUN|RT|RW|KK|NIK|NAMA|TGL|TEMPAT|JK|IBU|HUB|
            # PADAN|BPNT|PKH|PPKM|PBI
            yield (f[0], "DTKS", "2022-07", f[10], f[9], f[11], f[11], f[13], f[12],
                   f[14][:1], f[16], f[15], f[5], f[6], f[7], f[8], villages[f[2], f[3], f[4]],
                   f[17] == "PADAN", None, f[19] == "YA", f[18] == "YA", f[21] == "YA",
                   f[20], True, stamp)


def plain_load(file: str, db: str) -> None:
    """The baseline, run as a child: no validation, one executemany."""
    con = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
        con.execute(f"PRAGMA {pragma}")
    villages = village_index(con.execute(VILLAGES_SQL))
    con.execute("BEGIN")
    con.executemany(f"INSERT INTO registry_records ({PLAIN_COLUMNS}) VALUES "
                    f"({', '.join('?' * 25)})", plain_rows(file, villages))
    con.execute("COMMIT")
    n = con.execute("SELECT COUNT(*) FROM registry_records").fetchone()[0]
    con.close()
    print(n)


def plain_csv(file: Path, url: str, out: Path) -> None:
    """The file as CSV in the columns of registry_records, for psql \\copy (untimed)."""
    import psycopg

    with psycopg.connect(url) as con:
        villages = village_index(con.execute(VILLAGES_SQL))
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        for row in plain_rows(str(file), villages, "2026-01-01 00:00:00+00"):
            w.writerow(["\\N" if v is None else ("t" if v is True else "f" if v is False else v)
                        for v in row])


def psql_copy(url: str, csv_file: Path):
    """The PostgreSQL baseline, a child: psql's \\copy of the CSV, one transaction."""
    copy = (f"\\copy registry_records ({PLAIN_COLUMNS}) FROM '{csv_file}' "
            "WITH (FORMAT csv, NULL '\\N')")
    return run_child(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", copy,
                      "-c", "SELECT count(*) FROM registry_records", "-t", "-A"],
                     {**os.environ, "PGDATESTYLE": "ISO, DMY"})  # the file's 26-06-1967


# --------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1,
                    help="first import and plain load: best of N (fresh database each time)")
    ap.add_argument("--keep", action="store_true", help="keep the databases (printed path)")
    ap.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--plain", nargs=2, help=argparse.SUPPRESS)  # child: FILE DB
    args = ap.parse_args()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if args.plain:
        plain_load(*args.plain)
        return 0
    sys.path.insert(0, str(ROOT / "bench"))
    import common

    OUT.mkdir(parents=True, exist_ok=True)
    file = OUT / f"siksng-jambi-{args.rows}-v{GENERATOR_VERSION}.txt"
    t0 = time.perf_counter()
    if not file.exists():
        write_file(file, args.rows)
    t_gen = time.perf_counter() - t0
    tmp = Path(tempfile.mkdtemp(prefix="slrt-bench-import-"))
    try:
        with common.engine_server(args.engine) as server:
            next_file = tmp / "siksng-jambi-2023-01.txt"
            changes = write_next_period(file, next_file)
            if server:
                first, plain, again, newer, counts = run_postgresql(args, server, tmp, file,
                                                                    next_file)
                engine = f", PostgreSQL {common.pg_version(server)}"
            else:
                first, plain, again, newer, counts = run_sqlite(args, tmp, file, next_file)
                engine = f", sqlite {sqlite3.sqlite_version}"
        active, inactive, history, plain_rows = counts
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    n = args.rows
    size = file.stat().st_size / 1e6
    print(f"machine: {platform.platform()}, python {platform.python_version()}{engine}, "
          f"cpu_count={os.cpu_count()}, load average at the end {os.getloadavg()[0]:.1f}")
    print(f"file: {file.name}, {n:,} rows, {size:.0f} MB"
          + (f" (generated in {t_gen:.0f} s)" if t_gen > 1 else " (cached)"))
    print(f"next period file: {changes['rows']:,} rows ({changes['gone']:,} gone, "
          f"{changes['changed']:,} changed, {changes['new']:,} new)")
    print()
    head = (f"{'run':<46} {'wall s':>7} {'rows/s':>9} {'CPU s':>7} {'rows/CPU s':>10} "
            f"{'peak RSS MB':>12}")
    print(head)
    print("-" * len(head))
    best = f", best of {args.repeat}" if args.repeat > 1 else ""
    baseline = ("bare psql \\copy (CSV ready)" if args.engine == "postgresql"
                else "plain sqlite3 executemany")
    lines = [(f"project: flask dtks import (2022-07{best})", first, n),
             ("project: same file again (no-op)", again, n),
             ("project: next period 2023-01 (updates)", newer, changes["rows"]),
             (f"{baseline}{best}", plain, plain_rows)]
    for name, (wall, rss, _out, cpu), rows in lines:
        print(f"{name:<46} {wall:>7.1f} {rows / wall:>9,.0f} {cpu:>7.1f} {rows / cpu:>10,.0f} "
              f"{rss:>12.0f}")
    print()
    ratio = (n / first[0]) / (plain_rows / plain[0])
    print(f"ratio project/plain (first import): {ratio:.2f} on wall time"
          + ("" if args.engine == "postgresql" else
             f", {(n / first[3]) / (plain_rows / plain[3]):.2f} on CPU time")
          + "  (target >= 0.6)")
    if args.engine == "postgresql":
        print("  (CPU time: the client processes only; the server's work is in the wall time)")
    print(f"re-import / first import wall time: {again[0] / first[0]:.2f}  (target <= 1)")
    print(f"peak RSS of the importer: {max(first[1], again[1], newer[1]):.0f} MB "
          "(target < 300 MB)")
    print(f"after the two periods: {active:,} active, {inactive:,} inactive records, "
          f"{history:,} history rows")
    print()
    print("step timings of the project runs (--verbose):")
    for label, run in (("first", first), ("next period", newer)):
        steps = [line for line in run[2].splitlines() if line.startswith("impor #")]
        print(f"  {label}: " + "; ".join(s.split(": ", 1)[1] for s in steps))
    if args.keep:
        print(f"databases kept in {tmp}")
    return 0


def run_sqlite(args, tmp: Path, file: Path, next_file: Path):
    template = tmp / "template.db"
    make_database(template, scope=regencies(args.rows))
    project_db, plain_db = tmp / "project.db", tmp / "plain.db"
    first = plain = None
    for _ in range(args.repeat):
        trial_db = tmp / "trial.db"
        shutil.copy(template, trial_db)
        trial = project_import(trial_db, file, "2022-07")
        if first is None or trial[0] < first[0]:
            first = trial
            for suffix in ("", "-wal", "-shm"):
                src = Path(f"{trial_db}{suffix}")
                if src.exists():
                    shutil.move(src, f"{project_db}{suffix}")
        shutil.copy(template, plain_db)
        trial = run_child([sys.executable, __file__, "--plain", str(file), str(plain_db)])
        if plain is None or trial[0] < plain[0]:
            plain = trial
    again = project_import(project_db, file, "2022-07")
    newer = project_import(project_db, next_file, "2023-01")

    con = sqlite3.connect(project_db)
    active, inactive = con.execute(
        "SELECT SUM(is_active), SUM(NOT is_active) FROM registry_records").fetchone()
    history = con.execute("SELECT COUNT(*) FROM registry_record_history").fetchone()[0]
    con.close()
    return first, plain, again, newer, (active, inactive, history,
                                        int(plain[2].strip().splitlines()[-1]))


def run_postgresql(args, server: str, tmp: Path, file: Path, next_file: Path):
    import common
    import psycopg

    template = common.create_database(server, "bench_template")
    make_database(tmp / "template", template, regencies(args.rows))
    csv_file = tmp / "plain.csv"
    plain_csv(file, template, csv_file)
    first = plain = None
    for i in range(args.repeat):
        url = common.create_database(server, f"bench_project_{i}", template="bench_template")
        trial = project_import(tmp / "project", file, "2022-07", url)
        if first is None or trial[0] < first[0]:
            first, project_url = trial, url
        plain_url = common.create_database(server, f"bench_plain_{i}", template="bench_template")
        trial = psql_copy(plain_url, csv_file)
        if plain is None or trial[0] < plain[0]:
            plain = trial
    again = project_import(tmp / "project", file, "2022-07", project_url)
    newer = project_import(tmp / "project", next_file, "2023-01", project_url)
    with psycopg.connect(project_url) as con:
        active, inactive = con.execute(
            "SELECT count(*) FILTER (WHERE is_active), count(*) FILTER (WHERE NOT is_active)"
            " FROM registry_records").fetchone()
        history = con.execute("SELECT count(*) FROM registry_record_history").fetchone()[0]
    return first, plain, again, newer, (active, inactive, history,
                                        int(plain[2].strip().splitlines()[-1]))


if __name__ == "__main__":
    sys.exit(main())
