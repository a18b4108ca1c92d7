"""Users and their scope (villages, programs)."""

from __future__ import annotations

import secrets
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import func, select

from slrt.auth.models import ROLES, User, UserProgram, UserVillage
from slrt.common.errors import DomainError
from slrt.common.permissions import (
    FASILITATOR,
    HANDLER,
    OPERATOR,
    PROGRAM,
    PROVINCE,
    ROLE_SCOPES,
    VILLAGE,
    regency_scope,
)
from slrt.extensions import db
from slrt.regions.models import Region

MIN_PASSWORD_LENGTH = 8


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def home_region(role: str, kabupaten: str) -> str:
    """The region an account of this role belongs to: the regency given, or
    for a province supervisor its province ("15" of "15.04"). DomainError for
    a code that is not a regency or city loaded in the regions table."""
    from slrt.regions.queries import regencies

    kabupaten = (kabupaten or "").strip()
    if ROLE_SCOPES.get(role) == PROVINCE:
        province = kabupaten.split(".", 1)[0]
        if not any(code.startswith(province + ".") for code in regencies()):
            raise DomainError(_("Kode provinsi %(code)s tidak dikenal.", code=province),
                              "regency")
        return province
    if kabupaten not in regencies():
        raise DomainError(_("Kode kabupaten/kota %(code)s tidak dikenal.", code=kabupaten),
                          "regency")
    return kabupaten


def check_manages(actor, user: User) -> None:
    """An admin manages the accounts of his own regency only (a province
    supervisor's account is made from the command line)."""
    from slrt.common.errors import NotAllowed

    if actor is not None and user.regency_code not in regency_scope(actor):
        raise NotAllowed(_("Pengguna ini berada di luar kabupaten Anda."))


def check_scope(role: str, villages: list[str], programs: list[str], kabupaten: str) -> None:
    """Raise DomainError unless the villages and programs fit the role."""
    if role not in ROLES:
        raise DomainError(_("Peran tidak dikenal: %(role)s. Pilihan: %(roles)s.", role=role,
                            roles=", ".join(ROLES)), "role")
    if role == OPERATOR and len(villages) != 1:
        raise DomainError(_("Operator harus ditugaskan di tepat satu desa/kelurahan."), "villages")
    if role == FASILITATOR and not villages:
        raise DomainError(_("Fasilitator harus ditugaskan di sekurang-kurangnya satu desa."),
                          "villages")
    if role == HANDLER and not programs:
        raise DomainError(_("Petugas program harus memegang sekurang-kurangnya satu program."),
                          "programs")
    if ROLE_SCOPES[role] != VILLAGE and villages:
        raise DomainError(_("Hanya operator dan fasilitator yang ditugaskan per desa."), "villages")
    if ROLE_SCOPES[role] != PROGRAM and programs:
        raise DomainError(_("Hanya petugas program yang memegang program."), "programs")
    if villages:
        found = {
            r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(villages)))
        }
        for code in villages:
            region = found.get(code)
            if region is None or not region.is_village:
                raise DomainError(_("Kode desa/kelurahan %(code)s tidak dikenal.", code=code),
                                  "villages")
            if not code.startswith(kabupaten + "."):
                raise DomainError(_("Desa %(name)s (%(code)s) berada di luar kabupaten ini.",
                                    name=region.name, code=code), "villages")
    if programs:
        # The program catalog belongs to the referrals, a layer above: its
        # table is reached through the key a user's program refers to.
        (key,) = UserProgram.__table__.c.program_code.foreign_keys
        regency = key.column.table.c.regency_code
        known = dict(db.session.execute(select(key.column, regency)
                                        .where(key.column.in_(programs))).all())
        for code in programs:
            if code not in known:
                raise DomainError(_("Kode program %(code)s tidak dikenal.", code=code), "programs")
            if known[code] != kabupaten:
                raise DomainError(_("Program %(code)s milik kabupaten lain.", code=code),
                                  "programs")


