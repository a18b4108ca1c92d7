"""Flask-Login wiring and the deny-by-default gate."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from slrt.common.permissions import PUBLIC_ENDPOINTS
from slrt.extensions import db, login_manager


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Silakan masuk terlebih dahulu."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        from slrt.auth.models import User

        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.is_active:
            return None
        return user

    @app.before_request
    def require_login():
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None
