"""Who may do what, and which villages a user sees. Deny by default."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from slrt.extensions import login_manager

# Endpoints reachable without logging in; everything else needs a session.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "main.health", "status_page.lookup"})

# Roles that handle complaints of villages (register, view, close at the desk).
CASE_ROLES = ("operator", "fasilitator", "supervisor")
REGISTER_ROLES = ("operator", "fasilitator", "supervisor")
REGISTRY_ROLES = ("operator", "fasilitator", "supervisor")


def roles_required(*roles: str):
    """Allow only the given roles; anyone else gets 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


def village_scope(user) -> list[str] | None:
    """Village codes the user may see; None means the whole regency.

    Operators see their one village, facilitators theirs; supervisors the whole
    regency. Handlers and admins see no village cases through this scope
    (handlers reach cases through the referrals of their programs).
    """
    if user.role == "supervisor":
        return None
    if user.role in ("operator", "fasilitator"):
        return user.village_codes
    return []


def can_see_village(user, village_code: str | None) -> bool:
    scope = village_scope(user)
    if scope is None:
        return True
    return village_code in scope