# Local words a guesser tries first here, on top of the common passwords list below.
LOCAL_PASSWORDS = frozenset("""
sayangku sayangkamu bismillah indonesia indonesia1 merdeka45 katasandi katasandi1 rahasia123
dinsos123 dinassosial puskesos slrt1234 batanghari jambi123 muarabulian operator1 fasilitator
""".split())


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of the leaked-password lists zxcvbn ships, ranked by
    frequency, plus the local words; loaded once per process."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    ranked = FREQUENCY_LISTS["passwords"]
    words = ranked.split(",") if isinstance(ranked, str) else list(ranked)
    return frozenset(w.lower() for w in words) | LOCAL_PASSWORDS


def check_password_policy(password: str) -> None:
    """At least 8 characters, long ones welcome, no composition rules, common ones refused."""
    if password.strip().lower() in common_passwords():
        raise DomainError(_("Kata sandi ini terlalu umum dan mudah ditebak; pilih yang lain "
                            "(misalnya gabungan beberapa kata)."), "password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH),
                          "password")


def _allow_invalid_tld() -> None:
    """`.invalid` (RFC 2606) is what the demo accounts use, so that no demo address can
    ever reach anyone; email-validator refuses special-use names unless removed from
    its list (its documented switch). Applies to WTForms' Email() too."""
    import email_validator

    if "invalid" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("invalid")


_allow_invalid_tld()


def normalise_email(email: str | None) -> str | None:
    """The address as it will be stored, or None; DomainError("email") if it is not one.

    Syntax only (no DNS look-up: a desk may be offline); the domain is lower-cased.
    """
    from email_validator import EmailNotValidError, validate_email

    email = (email or "").strip()
    if not email:
        return None
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        raise DomainError(_("Alamat e-mail tidak sah."), "email") from None


def create_user(
    username: str,
    role: str,
    *,
    password: str,
    kabupaten: str,
    villages: list[str] = (),
    programs: list[str] = (),
    full_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    actor=None,
    temporary: bool = False,
) -> User:
    """A new account of the regency `kabupaten`. An admin (`actor`) makes the
    accounts of his own regency; a province supervisor's account, which
    reaches every regency, is made from the command line only. A `temporary`
    password (one the admin knows, or generated) is replaced at the first login."""
    if actor is not None:
        if ROLE_SCOPES.get(role) == PROVINCE:
            raise DomainError(_("Akun supervisor provinsi dibuat lewat baris perintah "
                                "(flask users create)."), "role")
        if kabupaten not in regency_scope(actor):
            raise DomainError(_("Admin hanya membuat akun di kabupatennya sendiri."), "role")
    username = username.strip().lower()
    if not username or len(username) > 64:
        raise DomainError(_("Nama pengguna wajib diisi (maksimal 64 karakter)."), "username")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise DomainError(_("Nama pengguna %(name)s sudah dipakai.", name=username), "username")
    villages, programs = list(dict.fromkeys(villages)), list(dict.fromkeys(programs))
    if role not in ROLES:
        check_scope(role, villages, programs, kabupaten)
    home = home_region(role, kabupaten)
    check_scope(role, villages, programs, home)
    check_password_policy(password)
    email = normalise_email(email)
    user = User(username=username, role=role, full_name=full_name.strip(),
                email=email, phone=phone or None, is_active_flag=True, regency_code=home)
    user.set_password(password)
    user.must_change_password = temporary
    user.villages = [UserVillage(village_code=c) for c in villages]
    user.programs = [UserProgram(program_code=c) for c in programs]
    db.session.add(user)
    db.session.flush()
    return user


