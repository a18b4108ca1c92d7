"""SLRT: complaints, registry checks and referrals for Puskesos and the Dinas Sosial."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import INSTANCE_DIR, load_config

BASE_DIR = Path(__file__).resolve().parent.parent


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


_sqlite_pragmas.busy_timeout_ms = 5000


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder="static",
    )
    load_config(app, config_name, overrides)
    from slrt.common.routing_ids import IdConverter

    app.url_map.converters["id"] = IdConverter
    _sqlite_pragmas.busy_timeout_ms = app.config["SQLITE_BUSY_TIMEOUT_MS"]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from slrt import models  # noqa: F401  (every model registered on the metadata)
    from slrt.auth import setup as auth_setup
    from slrt.common import errors, security, templating
    from slrt.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    auth_setup.init_app(app)  # the login gate runs before the CSRF check
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "id", timezone_selector=lambda: "Asia/Jakarta")
    errors.init_app(app)
    templating.init_app(app)
    security.init_app(app)
    from slrt.audit import hooks as audit_hooks

    audit_hooks.init_app(app)

    from slrt.admin.views import bp as admin_bp
    from slrt.audit.views import bp as audit_bp
    from slrt.auth.views import bp as auth_bp
    from slrt.cases.views import bp as cases_bp
    from slrt.dtks.views import bp as dtks_bp
    from slrt.main.views import bp as main_bp
    from slrt.outreach.views import bp as outreach_bp
    from slrt.proposals.views import bp as proposals_bp
    from slrt.referrals.views import bp as referrals_bp
    from slrt.reminders.views import bp as reminders_bp
    from slrt.reports.views import bp as reports_bp
    from slrt.status_page.views import bp as status_bp

    for bp in (main_bp, auth_bp, cases_bp, dtks_bp, referrals_bp, proposals_bp, admin_bp,
               audit_bp, reminders_bp, outreach_bp, status_bp, reports_bp):
        app.register_blueprint(bp)

    from slrt.cli import register_cli

    register_cli(app)
    return app
