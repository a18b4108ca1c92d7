"""Phase 2 of an import (_Run): the staged rows applied to registry_records in
ONE transaction, set-based. Records are matched by ID DTKS, else by NIK;
changed ones are updated with their previous values kept in
registry_record_history; unchanged ones only get the new period; new ones are
inserted; the records of the file's villages that the file no longer lists
are marked inactive (never deleted), with a confirmation when that is more
than MASS_DEACTIVATION_SHARE of a village. Nothing is committed before the
end. Also the checks made before it: newer data, the deactivation plan."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Mapping

from slrt.common.time import now_utc
from slrt.dtks.importer.base import (
    ApplyResult,
    _Rejected,
    _Unconfirmed,
    format_count,
    gettext,
)
from slrt.dtks.importer.columns import DATA_COLUMNS, HISTORY_COLUMNS
from slrt.dtks.models import MASS_DEACTIVATION_SHARE
from slrt.dtks.workflow import IMPORT_FLOW

log = logging.getLogger(__name__)
# The one status an apply finishes from (its final UPDATE is conditional on it).
(APPLYING,) = IMPORT_FLOW.sources_of("diterapkan")

_HIST_COLS = ", ".join(HISTORY_COLUMNS)
_HIST_VALS = ", ".join(f"r.{c}" for c in HISTORY_COLUMNS)


class _Steps:
    """The apply's statements, with its parameters, and its nine steps of
    progress (logged with their time for `flask dtks import --verbose`)."""

    total = 9

    def __init__(self, job, cur, params: dict):
        self.job = job
        self.cur = cur
        self.params = params
        self.done = 0
        self.clock = time.perf_counter()

    def run(self, stmt: str) -> int:
        self.cur.execute(self.job.sql.named(stmt), self.params)
        return self.cur.rowcount

    def advance(self, note: str) -> None:
        job = self.job
        self.done += 1
        t = time.perf_counter()
        log.debug("impor #%s: %s %.2f s", job.import_id, note, t - self.clock)
        self.clock = t
        job._report("menerapkan", self.done, self.total)
        if not job.sql.sqlite:
            job.tracker.progress(progress=int(100 * self.done / self.total), progress_note=note)


class ApplyMixin:
    """The registry side of an import (_Run): read-only checks, then the apply."""

    def newer_data(self, cur) -> list[tuple[str, str]]:
        """Villages of the file that already hold a newer snapshot."""
        latest = self._scalar(cur, "SELECT MAX(CASE WHEN period > COALESCE(inactive_since, '') "
                                   "THEN period ELSE inactive_since END) FROM registry_records")
        if latest is None or latest <= self.period:
            return []  # one sequential scan; the usual case: this is the newest period
        cur.execute(self.sql.named(
            "SELECT r.village_code, MAX(CASE WHEN r.period > COALESCE(r.inactive_since, '') "
            "THEN r.period ELSE r.inactive_since END) FROM registry_records r "
            "WHERE r.village_code IN (SELECT code FROM rimp_villages) AND (r.period > :p OR "
            "COALESCE(r.inactive_since, '') > :p) GROUP BY r.village_code "
            "ORDER BY r.village_code"), {"p": self.period})
        return cur.fetchall()

    def newer_message(self, newer: list[tuple[str, str]], regions_names: Mapping) -> str:
        shown = ", ".join(f"{regions_names.get(code, code)} ({period})"
                          for code, period in newer[:5])
        more = f" dan {len(newer) - 5} desa lain" if len(newer) > 5 else ""
        return (f"Data yang lebih baru dari periode {self.period} sudah ada untuk "
                f"{shown}{more}. Berkas periode lama tidak diterapkan agar data baru tidak "
                "tertimpa.")

    def plan_deactivation(self, cur) -> tuple[int, list[tuple[str, int, int]]]:
        """The active records of the file's villages that no row of the file
        (valid or not) names by ID DTKS or NIK: what the apply would mark
        inactive. Returns (total, [(village, to deactivate, active)]). Read
        only; the apply counts again, exactly, and checks the confirmation."""
        if not self._scalar(cur, "SELECT COUNT(*) FROM registry_records r WHERE r.village_code "
                                 "IN (SELECT code FROM rimp_villages)"):
            return 0, []
        for stmt in ("CREATE INDEX IF NOT EXISTS rimp_stage_rid ON rimp_stage (registry_id)",
                     "CREATE INDEX IF NOT EXISTS rimp_stage_nik ON rimp_stage (nik)"):
            cur.execute(stmt)
        cur.execute(self.sql.named(
            "SELECT r.village_code, SUM(CASE WHEN "
            "NOT EXISTS (SELECT 1 FROM rimp_stage s WHERE s.registry_id = r.registry_id) "
            "AND NOT EXISTS (SELECT 1 FROM rimp_stage s WHERE s.nik = r.nik) "
            "AND NOT EXISTS (SELECT 1 FROM rimp_skip k WHERE k.registry_id = r.registry_id) "
            "AND NOT EXISTS (SELECT 1 FROM rimp_skip k WHERE k.nik = r.nik) "
            "THEN 1 ELSE 0 END), COUNT(*) FROM registry_records r "
            "WHERE r.is_active AND r.village_code IN (SELECT code FROM rimp_villages) "
            "AND r.period <= :p GROUP BY r.village_code ORDER BY r.village_code"),
            {"p": self.period})
        rows = [(code, int(gone or 0), int(active)) for code, gone, active in cur.fetchall()]
        return sum(gone for _, gone, _ in rows), rows

    def mass_notice(self, cur, total: int, rows: list[tuple[str, int, int]]) -> str | None:
        """The message when the deactivations exceed the share of a village
        (None otherwise)."""
        over = [(code, gone, active) for code, gone, active in rows
                if active and gone > MASS_DEACTIVATION_SHARE * active]
        if not over:
            return None
        names = self._names(cur, [code for code, _, _ in over])
        where = ", ".join(
            gettext("%(village)s: %(gone)s dari %(active)s", village=names.get(code, code),
               gone=format_count(gone), active=format_count(active))
            for code, gone, active in over[:5])
        if len(over) > 5:
            where += gettext(" dan %(n)s desa lain", n=len(over) - 5)
        return gettext("Perhatian: %(n)s data aktif akan dinonaktifkan karena tidak tercantum lagi "
                       "dalam berkas, lebih dari %(share)s%% data aktif desa/kelurahannya "
                       "(%(where)s). Penerapan memerlukan konfirmasi yang menyebut jumlah ini.",
                       n=format_count(total), share=round(MASS_DEACTIVATION_SHARE * 100),
                       where=where)

    # -- phase 2 ---------------------------------------------------------

    def apply(self, record_values: dict) -> ApplyResult:
        """Set-based apply of the staged rows in one transaction; the import
        row gets its final status and counts in the same transaction."""
        cur = self.raw.cursor()
        now = now_utc()
        steps = _Steps(self, cur, {"p": self.period, "source": self.source,
                                   "imp": self.import_id, "now": self.sql.ts(now)})
        self._begin(cur)
        existing = self._scalar(cur, "SELECT COUNT(*) FROM registry_records")
        skipped_newer = self._match(steps, cur, existing)
        updated, confirmed = self._update_matched(steps, existing)
        deactivated = self._deactivate(steps, cur, existing)
        inserted = self._insert_new(steps, cur, existing)
        counts = dict(self._fetch(cur, self.sql.named(
            "SELECT change, COUNT(*) FROM registry_record_history WHERE import_id = :imp "
            "GROUP BY change"), {"imp": self.import_id}))
        matched = self._scalar(cur, "SELECT COUNT(*) FROM rimp_stage WHERE target_id IS NOT "
                                    "NULL") if existing else 0
        reactivated = counts.get("aktif_lagi", 0)
        changed_n = counts.get("diubah", 0)
        result = ApplyResult(
            import_id=self.import_id, status="applied", inserted=inserted, updated=changed_n,
            confirmed=confirmed, unchanged=max(0, matched - updated - confirmed),
            reactivated=reactivated, deactivated=deactivated, skipped_newer=skipped_newer,
            rows_skipped=self.rows_error, villages=self.villages)
        # name-key-only refreshes count as unchanged data
        result.unchanged += max(0, updated - changed_n - reactivated)
        result.message = _applied_message(result, self.period)
        self._finish(cur, steps, record_values, result, now)
        if self.sql.sqlite and inserted + updated + confirmed + deactivated > 100_000:
            try:  # give the big WAL back to the file system, unless readers are busy
                cur.execute("PRAGMA busy_timeout = 1000")
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.OperationalError:  # pragma: no cover - a later checkpoint will
                pass
        return result

    def _begin(self, cur) -> None:
        """Take the write lock (SQLite) or the import lock (PostgreSQL), then
        refuse when a village of the file already holds newer data."""
        self.tracker.set(status="applying", progress=0, progress_note="Menerapkan data")
        if self.sql.sqlite:
            if self.raw.driver_connection.in_transaction:
                self.raw.commit()
            self.tracker.paused = True  # the write lock is ours until COMMIT
            cur.execute("BEGIN IMMEDIATE")
        else:
            cur.execute("SELECT pg_advisory_xact_lock(738051)")
        newer = self.newer_data(cur)
        if newer:
            raise _Rejected(self.newer_message(newer, self._names(cur, [c for c, _ in newer])))

    def _match(self, steps: _Steps, cur, existing: int) -> int:
        """1. Match by ID DTKS, then by NIK (a record that this file would
        otherwise deactivate, or an inactive one: the same person under a new
        ID, e.g. DTKS -> DTSEN). Returns the rows dropped because their record
        (outside the file's villages) holds newer data."""
        run = steps.run
        if existing:
            run("UPDATE rimp_stage SET target_id = r.id FROM registry_records r "
                "WHERE r.registry_id = rimp_stage.registry_id")
            cur.execute("CREATE INDEX rimp_stage_target ON rimp_stage (target_id)")
        steps.advance("Mencocokkan ID DTKS")
        unmatched = self._scalar(cur, "SELECT COUNT(*) FROM rimp_stage WHERE target_id IS NULL"
                                 ) if existing else 0
        if unmatched:
            # (a record matched by its ID DTKS is some row's target_id already)
            run("UPDATE rimp_stage SET target_id = (SELECT r.id FROM registry_records r "
                "WHERE r.nik = rimp_stage.nik AND r.period <= :p "
                "AND COALESCE(r.inactive_since, '') <= :p "
                "AND (NOT r.is_active OR r.village_code IN (SELECT code FROM rimp_villages)) "
                "AND NOT EXISTS (SELECT 1 FROM rimp_stage s2 WHERE s2.target_id = r.id) "
                "ORDER BY r.is_active DESC, r.period DESC, r.id DESC LIMIT 1) "
                "WHERE target_id IS NULL AND EXISTS (SELECT 1 FROM registry_records r2 "
                "WHERE r2.nik = rimp_stage.nik)")
        steps.advance("Mencocokkan NIK")
        skipped_newer = run(
            "DELETE FROM rimp_stage WHERE target_id IS NOT NULL AND EXISTS (SELECT 1 FROM "
            "registry_records r WHERE r.id = rimp_stage.target_id AND (r.period > :p OR "
            "COALESCE(r.inactive_since, '') > :p))") if existing else 0
        if not self.sql.sqlite:
            cur.execute("ANALYZE rimp_stage")
        return skipped_newer

    def _update_matched(self, steps: _Steps, existing: int) -> tuple[int, int]:
        """2. History of the records that change or come back, then update
        them; the unchanged ones get the new period. Returns (updated,
        confirmed) as the UPDATEs counted them."""
        run = steps.run
        changed = self.sql.content_changed("r", "s")
        if existing:
            run(f"INSERT INTO registry_record_history (record_id, import_id, change, "  # noqa: S608
                f"replaced_period, replaced_at, {_HIST_COLS}) SELECT r.id, :imp, CASE WHEN "
                f"r.is_active THEN 'diubah' ELSE 'aktif_lagi' END, :p, :now, {_HIST_VALS} "
                f"FROM rimp_stage s JOIN registry_records r ON r.id = s.target_id "
                f"WHERE NOT r.is_active OR {changed}")
        steps.advance("Menyimpan riwayat")
        sets = ", ".join(f"{c} = s.{c}" for c in ("registry_id", "name_key", *DATA_COLUMNS))
        updated = 0
        if existing:
            updated = run(
                f"UPDATE registry_records AS r SET {sets}, "  # noqa: S608
                f"source = :source, period = :p, since_period = CASE WHEN NOT r.is_active "
                f"OR {changed} THEN :p ELSE COALESCE(r.since_period, r.period) END, "
                f"is_active = TRUE, "
                f"inactive_since = NULL, import_id = :imp, updated_at = :now "
                f"FROM rimp_stage s WHERE s.target_id = r.id AND (NOT r.is_active OR "
                f"r.name_key <> s.name_key OR {changed})")
        steps.advance("Memperbarui data yang berubah")
        confirmed = 0
        if existing:
            confirmed = run(
                "UPDATE registry_records AS r SET period = :p, since_period = "
                "COALESCE(r.since_period, r.period), import_id = :imp, updated_at = :now "
                "FROM rimp_stage s WHERE s.target_id = r.id AND r.period <> :p")
        steps.advance("Memperbarui periode")
        return updated, confirmed

    def _deactivate(self, steps: _Steps, cur, existing: int) -> int:
        """3. Records of the file's villages that the file no longer lists:
        marked inactive (with their history), once the number is confirmed
        where it must be."""
        run = steps.run
        deactivated = 0
        if existing:
            run("INSERT INTO rimp_gone (id) SELECT r.id FROM registry_records r "
                "WHERE r.is_active AND r.village_code IN (SELECT code FROM rimp_villages) "
                "AND r.period <= :p "
                "AND NOT EXISTS (SELECT 1 FROM rimp_stage s WHERE s.target_id = r.id) "
                "AND NOT EXISTS (SELECT 1 FROM rimp_skip k WHERE k.registry_id = "
                "r.registry_id) AND NOT EXISTS (SELECT 1 FROM rimp_skip k WHERE k.nik = r.nik)")
            self._check_deactivation(cur)
            run(f"INSERT INTO registry_record_history (record_id, import_id, change, "  # noqa: S608
                f"replaced_period, replaced_at, {_HIST_COLS}) SELECT r.id, :imp, 'nonaktif', "
                f":p, :now, {_HIST_VALS} FROM registry_records r "
                f"WHERE r.id IN (SELECT id FROM rimp_gone)")
            deactivated = run(
                "UPDATE registry_records SET is_active = FALSE, inactive_since = :p, "
                "import_id = :imp, updated_at = :now WHERE id IN (SELECT id FROM rimp_gone)")
        steps.advance("Menonaktifkan data yang hilang")
        return deactivated

    def _insert_new(self, steps: _Steps, cur, existing: int) -> int:
        """4. New records (SQLite: with the indexes built again afterwards
        when that is quicker)."""
        new_rows = self._scalar(cur, "SELECT COUNT(*) FROM rimp_stage WHERE target_id IS NULL")
        rebuild = self._drop_indexes(cur, new_rows, existing)
        cols = ("registry_id", "name_key", *DATA_COLUMNS)
        inserted = steps.run(
            f"INSERT INTO registry_records ({', '.join(cols)}, "  # noqa: S608
            f"source, period, since_period, is_active, inactive_since, import_id, updated_at) "
            f"SELECT "
            f"{', '.join(cols)}, :source, :p, :p, TRUE, NULL, :imp, :now FROM rimp_stage "
            f"WHERE target_id IS NULL ORDER BY registry_id")
        steps.advance("Menambahkan data baru")
        for stmt in rebuild:
            cur.execute(stmt)
        steps.advance("Menyusun indeks")
        return inserted

    def _finish(self, cur, steps: _Steps, record_values: dict, result: ApplyResult,
                now) -> None:
        """The import row's final state, in the same transaction, then COMMIT."""
        sql = self.sql
        values = {
            **record_values, "status": IMPORT_FLOW.target(APPLYING, "diterapkan"),
            "progress": 100, "progress_note": "Selesai",
            "inserted": result.inserted, "updated": result.updated,
            "confirmed": result.confirmed, "unchanged": result.unchanged,
            "reactivated": result.reactivated, "deactivated": result.deactivated,
            "skipped_newer": result.skipped_newer, "villages": self.villages,
            "message": result.message, "applied_at": sql.ts(now), "updated_at": sql.ts(now),
        }
        steps.advance("Menyimpan")
        # From here on the tracker stays silent: this transaction now holds the
        # import row, a progress write on the other connection would wait for it.
        self.tracker.paused = True
        assignments = ", ".join(f"{k} = :{k}" for k in values)
        stmt = (f"UPDATE registry_imports SET {assignments} "  # noqa: S608
                f"WHERE id = :id AND status = :was")
        cur.execute(sql.named(stmt), {**values, "id": self.import_id, "was": APPLYING})
        if cur.rowcount != 1:
            # Someone else ended this import meanwhile (marked it failed, ...):
            # its data is not committed behind the status it shows.
            raise _Rejected(gettext("Impor ini diakhiri oleh proses lain selama diterapkan; "
                                    "tidak ada data yang berubah."))
        self.raw.commit()
        self.tracker.paused = False

    def _check_deactivation(self, cur) -> None:
        """Inside the apply, once rimp_gone holds the records to deactivate:
        over the share of a village, the confirmed number must be this one."""
        cur.execute(self.sql.named(
            "SELECT r.village_code, COUNT(g.id), COUNT(*) FROM registry_records r "
            "LEFT JOIN rimp_gone g ON g.id = r.id WHERE r.is_active AND r.village_code IN "
            "(SELECT code FROM rimp_villages) AND r.period <= :p GROUP BY r.village_code "
            "ORDER BY r.village_code"), {"p": self.period})
        rows = [(code, int(gone), int(active)) for code, gone, active in cur.fetchall()]
        total = sum(gone for _, gone, _ in rows)
        notice = self.mass_notice(cur, total, rows)
        if notice is not None and self.confirm_deactivate != total:
            raise _Unconfirmed(total, notice)

    def _drop_indexes(self, cur, new_rows: int, existing: int) -> list[str]:
        """SQLite: when the import adds many rows compared with what is there,
        drop the secondary indexes of registry_records and build them again
        after the insert (sorting once beats a million random index inserts).
        Inside the transaction: a kill leaves them as they were. Returns the
        statements that rebuild them."""
        if not self.sql.sqlite or new_rows < 50_000 or new_rows < existing:
            return []
        cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                    "tbl_name = 'registry_records' AND sql IS NOT NULL")
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        return [ddl for _, ddl in indexes]


def _applied_message(r: ApplyResult, period: str) -> str:
    parts = [f"{format_count(r.inserted)} baru", f"{format_count(r.updated)} berubah",
             f"{format_count(r.confirmed + r.unchanged)} tetap"]
    if r.reactivated:
        parts.append(f"{format_count(r.reactivated)} aktif kembali")
    parts.append(f"{format_count(r.deactivated)} dinonaktifkan")
    text = (f"Periode {period} diterapkan: " + ", ".join(parts)
            + f" ({format_count(r.villages)} desa/kelurahan).")
    if r.skipped_newer:
        text += (f" {format_count(r.skipped_newer)} baris dilewati karena data periode yang lebih "
                 "baru sudah ada.")
    if r.rows_skipped:
        text += f" {format_count(r.rows_skipped)} baris bermasalah tidak diterapkan."
    return text
