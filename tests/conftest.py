"""Test fixtures: a real database per test (SQLite file, or PostgreSQL when
TEST_DATABASE_URL names a server), the app, and the factories of factories.py
bound to it. Only fixtures live here; helpers are plain modules (factories.py,
http.py, database.py) that tests import.

The schema comes from `flask db upgrade` (Alembic), never from create_all().
A template database is migrated and loaded with the regions and catalogs once
per session; each test gets its own copy.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import uuid

import pytest
from sqlalchemy import text

from tests import factories
from tests.database import IsolatedClient, make_app, pg_admin_engine, pg_url_for, prepare
from tests.factories import IS_PG, NOW


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    if IS_PG:
        name = f"slrt_tpl_{uuid.uuid4().hex[:8]}"
        admin = pg_admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        prepare(pg_url_for(name))
        yield name
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        prepare(f"sqlite:///{path}")
        con = sqlite3.connect(path)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
        con.close()
        yield path


@pytest.fixture
def db_url(template_db, tmp_path):
    if IS_PG:
        name = f"slrt_t_{uuid.uuid4().hex[:10]}"
        admin = pg_admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
        yield pg_url_for(name)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path / "slrt.db"
        shutil.copy(template_db, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app(db_url):
    from slrt.extensions import db

    app = make_app(db_url)
    app.test_client_class = IsolatedClient
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


@pytest.fixture
def db(app):
    from slrt.extensions import db

    return db


@pytest.fixture
def client(app):
    return app.test_client()


# ---------------------------------------------------------------- factories

@pytest.fixture
def make_user(db):
    counter = itertools.count(1)

    def make(role: str = "operator", villages=None, programs=None, username=None, **kw):
        return factories.make_user(next(counter), role, villages, programs, username, **kw)

    return make


@pytest.fixture
def make_registry(db):
    """Add registry records (DTKS, period 2022-07 by default) and return them."""
    counter = itertools.count(1)

    def make(name: str, **kw):
        return factories.make_registry(next(counter), name, **kw)

    return make


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def register(db, now):
    """Register a case through the service, as the given user."""

    def reg(user, **kw):
        return factories.register(user, now=now, **kw)

    return reg