def update_user(
    user: User,
    *,
    role: str,
    villages: list[str],
    programs: list[str],
    full_name: str,
    email: str | None,
    phone: str | None,
    is_active: bool,
    kabupaten: str | None = None,
    actor=None,
    password: str | None = None,
) -> User:
    """Change an account (an admin's: one of his regency); its regency stays
    (`kabupaten`, when given, must be it). A new `password` set by the admin is
    temporary: the user replaces it at the next login."""
    check_manages(actor, user)
    if kabupaten is not None and kabupaten != user.regency_code:
        raise DomainError(_("Kabupaten sebuah akun tidak dapat diubah."), "regency")
    kabupaten = user.regency_code
    villages, programs = list(dict.fromkeys(villages)), list(dict.fromkeys(programs))
    if role not in ROLES:
        check_scope(role, villages, programs, kabupaten)
    if ROLE_SCOPES[role] == PROVINCE or ROLE_SCOPES[user.role] == PROVINCE:
        if role != user.role:
            raise DomainError(_("Akun supervisor provinsi dibuat dan diubah lewat baris "
                                "perintah."), "role")
    check_scope(role, villages, programs, kabupaten)
    email = normalise_email(email)
    if (role != user.role or set(villages) != set(user.village_codes)
            or set(programs) != set(user.program_codes) or is_active != user.is_active):
        user.end_sessions()
    user.role = role
    user.full_name = full_name.strip()
    user.email = email
    user.phone = phone or None
    user.is_active_flag = is_active
    wanted_v, wanted_p = set(villages), set(programs)
    user.villages = [v for v in user.villages if v.village_code in wanted_v] + [
        UserVillage(village_code=c) for c in villages if c not in set(user.village_codes)
    ]
    user.programs = [p for p in user.programs if p.program_code in wanted_p] + [
        UserProgram(program_code=c) for c in programs if c not in set(user.program_codes)
    ]
    if password:
        check_password_policy(password)
        user.set_password(password)  # ends the user's sessions
        user.must_change_password = True
    db.session.flush()
    return user


def change_own_password(user: User, *, current: str, new: str, repeat: str) -> None:
    """The user replaces his password: the current one is right, the new one is
    typed twice, differs from it and passes the policy. Every other session ends."""
    if not user.check_password(current):
        raise DomainError(_("Kata sandi sekarang salah."), "current")
    if new != repeat:
        raise DomainError(_("Kedua kata sandi baru tidak sama."), "repeat")
    if new == current:
        raise DomainError(_("Kata sandi baru harus berbeda dari yang sekarang."), "new")
    try:
        check_password_policy(new)
    except DomainError as e:
        raise DomainError(e.message, "new") from None
    user.set_password(new)
    user.must_change_password = False
    db.session.flush()


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash to check when the user does not exist, so an unknown name takes as
    long to refuse as a wrong password."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(secrets.token_hex(8), method=method)


# Failures counted over a window; past the free tries each try must wait longer.
WINDOW_SECONDS = 15 * 60
FREE_TRIES_ACCOUNT = 5
FREE_TRIES_ADDRESS = 30
MAX_WAIT_SECONDS = 15 * 60


def login_wait_seconds(username: str, address: str, now) -> int:
    """Seconds to wait before the next try for this account or address (0: go ahead).

    Doubling from 30 s after the free tries, capped at 15 minutes, so the real
    user is slowed, never locked out for long; other accounts are unaffected
    unless the same address hammers many of them.
    """
    from datetime import timedelta

    from slrt.auth.models import LoginFailure

    since = now - timedelta(seconds=WINDOW_SECONDS)
    waits = []
    for column, value, free in ((LoginFailure.username, username.strip().lower()[:64],
                                 FREE_TRIES_ACCOUNT),
                                (LoginFailure.address, address[:45], FREE_TRIES_ADDRESS)):
        rows = db.session.execute(
            select(func.count(), func.max(LoginFailure.at))
            .where(column == value, LoginFailure.at >= since)).one()
        count, last = rows
        if count and count >= free and last is not None:
            if last.tzinfo is None:
                from datetime import UTC
                last = last.replace(tzinfo=UTC)
            wait = min(30 * 2 ** (count - free), MAX_WAIT_SECONDS)
            waits.append(int(wait - (now - last).total_seconds()))
    return max([0, *waits])


def prune_login_failures(now) -> int:
    """Forget failures older than the window: they no longer slow anyone down, and
    the table would otherwise grow with every mistyped password for ever."""
    from datetime import timedelta

    from sqlalchemy import delete

    from slrt.auth.models import LoginFailure

    result = db.session.execute(delete(LoginFailure).where(
        LoginFailure.at < now - timedelta(seconds=WINDOW_SECONDS)))
    return result.rowcount or 0


def record_login_failure(username: str, address: str, now) -> None:
    from slrt.auth.models import LoginFailure

    prune_login_failures(now)
    db.session.add(LoginFailure(username=username.strip().lower()[:64], address=address[:45],
                                at=now))
    db.session.flush()


def authenticate(username: str, password: str) -> User | None:
    from werkzeug.security import check_password_hash

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        from flask import current_app

        check_password_hash(_dummy_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")),
                            password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user
