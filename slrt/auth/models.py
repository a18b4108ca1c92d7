from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from slrt.common.time import now_utc
from slrt.common.types import UTCDateTime
from slrt.extensions import db

ROLES = {
    "operator": "Operator Puskesos",
    "fasilitator": "Fasilitator",
    "handler": "Petugas Program Dinas Sosial",
    "supervisor": "Supervisor Kabupaten",
    "province_supervisor": "Supervisor provinsi",
    "admin": "Administrator",
}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    is_active_flag: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    # Bumped at logout and whenever access changes: older session cookies stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Set for a one-time password (from the CLI or an admin reset): change it first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # The regency the account belongs to (Kemendagri code, "15.04"); a province
    # supervisor's is his province ("15"). Its reach: slrt/common/permissions.py
    # regency_scope.
    regency_code: Mapped[str] = mapped_column(String(13), index=True)

    villages: Mapped[list[UserVillage]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserVillage.village_code"
    )
    programs: Mapped[list[UserProgram]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserProgram.program_code"
    )

    # Flask-Login reads this property; a disabled user cannot log in.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return bool(self.is_active_flag)

    def set_password(self, password: str) -> None:
        from flask import current_app

        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.end_sessions()

    def end_sessions(self) -> None:
        """Every session opened before now is refused at its next request."""
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def village_codes(self) -> list[str]:
        return [v.village_code for v in self.villages]

    @property
    def program_codes(self) -> list[str]:
        return [p.program_code for p in self.programs]

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class _UserLink:
    """A user's share of a code table (villages, programs): one row per code,
    gone with the user."""

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


def _code_key(length: int, target: str) -> Mapped[str]:
    return mapped_column(String(length), ForeignKey(target), primary_key=True, index=True)


class UserVillage(_UserLink, db.Model):
    __tablename__ = "user_villages"

    village_code: Mapped[str] = _code_key(13, "regions.code")
    user: Mapped[User] = relationship(back_populates="villages")


class UserProgram(_UserLink, db.Model):
    __tablename__ = "user_programs"

    program_code: Mapped[str] = _code_key(20, "programs.code")
    user: Mapped[User] = relationship(back_populates="programs")


class LoginFailure(db.Model):
    """A failed login, counted per account and per address to slow guessing."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(45), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
