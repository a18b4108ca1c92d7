"""SLRT: complaints, registry checks and referrals for Puskesos and the Dinas Sosial."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request

from config import INSTANCE_DIR, load_config

# The database unit of work and its locks live in the platform layer; these
# names stay importable from the package for the doors that use them.
from slrt.platform.db import (  # noqa: F401
    configure_sqlite,
    hold_write_lock,
    locks_late,
    sqlite_deferred,
    write_lock,
)
from slrt.platform.unit_of_work import UnitOfWorkFlask

BASE_DIR = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    app = UnitOfWorkFlask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder="static",
    )
    load_config(app, config_name, overrides)
    proxies = app.config["SLRT_PROXY_COUNT"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    from slrt.common.routing_ids import IdConverter

    app.url_map.converters["id"] = IdConverter
    configure_sqlite(busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from slrt import models  # noqa: F401  (every model registered on the metadata)
    from slrt.auth import setup as auth_setup
    from slrt.common import errors, security, templating
    from slrt.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)

    @app.before_request
    def _keep_objects_after_commit():
        """Within a request, what was loaded stays loaded after a commit: the
        user, the case just registered. Their values are what this request
        just read or wrote; reloading them (the default) cost a SELECT each
        for the redirect, the audit entry and the headers after every change."""
        db.session().expire_on_commit = False  # the request's own Session, not the registry

    @app.teardown_request
    def _expire_on_commit_again(exc):
        db.session().expire_on_commit = True  # the test process may share the session

    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    auth_setup.init_app(app)  # the login gate runs before the CSRF check
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "id", timezone_selector=lambda: "Asia/Jakarta")
    with app.app_context():
        from flask_babel import get_translations

        # The interface has one language: the templates' _() gets its catalogue
        # once, not through Flask-Babel's per-call lookup (a page calls it
        # twenty times or more; measured with bench/load_register.py).
        app.jinja_env.install_gettext_translations(get_translations(), newstyle=True)
    errors.init_app(app)
    templating.init_app(app)
    security.init_app(app)
    from slrt.audit import hooks as audit_hooks

    audit_hooks.init_app(app)

    @app.before_request
    def _write_lock_before_view():
        """Registered last: the login gate and the CSRF check have read, the
        view has not begun. A changing request holds the lock from here on,
        unless its view takes it later itself (@locks_late)."""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        view = app.view_functions.get(request.endpoint)
        if not getattr(view, "slrt_locks_late", False):
            hold_write_lock()

    from slrt.admin.views import bp as admin_bp
    from slrt.audit.views import bp as audit_bp
    from slrt.auth.views import bp as auth_bp
    from slrt.cases.views import bp as cases_bp
    from slrt.dtks.views import bp as dtks_bp
    from slrt.main.views import bp as main_bp
    from slrt.notifications.views import bp as reminders_bp
    from slrt.outreach.views import bp as outreach_bp
    from slrt.outreach.views import field_bp
    from slrt.proposals.views import bp as proposals_bp
    from slrt.referrals.views import bp as referrals_bp
    from slrt.reports.views import bp as reports_bp
    from slrt.status_page.views import bp as status_bp

    for bp in (main_bp, auth_bp, cases_bp, dtks_bp, referrals_bp, proposals_bp, admin_bp,
               audit_bp, reminders_bp, outreach_bp, field_bp, status_bp, reports_bp):
        app.register_blueprint(bp)

    from slrt.cli import register_cli

    register_cli(app)
    from slrt import api

    api.init_app(app)  # after the error pages and audit hooks: it answers /api/ paths itself
    from slrt.common.logging import configure_logging

    configure_logging(app)
    return app
