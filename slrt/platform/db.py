"""The database under concurrent writers, on SQLite and PostgreSQL.

What must be serialised (two desks registering the same resident, the same
new NIK at two desks) is serialised by `write_lock(session, key)`, the same
call on both engines:

- SQLite has one writer at a time. A transaction that may write holds the
  database's write lock from `BEGIN IMMEDIATE` on; a request reads without
  it first (its read phase) and takes it before it decides (see
  `_sqlite_begin`). `write_lock` ends the read phase: what the caller reads
  next is the newest data and nobody else writes until it commits.
- PostgreSQL writes concurrently. `write_lock` takes a transaction-scoped
  advisory lock on the key (`pg_advisory_xact_lock`): a second transaction
  asking for the same key waits until the first commits or rolls back, and
  then, under READ COMMITTED, its next statement sees what the first wrote.
  Different keys do not wait for each other on this lock (registrations
  still take turns briefly on the month's case-number counter row).

Nothing here reads the request to decide what to lock; the request's read
phase is the SQLite engine's own bookkeeping.
"""

from __future__ import annotations

import contextvars
import hashlib
import random
import sqlite3
import time
from contextlib import contextmanager

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def lock_key(key: str) -> int:
    """A lock name as PostgreSQL's signed 64-bit advisory lock key."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def write_lock(session, key: str) -> None:
    """Serialise, until the end of the session's transaction, every
    transaction that asks for the same key (on SQLite: every writer).

    Call it right before reading what a decision rests on (does this NIK have
    a person, an open case of this category?); what is read after it is the
    newest committed data on both engines.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.connection().execute(_ADVISORY_LOCK, {"key": lock_key(key)})
    elif dialect == "sqlite":
        _mark_write_phase()  # a transaction begun from here on takes the lock at once
        conn = session.connection()
        if conn.info.get("slrt_read_only"):
            _end_read_phase(conn)


def configure_sqlite(*, busy_timeout_ms: int) -> None:
    _sqlite_pragmas.busy_timeout_ms = busy_timeout_ms


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    timeout_ms = int(_sqlite_pragmas.busy_timeout_ms)
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {timeout_ms}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


