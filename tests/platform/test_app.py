"""The house: config, database settings, migrations, the gate, error pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect, select, text

from tests.commands import command
from tests.factories import IS_PG, PASSWORD
from tests.http import csrf_from, login, post


def test_database_url_overrides_the_instance_sqlite(monkeypatch, tmp_path):
    from slrt import create_app

    target = tmp_path / "lain.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    app = create_app("testing")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{target}"
    monkeypatch.delenv("DATABASE_URL")
    default = create_app("development").config["SQLALCHEMY_DATABASE_URI"]
    assert default.startswith("sqlite:///") and default.endswith("/slrt.db")


def test_postgres_urls_use_psycopg3():
    from config import normalise_database_url

    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from slrt import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


@pytest.mark.skipif(IS_PG, reason="PRAGMAs exist only on SQLite; PostgreSQL enforces foreign "
                    "keys and waits on locks by itself, and test_concurrency.py runs both")
def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(db):
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_models_and_migrations_agree(db):
    """`flask db upgrade` built this database; the models must describe it exactly."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from slrt.platform.db import include_object

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                      "include_object": include_object})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == []
    tables = set(inspect(db.engine).get_table_names())
    assert {"cases", "case_events", "persons", "registry_records", "regions", "users",
            "alembic_version"} <= tables


def test_case_timeline_is_append_only_in_the_database(db, make_user, register):
    from sqlalchemy.exc import DBAPIError

    case = register(make_user("operator"), nik="1504035406780002")
    assert db.session.execute(text("SELECT count(*) FROM case_events WHERE case_id = :c"),
                              {"c": case.id}).scalar() >= 2
    for stmt in ("UPDATE case_events SET message = 'diubah' WHERE case_id = :c",
                 "DELETE FROM case_events WHERE case_id = :c"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(stmt), {"c": case.id})
        db.session.rollback()


def test_health_is_public(client):
    resp = client.get("/sehat")
    assert resp.status_code == 200 and resp.json == {"status": "ok"}


def test_every_endpoint_sends_anonymous_users_to_login(app, client):
    """Walk the URL map: nothing but the allow-list answers an anonymous user.
    The JSON API asks for its bearer token instead (401, a problem document):
    only logging in for a token and the API's description are open."""
    public = {"auth.login", "static", "main.health", "status_page.lookup",
              # the field app's page, worker and manifest: no personal data, opened offline
              "field.shell", "field.service_worker", "field.manifest"}
    api_public = {"api_auth.login", "api_auth.refresh", "api.openapi", "api.docs"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public | api_public:
            continue
        url = re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(url, method=method)
            if rule.rule.startswith("/api/"):
                assert resp.status_code == 401, (rule.endpoint, method, resp.status_code)
                assert resp.headers["Content-Type"] == "application/problem+json"
                checked += 1
                continue
            assert resp.status_code == 302, (rule.endpoint, method, resp.status_code)
            assert "/masuk" in resp.location, (rule.endpoint, resp.location)
            checked += 1
    assert checked >= 10


def test_unknown_page_is_indonesian_404(client, make_user):
    login(client, make_user("operator"))
    resp = client.get("/tidak-ada")
    assert resp.status_code == 404
    assert "Halaman tidak ditemukan" in resp.text
    assert "Not Found" not in resp.text


def test_post_without_csrf_token_gets_indonesian_400(client, make_user):
    login(client, make_user("operator"))
    resp = client.post("/kasus/baru", data={"step": "cari", "nik": "1504031406750101"})
    assert resp.status_code == 400
    assert "token keamanan" in resp.text
    assert "CSRF" not in resp.text


def test_login_keeps_username_and_says_the_same_for_unknown_user(client, make_user):
    user = make_user("operator", username="rina")
    page = client.get("/masuk")
    wrong = client.post("/masuk", data={"username": "rina", "password": "salah-sandi-123",
                                        "csrf_token": csrf_from(page.text)})
    unknown = client.post("/masuk", data={"username": "tidakada", "password": "salah-sandi-123",
                                          "csrf_token": csrf_from(page.text)})
    assert wrong.status_code == unknown.status_code == 422
    assert "Nama pengguna atau kata sandi salah." in wrong.text
    assert "Nama pengguna atau kata sandi salah." in unknown.text
    assert 'value="rina"' in wrong.text
    login(client, user)
    assert client.get("/").status_code == 200


def test_disabled_user_cannot_log_in_and_session_ends(client, make_user, db):
    user = make_user("operator")
    login(client, user)
    user.is_active_flag = False
    db.session.commit()
    assert client.get("/kasus").status_code == 302


def test_logout_needs_post_and_ends_session(client, make_user):
    login(client, make_user("operator"))
    assert client.get("/keluar").status_code == 405
    resp = post(client, "/keluar", {})
    assert resp.status_code == 302
    assert client.get("/kasus").status_code == 302


def test_open_redirect_after_login_is_refused(client, make_user):
    user = make_user("operator")
    page = client.get("/masuk")
    resp = client.post("/masuk?next=https://contoh.invalid/", data={
        "username": user.username, "password": "kata-sandi-uji-2026",
        "csrf_token": csrf_from(page.text)})
    assert resp.status_code == 302 and resp.location == "/"


def test_pages_load_no_external_assets(client, make_user):
    login(client, make_user("operator"))
    html = client.get("/kasus/baru").text
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not ref.startswith(("http://", "https://", "//")), ref


def test_forbidden_and_server_error_pages_are_indonesian(db_url, make_user, client):
    from slrt import create_app

    user = make_user("operator")
    login(client, user)
    forbidden = client.get("/admin/pengguna")
    assert forbidden.status_code == 403 and "Akses ditolak" in forbidden.text

    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": db_url,
                                           "PROPAGATE_EXCEPTIONS": False})

    @app.get("/uji-galat")
    def boom():
        raise RuntimeError("galat uji")

    app.test_client_class = type(client)
    other = app.test_client()
    login(other, user)
    resp = other.get("/uji-galat")
    assert resp.status_code == 500
    assert "Terjadi kesalahan pada sistem" in resp.text and "galat uji" not in resp.text


