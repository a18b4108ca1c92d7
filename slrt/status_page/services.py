"""Check codes for the public status page, and the lookup every door goes through.

A resident opens the page with the case number and the code printed on the
receipt: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L),
31^8 (about 8.5 * 10^11) possibilities, drawn with `secrets`. Wrong tries are
limited per address (per minute) and per case number (per hour), and a wrong
number and a wrong code get the same answer.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from slrt.cases.models import Case
from slrt.cases.signals import case_registered
from slrt.common.time import now_utc
from slrt.extensions import db
from slrt.status_page.models import StatusCode, StatusFailure, StatusLookup

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # migrations/versions/0011_status_code.py too
LENGTH = 8
CASE_NUMBER_RE = re.compile(r"^[A-Z]{1,6}-\d{4}-\d{1,6}$")
CODE_RE = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_code(code: str) -> str:
    """As printed: two groups of four, easier to read out and type."""
    return f"{code[:4]}-{code[4:]}"


def normalise_code(text: str) -> str:
    return re.sub(r"[\s\-.]+", "", text or "")[:20].upper()


def normalise_number(text: str) -> str:
    return re.sub(r"\s+", "", text or "")[:30].upper()


def _insert_ignoring_conflicts(values: dict):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(StatusCode.__table__).values(**values).on_conflict_do_nothing()


def issue_code(case: Case | int) -> str:
    """The case's code, created at the first call (idempotent); in the caller's
    transaction, not committed. register_case calls it once the case has its id."""
    case_id = case if isinstance(case, int) else case.id
    if case_id is None:
        db.session.flush()
        case_id = case.id
    existing = db.session.scalar(select(StatusCode.code).where(StatusCode.case_id == case_id))
    for _try in range(10):
        if existing is not None:
            return existing
        db.session.execute(_insert_ignoring_conflicts(
            {"case_id": case_id, "code": new_code(), "created_at": now_utc()}))
        # Nothing inserted when another request gave the case its code first, or (once in
        # ~10^11) the code belongs to another case: read again and try again.
        existing = db.session.scalar(select(StatusCode.code)
                                     .where(StatusCode.case_id == case_id))
    raise RuntimeError("no status code could be issued")  # pragma: no cover


@case_registered.connect
def _issue_at_registration(sender, *, case_id: int, **extra) -> None:
    """A case just registered has no code yet: one INSERT, read back only in
    the ~1 in 10^11 case of a code already taken (bench/load_register.py)."""
    # RETURNING tells whether the row went in: psycopg's rowcount of an
    # INSERT ... ON CONFLICT DO NOTHING is -1 either way.
    inserted = db.session.execute(_insert_ignoring_conflicts(
        {"case_id": case_id, "code": new_code(), "created_at": now_utc()})
        .returning(StatusCode.__table__.c.case_id)).first()
    if inserted is None:
        issue_code(case_id)


def code_for(case: Case) -> str:
    """The code to print on the receipt: the case's own, issued now if it has none
    (a case registered before register_case issued codes, or by another door)."""
    code = db.session.scalar(select(StatusCode.code).where(StatusCode.case_id == case.id))
    if code is None:
        code = issue_code(case)  # kept by the page's unit of work
    return code


@dataclass
class Lookup:
    case: Case | None = None
    refused: str | None = None  # "address" or "number": too many tries; None otherwise


def _cfg(key: str, default: int) -> int:
    return int(current_app.config.get(key, default))


def lookup(number: str, code: str, address: str, now: datetime) -> Lookup:
    """Find the case for a number and its code, counting the try (in the
    caller's unit of work, which keeps it whatever the answer).

    Refused (without looking) when the address tried too often in the last minute,
    or when the number had too many wrong codes in the last hour, whether or not a
    case has that number. Otherwise the case, or none for a wrong number and a wrong
    code alike (the caller gives both the same answer).
    """
    number, code = normalise_number(number), normalise_code(code)
    address = (address or "")[:45]
    recent = db.session.scalar(select(func.count()).select_from(StatusLookup).where(
        StatusLookup.address == address, StatusLookup.at > now - timedelta(minutes=1)))
    if recent >= _cfg("STATUS_PAGE_ATTEMPTS_PER_MINUTE", 5):
        return Lookup(refused="address")
    well_formed = bool(CASE_NUMBER_RE.match(number))
    window = timedelta(minutes=_cfg("STATUS_PAGE_CASE_WINDOW_MINUTES", 60))
    if well_formed:
        failures = db.session.scalar(select(func.count()).select_from(StatusFailure).where(
            StatusFailure.number == number, StatusFailure.at > now - window))
        if failures >= _cfg("STATUS_PAGE_TRIES_PER_CASE", 10):
            return Lookup(refused="number")
    db.session.execute(delete(StatusLookup).where(StatusLookup.at < now - timedelta(hours=1)))
    db.session.execute(delete(StatusFailure).where(StatusFailure.at < now - max(
        window, timedelta(hours=1))))
    db.session.add(StatusLookup(address=address, at=now))
    case = None
    if well_formed and CODE_RE.match(code):
        case = db.session.scalars(
            select(Case).join(StatusCode, StatusCode.case_id == Case.id)
            .where(Case.number == number, StatusCode.code == code)).first()
    if case is None and well_formed:
        db.session.add(StatusFailure(number=number, at=now))
    db.session.flush()
    return Lookup(case=case)
