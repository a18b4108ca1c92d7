"""One import at work (_Run): its connections, its counts, and the two phases
it is made of (staging.StagingMixin: the file into the staging tables;
apply.ApplyMixin: the staging tables into the registry)."""

from __future__ import annotations

import sqlite3

from slrt.dtks.importer.apply import ApplyMixin
from slrt.dtks.importer.base import ImportRefused, ProgressCallback
from slrt.dtks.importer.infile import input_of
from slrt.dtks.importer.parsers import period_today
from slrt.dtks.importer.reader import Layout
from slrt.dtks.importer.staging import StagingMixin, _Sql
from slrt.dtks.importer.tracker import Tracker
from slrt.dtks.models import RegistryImport
from slrt.extensions import db


class _Run(StagingMixin, ApplyMixin):
    """One import: reads and validates the file into the staging table, then
    applies it. Uses a raw pooled connection for the data (commit/rollback
    done here) and a _Tracker for the state others poll."""

    def __init__(self, record: RegistryImport, progress: ProgressCallback | None):
        self.import_id = record.id
        self.status = record.status  # what the claim or the creation wrote
        self.path = input_of(record)  # a path, or a key of the app's file store
        self.period = record.period
        self.source = record.source
        self.scope = record.scope_code
        self.village_choices = dict(record.village_choices or {})
        self.progress = progress
        self.today = period_today(record.period)
        self.layout: Layout | None = None
        self.raw = None
        self.sql: _Sql | None = None
        self.tracker: Tracker | None = None
        self.rows_total = self.rows_valid = self.rows_error = self.error_count = 0
        self.villages = 0
        self.stored_errors = 0
        self.keep_errors = True
        self.confirm_deactivate: int | None = None  # the number the user confirmed

    # -- connections ------------------------------------------------------

    def open(self) -> None:
        self.tracker = Tracker(self.import_id, self.status)
        self.raw = db.engine.raw_connection()
        dialect = db.engine.dialect.name
        if dialect not in ("sqlite", "postgresql"):  # pragma: no cover
            raise ImportRefused(f"Basis data {dialect} tidak didukung untuk impor DTKS.")
        self.sql = _Sql(dialect)
        if self.sql.sqlite:
            if sqlite3.sqlite_version_info < (3, 33, 0):  # pragma: no cover
                raise ImportRefused("Impor DTKS memerlukan SQLite 3.33 atau lebih baru.")
            # Wait for another import's apply (one writer at a time) rather than fail.
            self.raw.cursor().execute("PRAGMA busy_timeout = 60000")

    def close(self) -> None:
        if self.raw is not None:
            # Closing the DBAPI connection (instead of returning it to the pool)
            # drops the staging tables at once, without walking their pages.
            try:
                self.raw.rollback()
            finally:
                self.raw.invalidate()
                self.raw.close()
                self.raw = None
        if self.tracker is not None:
            self.tracker.close()
            self.tracker = None

    def _report(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)

    # -- SQL helpers -----------------------------------------------------

    def _scalar(self, cur, stmt: str, params=None):
        cur.execute(self.sql.named(stmt), params or {})
        row = cur.fetchone()
        return row[0] if row else None

    def _fetch(self, cur, stmt: str, params) -> list:
        cur.execute(stmt, params)
        return cur.fetchall()

    def _names(self, cur, codes: list[str]) -> dict[str, str]:
        if not codes:
            return {}
        ph = ", ".join([self.sql.ph] * len(codes))
        cur.execute(f"SELECT code, name FROM regions WHERE code IN ({ph})", codes)  # noqa: S608
        return dict(cur.fetchall())