def test_security_headers_and_no_store_for_personal_pages(client, make_user):
    resp = client.get("/masuk")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in resp.headers  # plain HTTP here
    login(client, make_user("operator"))
    assert client.get("/kasus").headers["Cache-Control"] == "no-store"
    assert client.get("/static/app.css").headers.get("Cache-Control") != "no-store"
    secure = client.get("/masuk", base_url="https://localhost")
    assert "max-age" in secure.headers["Strict-Transport-Security"]


def test_templates_have_no_inline_script_or_style():
    from pathlib import Path

    for path in (Path(__file__).resolve().parents[2] / "templates").rglob("*.html"):
        text = path.read_text()
        assert "<script>" not in text and "onclick=" not in text and "style=" not in text, path


def test_session_cookie_captured_before_logout_is_refused_after_it(app, make_user):
    user = make_user("operator")
    browser = app.test_client()
    login(browser, user)
    stolen = browser.get_cookie("session").value
    assert post(browser, "/keluar", {}).status_code == 302
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    resp = attacker.get("/kasus")
    assert resp.status_code == 302 and "/masuk" in resp.location


def test_password_or_scope_change_ends_other_sessions(app, make_user, db):
    from slrt.auth.services import update_user

    user = make_user("fasilitator", villages=["15.04.03.2013"])
    other_device = app.test_client()
    login(other_device, user)
    assert other_device.get("/kasus").status_code == 200
    user.set_password("kata-sandi-baru-yang-panjang")
    db.session.commit()
    assert other_device.get("/kasus").status_code == 302
    login(other_device, user, password="kata-sandi-baru-yang-panjang")
    assert other_device.get("/kasus").status_code == 200
    update_user(user, role="fasilitator", kabupaten="15.04",
                villages=["15.04.03.2013", "15.04.03.2011"], programs=[], full_name="X",
                email=None, phone=None, is_active=True)
    db.session.commit()
    assert other_device.get("/kasus").status_code == 302


def test_idle_and_absolute_session_timeouts(app, make_user):
    import time

    user = make_user("operator")
    client = app.test_client()
    login(client, user)
    with client.session_transaction() as s:
        s["seen"] = int(time.time()) - 31 * 60
    resp = client.get("/kasus")
    assert resp.status_code == 302 and "/masuk" in resp.location
    login(client, user)
    with client.session_transaction() as s:
        s["login_at"] = int(time.time()) - 13 * 3600
    assert client.get("/kasus").status_code == 302
    login(client, user)
    assert client.get("/kasus").status_code == 200  # a fresh session works


