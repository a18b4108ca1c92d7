"""Test fixtures: a real database per test (SQLite file, or PostgreSQL when
TEST_DATABASE_URL names a server), the app, and factories for realistic data.

The schema comes from `flask db upgrade` (Alembic), never from create_all().
A template database is migrated and loaded with the regions and catalogs once
per session; each test gets its own copy.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import sqlite3
import uuid
from datetime import UTC, date, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalise_database_url

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
IS_PG = PG_URL.startswith(("postgresql", "postgres"))
PASSWORD = "kata-sandi-uji-2026"  # noqa: S105

ARO = "15.04.03.2013"
OLAK = "15.04.03.2011"
TENAM = "15.04.03.2018"
MUARA_BULIAN = "15.04.03.1001"


def _make_app(db_url: str):
    from slrt import create_app

    return create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": db_url})


def _prepare(db_url: str) -> None:
    from flask_migrate import upgrade

    from slrt.cases.catalog import load_categories
    from slrt.extensions import db
    from slrt.referrals.catalog import load_programs
    from slrt.regions.services import load_regions

    app = _make_app(db_url)
    with app.app_context():
        upgrade()
        load_regions("15.04")
        load_categories()
        load_programs()
        db.session.commit()
        db.engine.dispose()


def _pg_admin_engine():
    return create_engine(normalise_database_url(PG_URL), isolation_level="AUTOCOMMIT")


def _pg_url_for(name: str) -> str:
    return make_url(normalise_database_url(PG_URL)).set(database=name).render_as_string(
        hide_password=False)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    if IS_PG:
        name = f"slrt_tpl_{uuid.uuid4().hex[:8]}"
        admin = _pg_admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        _prepare(_pg_url_for(name))
        yield name
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        _prepare(f"sqlite:///{path}")
        con = sqlite3.connect(path)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
        con.close()
        yield path


@pytest.fixture
def db_url(template_db, tmp_path):
    if IS_PG:
        name = f"slrt_t_{uuid.uuid4().hex[:10]}"
        admin = _pg_admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
        yield _pg_url_for(name)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path / "slrt.db"
        shutil.copy(template_db, path)
        yield f"sqlite:///{path}"


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in a real server.

    The test holds an app context for its own database work; without this a
    request would reuse it (and its `g`), which no real request ever does.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(FlaskClient.open, self, *args, **kwargs)


@pytest.fixture
def app(db_url):
    from slrt.extensions import db

    app = _make_app(db_url)
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

def build_nik(district: str, birth: date, sex: str, serial: int) -> str:
    """A NIK from a real district code, a birth date, the sex and a serial."""
    day = birth.day + (40 if sex == "P" else 0)
    return f"{district.replace('.', '')}{day:02d}{birth:%m%y}{serial:04d}"


def build_kk(district: str, issued: date, serial: int) -> str:
    return f"{district.replace('.', '')}{issued:%d%m%y}{serial:04d}"


@pytest.fixture
def make_user(db):
    from slrt.auth.services import create_user

    counter = {"n": 0}

    def make(role: str = "operator", villages=None, programs=None, username=None, **kw):
        counter["n"] += 1
        if villages is None:
            villages = [ARO] if role in ("operator", "fasilitator") else []
        if programs is None:
            programs = ["BENCANA_LOG"] if role == "handler" else []
        user = create_user(username or f"{role}{counter['n']}", role, password=PASSWORD,
                           kabupaten="15.04", villages=villages, programs=programs,
                           full_name=kw.pop("full_name", f"Petugas {role.title()} {counter['n']}"),
                           **kw)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_registry(db):
    """Add registry records (DTKS, period 2022-07 by default) and return them."""
    from slrt.dtks.models import RegistryRecord
    from slrt.dtks.names import name_key

    counter = {"n": 0}

    def make(name: str, *, village: str = ARO, birth: date = date(1975, 6, 14), sex: str = "L",
             no_kk: str | None = None, relationship: str = "Kepala Keluarga",
             period: str = "2022-07", **kw) -> RegistryRecord:
        counter["n"] += 1
        n = counter["n"]
        rec = RegistryRecord(
            registry_id=kw.pop("registry_id", f"DTKS-{village.replace('.', '')}-{n:05d}"),
            source=kw.pop("source", "DTKS"), period=period,
            nik=kw.pop("nik", None) or build_nik("15.04.03", birth, sex, 100 + n),
            no_kk=no_kk or build_kk("15.04.03", date(2016, 3, 2), 500 + n),
            name=name, name_key=name_key(name), birth_place=kw.pop("birth_place", "Muara Bulian"),
            birth_date=birth, sex=sex, relationship_to_head=relationship,
            dusun=kw.pop("dusun", "Dusun II"), rt=kw.pop("rt", "003"), rw=kw.pop("rw", "001"),
            village_code=village, padan=kw.pop("padan", True), **kw)
        db.session.add(rec)
        db.session.commit()
        return rec

    return make


@pytest.fixture
def now():
    return datetime(2026, 11, 27, 3, 30, tzinfo=UTC)  # 10.30 WIB


@pytest.fixture
def register(db, now):
    """Register a case through the service, as the given user."""
    from slrt.cases import services

    def reg(user, *, village=ARO, category="pbi_tidak_aktif", when=None, allow_duplicate=False,
            record_id=None, **person):
        person.setdefault("name", "Siti Aminah")
        complaint = services.ComplaintInput(
            village_code=village, category_code=category,
            description=person.pop("description", "KIS tidak aktif saat berobat ke puskesmas."),
            channel=person.pop("channel", "datang_langsung"),
            urgency=person.pop("urgency", "biasa"))
        case = services.register_case(user, services.PersonInput(**person), complaint,
                                      now=when or now, case_prefix="BH",
                                      registry_record_id=record_id,
                                      allow_duplicate=allow_duplicate)
        db.session.commit()
        return case

    return reg


# ---------------------------------------------------------------- client helpers

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client, user, password: str = PASSWORD):
    page = client.get("/masuk")
    resp = client.post("/masuk", data={"username": user.username, "password": password,
                                       "csrf_token": csrf_from(page.text)})
    assert resp.status_code == 302, resp.text
    return resp


def post(client, url: str, data: dict, token_page: str = "/"):
    """POST a form the way a browser does: with the CSRF token of the session."""
    token = csrf_from(client.get(token_page, follow_redirects=True).text)
    return client.post(url, data={**data, "csrf_token": token})
