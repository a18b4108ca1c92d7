"""Flask-Login wiring and the deny-by-default gate."""

from __future__ import annotations

import time
from functools import cache

from flask import flash, request, session
from flask_login import current_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from slrt.common.permissions import PUBLIC_ENDPOINTS
from slrt.extensions import db, login_manager

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60
# The idle clock is kept to the minute: rewriting the session on every request
# would sign and send a new cookie with every page.
SEEN_RESOLUTION_SECONDS = 60
# Path prefixes of a door that authenticates each request itself (the JSON
# API's bearer tokens): no session, no redirect to the login page.
_OWN_AUTH = "slrt.own_auth_prefixes"


def authenticates_itself(app, prefix: str) -> None:
    app.extensions.setdefault(_OWN_AUTH, []).append(prefix)


def start_session(user) -> None:
    """Called at login, after the session was cleared: bind it to this version."""
    now = int(time.time())
    session["sv"] = user.session_version
    session["login_at"] = now
    session["seen"] = now
    session.permanent = False


@cache
def _user_statement():
    """Built once: the user of a session, with the villages every page of a
    desk asks for, in one query (the login gate runs it on every request)."""
    from slrt.auth.models import User

    return (select(User).options(joinedload(User.villages))
            .where(User.id == bindparam("id")))


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Silakan masuk terlebih dahulu."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        if not user_id.isdigit():
            return None
        user = db.session.execute(_user_statement(), {"id": int(user_id)}
                                  ).unique().scalar_one_or_none()
        if user is None or not user.is_active:
            return None
        if session.get("sv") != user.session_version:
            return None  # logged out, or access changed since this session began
        return user

    @app.before_request
    def require_login():
        if request.endpoint in PUBLIC_ENDPOINTS or request.path.startswith(
                tuple(app.extensions.get(_OWN_AUTH, ()))):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        now = int(time.time())
        if (now - session.get("seen", 0) > app.config.get("SESSION_IDLE_SECONDS", IDLE_SECONDS)
                or now - session.get("login_at", 0)
                > app.config.get("SESSION_ABSOLUTE_SECONDS", ABSOLUTE_SECONDS)):
            logout_user()
            session.clear()
            flash("Sesi Anda berakhir. Silakan masuk kembali.", "info")
            return login_manager.unauthorized()
        if now - session.get("seen", 0) >= SEEN_RESOLUTION_SECONDS:
            session["seen"] = now  # a changed session is a new signed cookie: once a minute
        if current_user.must_change_password and request.endpoint not in (
                "auth.change_password", "auth.logout"):
            from flask import redirect, url_for

            flash("Ganti kata sandi sekali pakai Anda sebelum melanjutkan.", "info")
            return redirect(url_for("auth.change_password"))
        return None
