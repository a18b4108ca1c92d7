"""Personal tokens for the field app: log in with a username and password
(the web door's throttle applies), refresh, log out."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_babel import gettext as _

from slrt.api import services
from slrt.api.core import ApiError, audit_call, blueprint, caller, text
from slrt.api.problems import domain_problem, problem
from slrt.audit.services import audit
from slrt.auth import services as accounts
from slrt.common.errors import DomainError
from slrt.common.time import now_utc
from slrt.platform.unit_of_work import remember_refusal

bp = blueprint("api_auth", "/auth", "Token pribadi: masuk, perbarui, keluar", public=True)


class LoginIn(ma.Schema):
    username = text(64, required=True)
    password = text(200, required=True)


class RefreshIn(ma.Schema):
    refresh_token = text(200, required=True)


class TokenOut(ma.Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True)
    refresh_token = ma.fields.String(required=True)
    refresh_expires_in = ma.fields.Integer(required=True)


class MeOut(ma.Schema):
    username = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    villages = ma.fields.List(ma.fields.String(), required=True)
    programs = ma.fields.List(ma.fields.String(), required=True)
    client = ma.fields.String(allow_none=True)


@bp.post("/token")
@bp.doc(security=[])
@bp.arguments(LoginIn)
@bp.response(200, TokenOut)
def login(data):
    """Masuk dengan nama pengguna dan kata sandi: token akses (15 menit) dan token
    penyegar (14 hari)."""
    now = now_utc()
    address = request.remote_addr or ""
    username = data["username"].strip().lower()
    wait = accounts.login_wait_seconds(username, address, now)
    if wait > 0:
        raise ApiError(429, _("Terlalu banyak percobaan gagal. Coba lagi dalam %(n)d detik.",
                              n=wait),
                       headers={"Retry-After": str(wait)})
    user = accounts.authenticate(username, data["password"])
    if user is None:
        accounts.record_login_failure(username, address, now)
        audit("login_gagal", detail={"username": username[:64], "klien": "API"})
        remember_refusal()  # the failure counts for the throttle although the answer is 401
        return _refused()
    tokens = services.login(user, now=now)
    audit("login", user=user, detail={"klien": "token pribadi API"})
    return tokens


def _refused():
    message = _("Nama pengguna atau kata sandi salah.")
    return problem(401, message, errors=[{"field": "password", "message": message}])


@bp.post("/refresh")
@bp.doc(security=[])
@bp.arguments(RefreshIn)
@bp.response(200, TokenOut)
def refresh(data):
    """Tukar token penyegar dengan pasangan token baru (token penyegar lama habis)."""
    try:
        user, tokens = services.refresh(data["refresh_token"].strip(), now=now_utc())
    except DomainError as e:
        # Kept although refused: a replayed refresh token has just ended its login.
        remember_refusal()
        return domain_problem(e)
    audit("login", user=user, detail={"klien": "token pribadi API", "rincian": "Token diperbarui"})
    return tokens


bp_session = blueprint("api_session", "/auth", "Token yang sedang dipakai")


@bp_session.post("/logout")
@bp_session.response(204)
def logout():
    """Keluar: token akses dan token penyegar login ini tidak berlaku lagi."""
    found = caller()
    if found.token is None:
        raise ApiError(403, _("Token klien tidak dapat keluar; admin dapat mencabut atau "
                              "menggantinya."))
    services.logout(found, now=now_utc())
    audit_call("logout")
    return None


@bp_session.get("/me")
@bp_session.response(200, MeOut)
def me():
    """Siapa token ini: peran, desa atau program."""
    found = caller()
    audit_call("api")
    return {"username": found.user.username, "role": found.user.role,
            "villages": found.user.village_codes, "programs": found.user.program_codes,
            "client": found.client.name if found.client else None}
