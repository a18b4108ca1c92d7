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
import sqlite3

import pytest

from tests import factories
from tests.database import (
    IsolatedClient,
    app_context,
    make_app,
    own_database,
    pg_database,
    pg_url_for,
    prepare,
)
from tests.factories import IS_PG, NOW


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    if IS_PG:
        with pg_database("slrt_tpl_") as name:
            prepare(pg_url_for(name))
            yield name
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    prepare(f"sqlite:///{path}")
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    yield path


@pytest.fixture
def db_url(template_db, tmp_path):
    with own_database("slrt_t_", tmp_path / "slrt.db", template=template_db) as url:
        yield url


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    app.test_client_class = IsolatedClient
    with app_context(app):
        yield app


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