@event.listens_for(Pool, "checkout")
def _sqlite_driver_default(dbapi_connection, connection_record, connection_proxy):
    """A connection handed out raw (engine.raw_connection(), as the registry
    importer does) keeps the driver's own transaction handling; a SQLAlchemy
    Connection switches it off in _sqlite_begin."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = ""


_sqlite_pragmas.busy_timeout_ms = 5000

_DEFERRED = contextvars.ContextVar("slrt_sqlite_deferred", default=False)


@contextmanager
def sqlite_deferred():
    """Transactions begun inside keep the driver's deferred behaviour (reads
    outside a transaction, a deferred BEGIN before the first write), as in
    the test process below. For work that writes on connections of its own
    and only reads through the session (the registry importer: its progress
    row is committed on one connection while another holds the data): a
    session holding BEGIN IMMEDIATE would block those connections."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """A request reads without the write lock, and takes it before it writes.

    The pysqlite recipe of the SQLAlchemy docs: the driver must not open
    transactions itself (isolation_level = None; it would send a plain,
    deferred BEGIN before the first write only), and the engine sends the
    BEGIN. A deferred BEGIN reads first and asks for the lock at the first
    write; in WAL mode, if another connection committed meanwhile, SQLite
    answers "database is locked" at once, whatever the busy timeout. BEGIN
    IMMEDIATE waits for the lock instead, and then cannot fail that way.

    A request begins deferred (its read phase): the login gate, the CSRF
    check, and for a page view (GET, HEAD) everything, so that reading never
    waits for writers (what WAL is for). Before the view of a changing
    request (POST) runs, the request takes the write lock (hold_write_lock),
    so that all it reads and decides on is read under the lock, as with a
    plain BEGIN IMMEDIATE. A view marked @locks_late takes it later itself,
    right before its service reads what it decides on: the complaint form
    (building the form, validating it, looking the NIK up in the registry)
    then runs while other desks write. Measured with bench/load_register.py:
    the registration's lock was held for its whole request before, which
    capped the load test at the rate one worker could serve. A write in the
    read phase (the audit entry of a page view, a refusal) ends the read
    snapshot and takes the lock first: see _sqlite_write_in_read_phase.

    CLI commands and services outside a request begin with BEGIN IMMEDIATE.
    One exception: the test process's own session (app.testing, outside any
    request) observes the app under test; it keeps the driver's behaviour
    (reads outside a transaction, a deferred BEGIN before the first write),
    so that a lingering read of a test neither holds the write lock nor an
    old snapshot while a request of the app under test runs.
    """
    if conn.dialect.name != "sqlite":
        return
    dbapi = conn.connection.dbapi_connection
    conn.info["slrt_read_only"] = False  # conn.info lives as long as the pooled connection
    if _DEFERRED.get() or (has_app_context() and not has_request_context()
                           and current_app.testing):
        dbapi.isolation_level = ""
        return
    dbapi.isolation_level = None
    if has_request_context() and not request.environ.get(_WRITE_PHASE):
        dbapi.execute("BEGIN")  # the read phase: no lock
        conn.info["slrt_read_only"] = True
        return
    if not _wait_for_write_lock(dbapi):
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the last try; fails as SQLAlchemy's error


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")
_WRITE_PHASE = "slrt.write_phase"  # request.environ key: the request holds or wants the lock


def locks_late(view):
    """Mark a view that calls hold_write_lock() itself before its service
    reads what it decides on, instead of holding the lock for the whole view."""
    view.slrt_locks_late = True
    return view


def hold_write_lock() -> None:
    """From here to the end of the request, the request holds SQLite's write
    lock: what it reads next is the newest data, and no other writer can
    change it before this request commits (BEGIN IMMEDIATE). A no-op outside
    a request, on PostgreSQL, and when the lock is already held."""
    if not has_request_context() or request.environ.get(_WRITE_PHASE):
        return
    request.environ[_WRITE_PHASE] = True
    from slrt.extensions import db

    session = db.session()
    if not session.in_transaction():
        return  # the next BEGIN takes the lock
    conn = session.connection()
    if not conn.info.get("slrt_read_only"):
        return
    _end_read_phase(conn)


def _mark_write_phase() -> None:
    if has_request_context():
        request.environ[_WRITE_PHASE] = True


def _end_read_phase(conn) -> None:
    conn.info["slrt_read_only"] = False
    dbapi = conn.connection.dbapi_connection
    if dbapi.in_transaction:
        dbapi.execute("COMMIT")  # the read snapshot; nothing was written in it
    if not _wait_for_write_lock(dbapi):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_write_in_read_phase(conn, cursor, statement, parameters, context, executemany):
    """A request that writes in its read phase (a page view's audit entry of
    who viewed what, a refusal) ends its read snapshot and starts again with
    BEGIN IMMEDIATE before its first write: writing on a deferred snapshot
    fails at once when another request committed since. Nothing it read is
    changed by such a write, so nothing is lost by reading and writing in two
    transactions."""
    if not conn.info.get("slrt_read_only") or statement.lstrip()[:6].upper() not in _WRITES:
        return
    if conn.in_nested_transaction():  # pragma: no cover - no SAVEPOINT in a read phase
        conn.info["slrt_read_only"] = False
        return
    if has_request_context() and request.method not in ("GET", "HEAD"):
        request.environ[_WRITE_PHASE] = True
    _end_read_phase(conn)


def _wait_for_write_lock(dbapi) -> bool:
    """Try BEGIN IMMEDIATE, then again every millisecond or two up to the busy
    timeout; False if the lock never came.

    SQLite's own busy handler sleeps up to 100 ms between tries: under steady
    load a waiting worker wakes when another has already taken the lock again,
    and a 4-process test starved one of them past the 5 s timeout. Short,
    jittered sleeps hand the lock over as soon as it is free.
    """
    timeout_ms = int(_sqlite_pragmas.busy_timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    dbapi.execute("PRAGMA busy_timeout = 0")
    try:
        delay = 0.0005
        while True:
            if time.monotonic() >= deadline:
                return False
            try:
                dbapi.execute("BEGIN IMMEDIATE")
                return True
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
            time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not secrets
            delay = min(delay * 2, 0.002)
    finally:
        dbapi.execute(f"PRAGMA busy_timeout = {timeout_ms}")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's autogenerate filter: an index a migration makes on one engine only
    (named in its table's info["engine_indexes"], such as the registry's pg_trgm index)
    is the migration's, not a difference between the models and the database."""
    if type_ == "index" and reflected and compare_to is None:
        from slrt.extensions import db

        table = db.metadata.tables.get(obj.table.name)
        return table is None or name not in table.info.get("engine_indexes", ())
    return True

