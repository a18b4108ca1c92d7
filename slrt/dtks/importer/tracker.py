"""The import row (registry_imports) while an import works: status, progress
and problems written on a connection of their own so that a page can poll
them; imports left running by a dead process; the entry-point decorator."""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta
from functools import wraps

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError

from slrt.common.time import now_utc
from slrt.dtks.importer.base import _clip
from slrt.dtks.models import RUNNING_IMPORT_STATUSES, RegistryImport, RegistryImportProblem
from slrt.dtks.workflow import IMPORT_FLOW, target_of
from slrt.extensions import db

log = logging.getLogger(__name__)


class Tracker:
    """Status, progress and row errors of one import, written on a connection
    of its own and committed at once, so that a page can poll them while the
    import works. On SQLite nothing is written here while the apply
    transaction holds the write lock (it would wait for it)."""

    def __init__(self, import_id: int, status: str, min_interval: float = 0.5):
        self.import_id = import_id
        self.status = status  # as this run last wrote it (moves checked by IMPORT_FLOW)
        self.conn = db.engine.connect()
        if self.conn.dialect.name == "postgresql":
            # A progress write must never hold the import up.
            self.conn.exec_driver_sql("SET lock_timeout = '2s'")
            self.conn.commit()
        self.min_interval = min_interval
        self.last = 0.0
        self.paused = False
        self.table = RegistryImport.__table__
        self.problems_table = RegistryImportProblem.__table__

    def set(self, **values) -> None:
        """Status changes: must be written."""
        self._write(values)

    def progress(self, throttle: bool = False, **values) -> None:
        """Progress only: at most every min_interval when throttled, and
        skipped (never failing the import) when the database is busy."""
        if self.paused:
            return
        now = time.monotonic()
        if throttle and now - self.last < self.min_interval:
            return
        self.last = now
        try:
            self._write(values)
        except DBAPIError:
            log.warning("impor #%s: kemajuan tidak tercatat (basis data sibuk)", self.import_id)

    def _write(self, values: dict) -> None:
        if self.paused:
            return
        if "status" in values:
            values["status"] = target_of(self.status, values["status"])
        values["updated_at"] = now_utc()
        try:
            self.conn.execute(update(self.table).where(self.table.c.id == self.import_id)
                              .values(**values))
            self.conn.commit()
        except DBAPIError:
            self.conn.rollback()
            raise
        self.status = values.get("status", self.status)

    def add_problems(self, problems: list[tuple]) -> None:
        if not problems or self.paused:
            return
        rows = [{"import_id": self.import_id, "row_no": p[0], "column": str(p[1])[:80],
                 "value": _clip(p[2], 200), "message": p[3]} for p in problems]
        for start in range(0, len(rows), 2000):
            self.conn.execute(insert(self.problems_table), rows[start:start + 2000])
        self.conn.commit()

    def close(self) -> None:
        try:
            self.conn.rollback()
        finally:
            self.conn.close()


def worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def close_stale_imports(conn) -> None:
    """Imports left 'validating' or 'applying' by a process that died (killed,
    crashed, machine restarted) are marked failed: their transaction was
    rolled back, the data is as before them."""
    table = RegistryImport.__table__
    rows = conn.execute(select(table.c.id, table.c.worker, table.c.updated_at)
                        .where(table.c.status.in_(RUNNING_IMPORT_STATUSES))).all()
    host = socket.gethostname()[:60]
    old = now_utc() - timedelta(hours=6)
    for import_id, worker, updated_at in rows:
        w_host, _, w_pid = (worker or "").rpartition(":")
        dead = (w_host == host and w_pid.isdigit() and not pid_alive(int(w_pid))
                and int(w_pid) != os.getpid())
        if dead or (updated_at is not None and updated_at < old):
            conn.execute(update(table).where(table.c.id == import_id).values(
                status=IMPORT_FLOW.moves["gagal"].target, updated_at=now_utc(),
                message="Proses impor terhenti sebelum selesai (dihentikan atau mati). "
                        "Tidak ada data yang berubah; jalankan impor ulang."))
    conn.commit()


def _own_connections(fn):
    """An entry point of the importer: it commits on connections of its own
    (the import row, its progress, the data), so the caller's session must
    not hold SQLite's write lock: the caller's transaction is ended first
    (a web request took BEGIN IMMEDIATE at its first statement) and the
    session only reads, deferred, while the import runs."""
    @wraps(fn)
    def wrapper(*args, **kwargs):
        from slrt.platform.db import sqlite_deferred

        db.session.commit()
        with sqlite_deferred():
            return fn(*args, **kwargs)

    return wrapper


def _refresh(import_id: int) -> RegistryImport:
    db.session.expire_all()
    return db.session.get(RegistryImport, import_id)


def _claim(import_id: int, waiting: str, action: str) -> bool:
    """Take an import waiting in `waiting` for the move `action` (of IMPORT_FLOW):
    one conditional UPDATE, so that only one process wins."""
    table = RegistryImport.__table__
    running = IMPORT_FLOW.target(waiting, action)
    with db.engine.connect() as conn:
        claimed = conn.execute(update(table).where(
            table.c.id == import_id, table.c.status == waiting
        ).values(status=running, worker=worker_id(), updated_at=now_utc())).rowcount
        conn.commit()
    db.session.expire_all()
    return bool(claimed)
