"""The API's own tables: clients (a system acting as one role), personal
tokens (a person's field app), and the answers kept for Idempotency-Key.

No token is stored: only its SHA-256. A token is 32 random bytes, so the hash
needs no salt or slow function to be safe from guessing; it is shown once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slrt.auth.models import User
from slrt.common.time import now_utc
from slrt.common.types import UTCDateTime
from slrt.extensions import db


class ApiClient(db.Model):
    """A system (a village's OpenSID, a gateway, a dashboard) with one token.

    It acts through its own account in `users` (role, villages or programs),
    so every service checks its scope as it checks a person's, and every row
    it writes names that account. The account has no usable password.
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, shown in the list to tell tokens apart.
    token_hint: Mapped[str] = mapped_column(String(16), default="")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def usable(self, now: datetime) -> bool:
        return (self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
                and self.user.is_active)


class ApiToken(db.Model):
    """A personal token from a login through the API: a short-lived access
    token and the refresh token that renews it, of one login (`family`).

    Valid while not revoked, not expired, and the user's session_version is
    the one it was issued under (a password change, a change of access or an
    admin's reset ends them, as it ends the user's web sessions)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "access" | "refresh"
    family: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class IdempotentRequest(db.Model):
    """The first answer to a request sent with an Idempotency-Key, per caller."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("caller", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    caller: Mapped[str] = mapped_column(String(40))  # "client:3" | "user:12"
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)


class WebhookSubscription(db.Model):
    """A URL of an API client told when a case in its reach changes status
    (slrt/api/webhooks.py). The secret signs each body (HMAC-SHA256); it is
    kept to sign and shown to the admin once, when the URL is subscribed."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (UniqueConstraint("client_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"),
                                           index=True)
    url: Mapped[str] = mapped_column(String(254))
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[ApiClient] = relationship(backref="webhooks")
