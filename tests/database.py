"""The databases of the tests: the app on a given URL, the template migrated once per
session, and databases of a test's own (PostgreSQL ones made and dropped by name)."""

from __future__ import annotations

import contextvars
import re
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from config import normalise_database_url
from tests.factories import IS_PG, PG_URL


def make_app(db_url: str):
    from slrt import create_app

    return create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": db_url})


# Columns a later migration adds that today's models read and write: a test of
# an older migration builds its world through today's services, so they are
# added to the older schema for the time the world is built, and dropped
# again before the test migrates on (upgrade_old_world): the migration that
# adds them then finds the schema it was written for.
LATER_COLUMNS = {19: (("users", "regency_code"), ("programs", "regency_code"))}


def _later_columns(revision: str):
    if revision == "head":
        return []
    number = int(revision[:4])
    return [col for n, cols in LATER_COLUMNS.items() if number < n for col in cols]


def prepare(db_url: str, revision: str = "head") -> None:
    """Migrate the database up to `revision` and load the regions and catalogs."""
    from flask_migrate import upgrade

    from slrt.cases.catalog import load_categories
    from slrt.extensions import db
    from slrt.referrals.catalog import load_programs
    from slrt.regions.services import load_regions

    app = make_app(db_url)
    with app.app_context():
        upgrade(revision=revision)
        for table, column in _later_columns(revision):
            db.session.execute(text(
                f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR(13) DEFAULT '15.04'"))
        load_regions("15.04")
        load_categories()
        load_programs()
        db.session.commit()
        db.engine.dispose()


def pg_admin_engine():
    return create_engine(normalise_database_url(PG_URL), isolation_level="AUTOCOMMIT")


def pg_url_for(name: str) -> str:
    return make_url(normalise_database_url(PG_URL)).set(database=name).render_as_string(
        hide_password=False)


@contextmanager
def pg_database(prefix: str, template: str | None = None):
    """A new PostgreSQL database named `prefix` and a random suffix (a copy of the
    database `template` if given): yields its name, and drops it afterwards."""
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    admin = pg_admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def own_database(prefix: str, sqlite_path: Path, template=None):
    """A database of the test's own on the engine under test: a new PostgreSQL
    database (see pg_database), or the SQLite file at `sqlite_path` (a copy of the
    file `template` if given). Yields its URL."""
    if IS_PG:
        with pg_database(prefix, template) as name:
            yield pg_url_for(name)
        return
    if template is not None:
        shutil.copy(template, sqlite_path)
    yield f"sqlite:///{sqlite_path}"


@contextmanager
def app_context(app):
    """The app's context pushed for a test; afterwards the session is removed and the
    engine's connections closed, so that the database can be dropped or deleted."""
    from slrt.extensions import db

    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        db.session.remove()
        db.engine.dispose()
        ctx.pop()


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in a real server.

    The test holds an app context for its own database work; without this a
    request would reuse it (and its `g`), which no real request ever does.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(FlaskClient.open, self, *args, **kwargs)


def revision_before(revision: str) -> str:
    """The revision a migration follows, read from its file (re-chaining it moves
    the migration's test along)."""
    path = Path(__file__).resolve().parents[1] / "migrations/versions" / f"{revision}.py"
    return re.search(r"^down_revision = '([^']+)'", path.read_text(), re.M).group(1)


def upgrade_old_world() -> None:
    """Migrate a database of app_before/prepare(revision) on to the head: the
    columns added for today's models go first (see LATER_COLUMNS)."""
    from flask_migrate import upgrade

    from slrt.extensions import db

    db.session.remove()
    with db.engine.begin() as conn:
        have = {(t, c["name"]) for t in {t for cols in LATER_COLUMNS.values() for t, _ in cols}
                for c in inspect(conn).get_columns(t)}
        for cols in LATER_COLUMNS.values():
            for table, column in cols:
                if (table, column) in have:
                    conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    db.engine.dispose()
    upgrade()


@contextmanager
def app_before(revision: str, sqlite_path: Path):
    """An app on a database of the test's own, migrated up to the revision before
    `revision`: the world a migration finds."""
    from slrt.cases.signals import case_status_changed

    with own_database("slrt_m_", sqlite_path) as url:
        prepare(url, revision=revision_before(revision))
        # Features newer than this schema react to a case's status change
        # (the API's webhooks read their own table): muted on the old schema.
        with app_context(make_app(url)) as app, case_status_changed.muted():
            yield app


@contextmanager
def statements(engine):
    """Every SQL statement the engine sends while the block runs, as
    (statement, parameters) in order: for tests that count queries or read a plan."""
    from sqlalchemy import event

    seen: list[tuple[str, object]] = []

    def log(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", log)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", log)
