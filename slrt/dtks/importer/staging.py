"""The staging tables of an import (temporary, on the import's own raw DBAPI
connection: sqlite3 or psycopg) and phase 1 into them: the valid rows of the
scan go to rimp_stage (executemany, or COPY on PostgreSQL), the keys of the
rows with errors to rimp_skip, the villages covered to rimp_villages; then the
duplicates inside the file (same ID DTKS or NIK) are found and taken out.

SQL text in this package is assembled only from the column names and table
names written in it (never from the file or a user); every value goes
through a placeholder. Hence the "noqa: S608" on those statements.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime

from slrt.dtks.importer.base import MAX_STORED_ERRORS, _Rejected, format_count
from slrt.dtks.importer.columns import (
    DATA_COLUMNS,
    NULLABLE,
    STAGE_COLUMNS,
    STAGE_TYPES,
    classify_header,
)
from slrt.dtks.importer.reader import Layout
from slrt.dtks.importer.rows import Batch, Problem
from slrt.dtks.importer.scan import _ScanParams, scan_rows
from slrt.dtks.models import RegistryImportProblem

log = logging.getLogger(__name__)


class _Sql:
    """The few differences between SQLite and PostgreSQL the importer needs."""

    def __init__(self, dialect: str):
        self.sqlite = dialect == "sqlite"
        self.ph = "?" if self.sqlite else "%s"

    def named(self, sql: str) -> str:
        return sql if self.sqlite else re.sub(r":(\w+)", r"%(\1)s", sql)

    def differs(self, a: str, b: str) -> str:
        return f"{a} IS NOT {b}" if self.sqlite else f"{a} IS DISTINCT FROM {b}"

    def ts(self, value: datetime):
        if self.sqlite:
            return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    def content_changed(self, r: str, s: str) -> str:
        parts = [f"{r}.registry_id <> {s}.registry_id", f"{r}.source <> :source"]
        for col in DATA_COLUMNS:
            if col in NULLABLE:
                parts.append(self.differs(f"{r}.{col}", f"{s}.{col}"))
            else:
                parts.append(f"{r}.{col} <> {s}.{col}")
        return "(" + " OR ".join(parts) + ")"



def _drop_stage(sql: _Sql) -> list[str]:
    schema = "temp" if sql.sqlite else "pg_temp"
    return [f"DROP TABLE IF EXISTS {schema}.{t}"
            for t in ("rimp_stage", "rimp_skip", "rimp_villages", "rimp_gone")]


def _insert_skip(ph: str) -> str:
    return f"INSERT INTO rimp_skip (registry_id, nik) VALUES ({ph}, {ph})"  # noqa: S608


def _stage_ddl(sql: _Sql) -> list[str]:
    stage_cols = ", ".join(f"{col} {STAGE_TYPES[col]}" for col in STAGE_COLUMNS)
    return [
        *_drop_stage(sql),
        f"CREATE TEMP TABLE rimp_stage ({stage_cols}, target_id INTEGER)",
        "CREATE TEMP TABLE rimp_skip (registry_id VARCHAR(200), nik VARCHAR(200))",
        "CREATE TEMP TABLE rimp_villages (code VARCHAR(13) PRIMARY KEY)",
        "CREATE TEMP TABLE rimp_gone (id INTEGER PRIMARY KEY)",
    ]


class StagingMixin:
    """Phase 1 of an import (_Run): the file into the staging tables."""

    # -- phase 1 ---------------------------------------------------------

    def scan(self, layout: Layout) -> None:
        """Read every row, validate, stage the valid ones. Commits only the
        staging (temp) tables; the registry is not touched."""
        self.layout = layout
        sql = self.sql
        cur = self.raw.cursor()
        for stmt in _stage_ddl(sql):
            cur.execute(stmt)
        cur.execute("SELECT code, name, level, parent_code FROM regions ORDER BY code")
        params = _ScanParams(self.path, layout, cur.fetchall(), self.scope, self.today,
                             self.keep_errors, self.village_choices)
        fields = classify_header(layout.header)[0]
        header_titles = [str(t or "").strip() for t in layout.header]
        insert_stage = self._stage_writer(cur)
        insert_skip = _insert_skip(sql.ph)
        started = time.perf_counter()
        covered: list[str] = []
        suspects: list[str] = []
        next_report = 0
        for batch in scan_rows(params):
            if not isinstance(batch, Batch):  # the ScanEnd
                covered, suspects = batch.villages, batch.repeated()
                break
            if batch.valid:
                insert_stage(batch.valid)
                self.rows_valid += len(batch.valid)
            total = batch.rows_total
            self.rows_total, self.rows_error, self.error_count = (
                total, batch.rows_error, batch.error_count)
            self._flush_problems(batch.problems)
            if batch.skipped:
                cur.executemany(insert_skip, batch.skipped)
            if total >= next_report:
                next_report = total + 20_000
                self._report_scan(batch)
        total = self.rows_total
        log.debug("impor #%s: membaca dan memeriksa %s baris %.2f s", self.import_id, total,
                  time.perf_counter() - started)
        self._report("memeriksa", 1, 1)
        if total == 0:
            raise _Rejected("Berkas hanya berisi judul kolom, tanpa baris data.")
        started = time.perf_counter()
        i_id, i_nik = fields["registry_id"], fields["nik"]
        if suspects and self._dedupe(cur, header_titles, suspects, i_id, i_nik):
            cur.execute("SELECT DISTINCT village_code FROM rimp_stage")
            covered = sorted(c for (c,) in cur.fetchall())
        cur.execute("CREATE INDEX rimp_skip_rid ON rimp_skip (registry_id)")
        cur.execute("CREATE INDEX rimp_skip_nik ON rimp_skip (nik)")
        cur.executemany(f"INSERT INTO rimp_villages (code) VALUES ({sql.ph})",  # noqa: S608
                        [(c,) for c in covered])
        self.villages = len(covered)
        self.raw.commit()
        log.debug("impor #%s: data ganda dalam berkas %.2f s", self.import_id,
                  time.perf_counter() - started)

    def _report_scan(self, batch: Batch) -> None:
        size = batch.size or 1
        self._report("memeriksa", batch.position, size)
        self.tracker.progress(
            throttle=True, rows_total=batch.rows_total, rows_valid=self.rows_valid,
            rows_error=batch.rows_error, error_count=batch.error_count,
            progress=min(99, int(100 * batch.position / size)),
            progress_note=f"Memeriksa baris {format_count(batch.rows_total)}")

    def reset(self) -> None:
        """Forget a scan that has to start again."""
        self.raw.rollback()
        self.rows_total = self.rows_valid = self.rows_error = self.error_count = 0
        self.villages = self.stored_errors = 0
        table = RegistryImportProblem.__table__
        self.tracker.conn.execute(table.delete().where(table.c.import_id == self.import_id))
        self.tracker.conn.commit()

    def _flush_problems(self, problems: list[tuple]) -> None:
        if not problems or not self.keep_errors:
            return
        room = MAX_STORED_ERRORS - self.stored_errors
        if room <= 0:
            return
        problems = problems[:room]
        self.stored_errors += len(problems)
        self.tracker.add_problems(problems)

    def _stage_writer(self, cur):
        cols = ", ".join(STAGE_COLUMNS)
        if self.sql.sqlite:
            stmt = (f"INSERT INTO rimp_stage ({cols}) VALUES "  # noqa: S608
                    f"({', '.join('?' * len(STAGE_COLUMNS))})")

            def write(rows):
                # sqlite3 binds a plain tuple's parameters faster than a
                # NamedTuple's: copying each StageRow costs 5 times less.
                cur.executemany(stmt, map(tuple, rows))
        else:
            copy_sql = f"COPY rimp_stage ({cols}) FROM STDIN"

            def write(rows):
                with cur.copy(copy_sql) as cp:
                    for r in rows:
                        cp.write_row(r)
        return write

    def _dedupe(self, cur, titles: list[str], columns: list[str], i_id: int,
                i_nik: int) -> int:
        """The same ID DTKS or NIK twice in the file: every row involved is an
        error (the file must say which one is right). `columns`: where the
        hashes repeated. Returns the number of rows dropped."""
        sql = self.sql
        bad: dict[int, list[tuple]] = {}
        keys: dict[int, tuple[str, str]] = {}
        for col, idx, label in (("registry_id", i_id, "ID DTKS"), ("nik", i_nik, "NIK")):
            if col not in columns:
                continue
            cur.execute(
                f"SELECT s.row_no, s.{col}, s.registry_id, s.nik FROM rimp_stage s "  # noqa: S608
                f"WHERE s.{col} IN (SELECT {col} FROM rimp_stage GROUP BY {col} "
                f"HAVING COUNT(*) > 1) ORDER BY s.{col}, s.row_no")
            groups: dict[str, list[int]] = {}
            for row_no, value, rid, nik in cur.fetchall():
                groups.setdefault(value, []).append(row_no)
                keys[row_no] = (rid, nik)
            for value, rows in groups.items():
                for row_no in rows:
                    others = [r for r in rows if r != row_no]
                    shown = ", ".join(str(r) for r in others[:5])
                    more = f" dan {len(others) - 5} baris lain" if len(others) > 5 else ""
                    bad.setdefault(row_no, []).append(
                        (titles[idx], value,
                         f"{label} {value} juga tercantum di baris {shown}{more}; satu orang "
                         "hanya boleh satu baris. Perbaiki data ganda ini di SIKS-NG."))
        if not bad:
            return 0
        problems = []
        for row_no in sorted(bad):
            for col, value, msg in bad[row_no]:
                problems.append(Problem(row_no, col, value, msg))
            self.rows_error += 1
            self.error_count += len(bad[row_no])
        self.rows_valid -= len(bad)
        if self.keep_errors:
            self._flush_problems(problems)
        ph = sql.ph
        rows = sorted(bad)
        cur.executemany(_insert_skip(ph), [keys[r] for r in rows])
        delete = f"DELETE FROM rimp_stage WHERE row_no = {ph}"  # noqa: S608
        cur.executemany(delete, [(r,) for r in rows])
        return len(rows)