def test_login_throttling_slows_one_account_not_the_others(app, make_user, db):
    from datetime import timedelta

    from slrt.auth.models import LoginFailure

    victim = make_user("operator", username="rina")
    other = make_user("operator", username="yanti")
    attacker = app.test_client()
    for _ in range(5):
        page = attacker.get("/masuk")
        resp = attacker.post("/masuk", data={"username": "rina", "password": "tebak-tebak-123",
                                             "csrf_token": csrf_from(page.text)})
        assert resp.status_code == 422
    page = attacker.get("/masuk")
    blocked = attacker.post("/masuk", data={"username": "rina", "password": PASSWORD,
                                            "csrf_token": csrf_from(page.text)})
    assert blocked.status_code == 429 and "Coba lagi dalam" in blocked.text
    # another account from the same address is not blocked
    login(attacker, other)
    # the wait passes: the real user gets in after it
    for row in db.session.scalars(select(LoginFailure)):
        row.at = row.at - timedelta(minutes=16)
    db.session.commit()
    login(app.test_client(), victim)


def test_first_admin_from_the_cli_must_replace_the_one_time_password(app, db, db_url, tmp_path):
    """`flask users create admin1 --role admin` as the README has the installer run it."""
    from slrt.auth.models import User

    done = command(db_url, tmp_path, "users", "create", "admin1", "--role", "admin")
    one_time = done.stdout.split("Kata sandi sekali pakai: ")[1].split()[0]
    db.session.remove()
    admin = db.session.scalars(select(User).where(User.username == "admin1")).one()
    client = app.test_client()
    login(client, admin, password=one_time)
    resp = client.get("/admin/pengguna")
    assert resp.status_code == 302 and resp.location.endswith("/akun/kata-sandi")
    page = client.get("/akun/kata-sandi")
    common = client.post("/akun/kata-sandi", data={
        "current": one_time, "new": "password123", "repeat": "password123",
        "csrf_token": csrf_from(page.text)})
    assert common.status_code == 422 and "terlalu umum" in common.text
    short = client.post("/akun/kata-sandi", data={
        "current": one_time, "new": "pendek", "repeat": "pendek",
        "csrf_token": csrf_from(page.text)})
    assert "minimal 8" in short.text
    wrong = client.post("/akun/kata-sandi", data={
        "current": "bukan-ini-sandinya", "new": "sungai batanghari mengalir jauh",
        "repeat": "sungai batanghari mengalir jauh", "csrf_token": csrf_from(page.text)})
    assert "Kata sandi sekarang salah." in wrong.text
    other_device = app.test_client()
    login(other_device, admin, password=one_time)
    ok = client.post("/akun/kata-sandi", data={
        "current": one_time, "new": "sungai batanghari mengalir jauh",
        "repeat": "sungai batanghari mengalir jauh", "csrf_token": csrf_from(page.text)})
    assert ok.status_code == 302
    assert client.get("/admin/pengguna").status_code == 200  # this session stays in
    assert other_device.get("/admin/pengguna").status_code == 302  # the other one ended
    db.session.expire_all()
    assert not db.session.get(User, admin.id).must_change_password


@pytest.mark.parametrize("proxies,expected", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_client_address_behind_a_proxy_only_when_trusted(db_url, make_user, proxies, expected):
    from slrt import create_app

    username = make_user("operator").username
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": db_url,
                                           "SLRT_PROXY_COUNT": proxies})
    client = app.test_client()
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
               "Referer": "https://localhost/masuk"}  # CSRF checks the referrer over HTTPS
    page = client.get("/masuk", headers=headers)
    client.post("/masuk", headers=headers, data={
        "username": username, "password": "salah-sekali-kata-sandinya",
        "csrf_token": csrf_from(page.text)})
    with app.app_context():
        from sqlalchemy import select

        from slrt.audit.models import AuditEntry
        from slrt.extensions import db

        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "login_gagal").order_by(AuditEntry.id.desc())).first()
        assert entry.address == expected
    assert ("Strict-Transport-Security" in page.headers) is bool(proxies)
