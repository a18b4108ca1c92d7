"""The databases of the tests: the app on a given URL, the template migrated once per
session, and PostgreSQL databases made and dropped by name."""

from __future__ import annotations

import contextvars

from flask.testing import FlaskClient
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from config import normalise_database_url
from tests.factories import PG_URL


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


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in a real server.

    The test holds an app context for its own database work; without this a
    request would reuse it (and its `g`), which no real request ever does.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(FlaskClient.open, self, *args, **kwargs)
