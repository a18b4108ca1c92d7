"""API clients and personal tokens: create, rotate, revoke, log in, refresh,
log out, and find who a bearer token speaks for.

A token is shown once and only its SHA-256 is kept. Services flush and never
commit (the request's unit of work commits with the audit entry).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from slrt.api.models import ApiClient, ApiToken
from slrt.auth import services as accounts
from slrt.auth.models import ROLES, User
from slrt.common.errors import DomainError
from slrt.common.permissions import STAFF, can, require
from slrt.extensions import db

CLIENT_PREFIX = "slrtc_"
ACCESS_PREFIX = "slrta_"
REFRESH_PREFIX = "slrtr_"
ACCESS_LIFETIME = timedelta(minutes=15)
REFRESH_LIFETIME = timedelta(days=14)
# The roles a client may act as: an administrator's powers are never lent to a
# system. (Who may take a personal token is the action "api.personal_token".)
CLIENT_ROLES = tuple(role for role in ROLES if role in STAFF)
LAST_USED_RESOLUTION = timedelta(minutes=1)
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{2,79}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


@dataclass
class Caller:
    """Who a request speaks for: the acting user, and the client when a system calls."""

    user: User
    client: ApiClient | None = None
    token: ApiToken | None = None

    @property
    def key(self) -> str:
        """The caller's key for the throttle and the idempotency store."""
        return f"client:{self.client.id}" if self.client else f"user:{self.user.id}"

    @property
    def name(self) -> str:
        """As the audit log names the caller."""
        return self.client.name if self.client else self.user.username


# ------------------------------------------------------------------ clients

def create_client(admin, name: str, role: str, *, kabupaten: str, villages: list[str],
                  programs: list[str], expires_at: datetime | None, now: datetime
                  ) -> tuple[ApiClient, str]:
    """A new client and its token (returned once, never stored)."""
    require(admin, "admin.api_clients")
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise DomainError(_("Nama klien 3-80 karakter: huruf, angka, spasi, titik, garis "
                            "bawah atau tanda hubung."), "name")
    if db.session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise DomainError(_("Nama klien %(name)s sudah dipakai.", name=name), "name")
    if role not in CLIENT_ROLES:
        raise DomainError(_("Klien API hanya dapat bertindak sebagai operator, fasilitator, "
                            "supervisor atau petugas program."), "role")
    if expires_at is not None and expires_at <= now:
        raise DomainError(_("Tanggal kedaluwarsa harus di masa depan."), "expires_at")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:56]
    account = accounts.create_user(
        f"api-{slug}", role, password=secrets.token_urlsafe(24), kabupaten=kabupaten,
        villages=villages, programs=programs, full_name=_("Klien API %(name)s", name=name))
    # No password opens this account (no hash matches "!"): only the token does.
    account.password_hash = "!"  # noqa: S105
    token = _new_token(CLIENT_PREFIX)
    client = ApiClient(name=name, user=account, token_hash=hash_token(token),
                       token_hint=token[:10], expires_at=expires_at, created_at=now,
                       created_by_id=admin.id)
    db.session.add(client)
    db.session.flush()
    return client, token


def rotate_client(admin, client: ApiClient, *, now: datetime) -> str:
    """A new token; the old one stops working at once."""
    require(admin, "admin.api_clients")
    if client.revoked_at is not None:
        raise DomainError(_("Klien ini sudah dicabut; buat klien baru."))
    token = _new_token(CLIENT_PREFIX)
    client.token_hash = hash_token(token)
    client.token_hint = token[:10]
    client.rotated_at = now
    db.session.flush()
    return token


def revoke_client(admin, client: ApiClient, *, now: datetime) -> None:
    require(admin, "admin.api_clients")
    if client.revoked_at is not None:
        raise DomainError(_("Klien ini sudah dicabut."))
    client.revoked_at = now
    client.user.is_active_flag = False  # its account acts no more, through any door
    client.user.end_sessions()
    db.session.flush()


# ------------------------------------------------------------------ personal tokens

def _issue_pair(user: User, family: str, now: datetime) -> dict:
    access, refresh = _new_token(ACCESS_PREFIX), _new_token(REFRESH_PREFIX)
    for kind, token, life in (("access", access, ACCESS_LIFETIME),
                              ("refresh", refresh, REFRESH_LIFETIME)):
        db.session.add(ApiToken(user_id=user.id, kind=kind, family=family,
                                token_hash=hash_token(token),
                                session_version=user.session_version, created_at=now,
                                expires_at=now + life))
    db.session.flush()
    return {"access_token": access, "token_type": "Bearer",
            "expires_in": int(ACCESS_LIFETIME.total_seconds()), "refresh_token": refresh,
            "refresh_expires_in": int(REFRESH_LIFETIME.total_seconds())}


def login(user: User, *, now: datetime) -> dict:
    """The token pair of a person who gave the right password (checked by the
    caller, with the login throttle of the web door)."""
    if not can(user, "api.personal_token"):
        raise DomainError(_("Peran Anda tidak dapat memakai token API pribadi."), "username")
    if user.must_change_password:
        raise DomainError(_("Ganti kata sandi sekali pakai Anda di halaman web terlebih "
                            "dahulu."), "password")
    return _issue_pair(user, secrets.token_hex(16), now)


def _token_row(token: str, kind: str) -> ApiToken | None:
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token),
                                                    ApiToken.kind == kind))


def _valid(row: ApiToken | None, now: datetime) -> bool:
    return (row is not None and row.revoked_at is None and row.expires_at > now
            and row.user.is_active and row.session_version == row.user.session_version)


def revoke_family(family: str, now: datetime) -> None:
    db.session.execute(update(ApiToken).where(ApiToken.family == family,
                                              ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))


def refresh(token: str, *, now: datetime) -> tuple[User, dict]:
    """A new pair for a valid refresh token, which is then used up. A refresh
    token used twice (stolen and replayed) ends its whole login."""
    row = _token_row(token, "refresh")
    if row is not None and row.revoked_at is not None:
        revoke_family(row.family, now)
    if not _valid(row, now):
        raise DomainError(_("Token penyegar tidak sah, kedaluwarsa atau sudah dipakai. "
                            "Masuk kembali."), "refresh_token")
    revoke_family(row.family, now)
    return row.user, _issue_pair(row.user, row.family, now)


def logout(caller: Caller, *, now: datetime) -> None:
    if caller.token is None:
        raise DomainError(_("Token klien tidak dapat keluar; admin dapat mencabutnya."))
    revoke_family(caller.token.family, now)


def caller_for(token: str, *, now: datetime) -> Caller | None:
    """Who a bearer token speaks for, or None (unknown, expired, revoked)."""
    if not token or len(token) > 200 or not token.isascii():
        return None
    if token.startswith(CLIENT_PREFIX):
        client = db.session.scalar(select(ApiClient).options(joinedload(ApiClient.user)).where(
            ApiClient.token_hash == hash_token(token)))  # its account in the same query
        if client is None or not client.usable(now):
            return None
        if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
            client.last_used_at = now  # to the minute: not a row update on every call
        return Caller(client.user, client=client)
    if token.startswith(ACCESS_PREFIX):
        row = _token_row(token, "access")
        return Caller(row.user, token=row) if _valid(row, now) else None
    return None
