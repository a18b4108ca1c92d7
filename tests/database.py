"""The databases of the tests: the app on a given URL, the template migrated once per
session, and PostgreSQL databases made and dropped by name."""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalise_database_url
from tests.factories import IS_PG, PG_URL


def make_app(db_url: str):
    from slrt import create_app

    return create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": db_url})


def prepare(db_url: str) -> None:
    from flask_migrate import upgrade

    from slrt.cases.catalog import load_categories
    from slrt.extensions import db
    from slrt.referrals.catalog import load_programs
    from slrt.regions.services import load_regions

    app = make_app(db_url)
    with app.app_context():
        upgrade()
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
def app_at_revision(tmp_path: Path, revision: str):
    """An app (its context pushed) on a database of its own, migrated up to
    `revision` only, with the regions, categories and programs loaded: the
    data a migration after it finds. Dropped afterwards."""
    from flask_migrate import upgrade

    from slrt.cases.catalog import load_categories
    from slrt.extensions import db
    from slrt.referrals.catalog import load_programs
    from slrt.regions.services import load_regions

    if IS_PG:
        name = f"slrt_m_{uuid.uuid4().hex[:10]}"
        admin = pg_admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = pg_url_for(name)
    else:
        url = f"sqlite:///{tmp_path / 'lama.db'}"
    app = make_app(url)
    ctx = app.app_context()
    ctx.push()
    try:
        upgrade(revision=revision)
        load_regions("15.04")
        load_categories()
        load_programs()
        db.session.commit()
        yield app
    finally:
        db.session.remove()
        db.engine.dispose()
        ctx.pop()
        if IS_PG:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in a real server.

    The test holds an app context for its own database work; without this a
    request would reuse it (and its `g`), which no real request ever does.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(FlaskClient.open, self, *args, **kwargs)
