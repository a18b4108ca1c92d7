"""Front-desk operations on complaints: register, add, note, close, re-check.

Each service takes the acting user and `now`, checks the rules, writes the
timeline, flushes and never commits: the view commits once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import make_transient_to_detached

from slrt.cases.catalog import categories
from slrt.cases.models import (
    CHANNELS,
    DESK_OUTCOMES,
    OPEN_CASE_STATUSES,
    PROFILE_FIELDS,
    URGENCIES,
    Case,
    CaseEvent,
    Person,
    PersonHistory,
    RegistryCheck,
)
from slrt.cases.signals import case_registered, case_status_changed
from slrt.cases.workflow import CASE_FLOW, can_close_at_desk
from slrt.common import regional
from slrt.common.errors import DomainError
from slrt.common.models import next_value
from slrt.common.permissions import can, can_see_village, regency_of, village_scope
from slrt.common.time import WIB
from slrt.dtks import queries as registry
from slrt.dtks.models import RegistryRecord
from slrt.dtks.names import name_key
from slrt.extensions import db
from slrt.platform.db import write_lock
from slrt.regions.queries import villages


class DuplicateOpenCase(DomainError):
    """The person already has an open case of the same category."""

    def __init__(self, case: Case, actor):
        super().__init__(
            _("%(name)s sudah memiliki kasus terbuka %(number)s dengan kategori yang sama "
              "(%(category)s).", name=case.beneficiary_for(actor).display_name,
              number=case.number,
              category=case.category.name),
            "category_code",
        )
        self.case = case


@dataclass
class PersonInput:
    name: str = ""
    nik: str | None = None
    no_kk: str | None = None
    birth_place: str = ""
    birth_date: date | None = None
    sex: str | None = None
    address: str = ""
    dusun: str = ""
    rt: str = ""
    rw: str = ""
    phone: str = ""
    household_size: int | None = None
    children_count: int | None = None
    elderly_count: int | None = None
    disabled_count: int | None = None
    is_unidentified: bool = False
    identifying_notes: str = ""


@dataclass
class ComplaintInput:
    village_code: str
    category_code: str
    description: str
    channel: str
    urgency: str = "biasa"
    incident_date: date | None = None
    reporter_is_beneficiary: bool = True
    reporter_name: str = ""
    reporter_relation: str = ""
    reporter_phone: str = ""
    extra: dict = field(default_factory=dict)


def add_event(case: Case, actor, kind: str, now: datetime, /, **params) -> CaseEvent:
    """One timeline event: its kind and facts; slrt/cases/timeline.py writes
    the sentence when it is shown."""
    ev = CaseEvent(case_id=case.id, actor_id=actor.id if actor else None, kind=kind,
                   message="", at=now, data=params)
    db.session.add(ev)
    return ev


# The id of the NIK's person, built once (a registration of a new resident
# then loads no object).
_PERSON_BY_NIK = select(Person.__table__.c.id).where(Person.__table__.c.nik == bindparam("nik"))


def _check_can_act(actor, village_code: str, action: str = "case.register") -> None:
    if not can(actor, action):
        raise DomainError(_("Peran Anda tidak dapat mencatat atau mengubah pengaduan."))
    if not can_see_village(actor, village_code):
        raise DomainError(_("Desa ini di luar wilayah tugas Anda."), "village_code")


def next_case_number(prefix: str, now: datetime) -> str:
    """'BH-2611-0042': regency prefix, year and month (WIB), a counter per month."""
    yymm = now.astimezone(WIB).strftime("%y%m")
    seq = next_value(f"case-{yymm}")
    return f"{prefix}-{yymm}-{seq:04d}"


# The case row is written with a placeholder number (its registry evidence and
# timeline need its id), and gets its number as the last write of the
# registration: see _give_number. updated_at is named so that the column's
# onupdate (the clock) does not replace the registration's `now`.
_SET_NUMBER = (update(Case.__table__).where(Case.__table__.c.id == bindparam("case_id"))
               .values(number=bindparam("case_number"), updated_at=bindparam("case_now")))


def _placeholder_number() -> str:
    """Unique until the same transaction replaces it; '~' starts no case number.
    19 characters (the column takes 20), 72 random bits like the status codes."""
    return "~" + secrets.token_hex(9)


def _give_number(case_id: int, prefix: str, now: datetime) -> str:
    """Take the month's next number and write it on the case.

    The counter's row stays locked from here to the commit (every registration
    of the month waits for it on PostgreSQL), so it is taken last: only this
    UPDATE, the audit entry and the commit follow. A registration that fails
    before its commit rolls the counter back with it: no number is lost."""
    number = next_case_number(prefix, now)
    db.session.connection().execute(_SET_NUMBER, {"case_id": case_id, "case_number": number,
                                                  "case_now": now})
    return number


def open_case_for(person: Person, category_code: str, actor=None) -> Case | None:
    """The person's oldest open case of the category; with an actor, only
    among the cases of the actor's villages (another desk's case is that
    desk's business and never revealed)."""
    stmt = select(Case).where(Case.beneficiary_id == person.id,
                              Case.category_code == category_code,
                              Case.status.in_(OPEN_CASE_STATUSES))
    scope = village_scope(actor) if actor is not None else None
    if scope is not None:
        stmt = stmt.where(Case.village_code.in_(scope))
    return db.session.scalars(stmt.order_by(Case.id).limit(1)).first()


def _person_values(data: PersonInput, village_code: str, now: datetime,
                   person: Person | None) -> dict:
    """The profile as written: a new person's columns, or what changes on the
    NIK's stored profile (a value typed now, or one it lacked)."""
    values: dict = {}
    for attr in ("no_kk", "birth_date", "sex"):
        value = getattr(data, attr)
        if value or person is None or getattr(person, attr) is None:
            values[attr] = value or None
    for attr in ("birth_place", "address", "dusun", "rt", "rw", "phone", "identifying_notes"):
        value = (getattr(data, attr) or "").strip()
        if value or person is None or not getattr(person, attr):
            values[attr] = value
    for attr in ("household_size", "children_count", "elderly_count", "disabled_count"):
        value = getattr(data, attr)
        if value is not None:
            values[attr] = value
    values.update(name=data.name.strip(), name_key=name_key(data.name),
                  is_unidentified=data.is_unidentified, village_code=village_code,
                  updated_at=now)
    if person is None:
        values.update(nik=data.nik or None, created_at=now)
    return values


def _json_value(value):
    return value.isoformat() if isinstance(value, date) else value


def _profile_changes(person: Person, values: dict) -> dict:
    """{field: [old, new]} for the profile fields the write changes."""
    changes = {}
    for attr in PROFILE_FIELDS:
        if attr in values and getattr(person, attr) != values[attr]:
            changes[attr] = [_json_value(getattr(person, attr)), _json_value(values[attr])]
    return changes


def _typed_profile(data: PersonInput, village_code: str) -> dict:
    """What the desk typed, as kept on its case (JSON)."""
    values = {attr: _json_value(getattr(data, attr, None)) for attr in PROFILE_FIELDS
              if attr != "village_code"}
    values["name"] = data.name.strip()
    values["village_code"] = village_code
    return values


def can_change_profile(actor, person: Person) -> bool:
    """A stored profile is changed only by the desks of the person's village
    (or the regency), like it is shown only to them."""
    return person.village_code is None or can(actor, "person.change", person)


def _insert(model, values: dict) -> int:
    """One INSERT without the unit of work; returns the new row's id. For the
    rows a registration creates (a new person, the case, its timeline and its
    registry evidence): flushing them as objects cost more than the rest of
    the registration together (measured with bench/load_register.py)."""
    result = db.session.connection().execute(model.__table__.insert(), values)
    return result.inserted_primary_key[0]


def _check_values(actor, now: datetime, *, method: str,
                  record: RegistryRecord | None) -> tuple[dict, dict]:
    """The registry evidence row (without its case) and its timeline facts."""
    if record is not None:
        values = dict(checked_at=now, checked_by_id=actor.id, method=method, found=True,
                      record_id=record.id, source=record.source, period=record.period,
                      result=record.evidence())
        params = dict(checked=True, found=True, source=record.source,
                      active=bool(record.is_active), period=record.period)
    else:
        period = registry.latest_period() or ""
        values = dict(checked_at=now, checked_by_id=actor.id, method=method, found=False,
                      record_id=None, source="", period=period,
                      result={"found": False, "latest_period": period or None})
        params = dict(checked=method != "none", found=False, period=period)
    return values, params


def _record_check(case: Case, actor, now: datetime, *, method: str,
                  record: RegistryRecord | None) -> RegistryCheck:
    values, params = _check_values(actor, now, method=method, record=record)
    check = RegistryCheck(case_id=case.id, **values)
    db.session.add(check)
    add_event(case, actor, "cek_dtks", now, **params)
    return check


def _validate_complaint(c: ComplaintInput, now: datetime) -> None:
    category = categories().get(c.category_code)
    if category is None or not category.is_active:
        raise DomainError(_("Kategori pengaduan tidak dikenal."), "category_code")
    if c.channel not in CHANNELS:
        raise DomainError(_("Saluran pengaduan tidak dikenal."), "channel")
    if c.urgency not in URGENCIES:
        raise DomainError(_("Tingkat urgensi tidak dikenal."), "urgency")
    if not c.description.strip():
        raise DomainError(_("Uraian pengaduan wajib diisi."), "description")
    if c.incident_date and c.incident_date > now.astimezone(WIB).date():
        raise DomainError(_("Tanggal kejadian tidak boleh di masa depan."), "incident_date")
    if not c.reporter_is_beneficiary and not c.reporter_name.strip():
        raise DomainError(_("Nama pelapor wajib diisi bila pelapor bukan penerima manfaat."),
                          "reporter_name")


def register_case(
    actor,
    person_data: PersonInput,
    complaint: ComplaintInput,
    *,
    now: datetime,
    case_prefix: str | None = None,
    registry_record_id: int | None = None,
    allow_duplicate: bool = False,
) -> Case:
    """Record a complaint, the beneficiary's profile and the registry evidence.

    Raises DuplicateOpenCase when the beneficiary already has an open case of
    the same category, unless allow_duplicate is set. The case number starts
    with the prefix of the village's regency unless `case_prefix` is given.
    """
    _check_can_act(actor, complaint.village_code)
    if complaint.village_code not in villages():
        raise DomainError(_("Desa/kelurahan tidak dikenal."), "village_code")
    _validate_complaint(complaint, now)
    if not person_data.is_unidentified and not person_data.name.strip():
        raise DomainError(_("Nama penerima manfaat wajib diisi."), "name")
    if person_data.is_unidentified and person_data.nik:
        raise DomainError(_("Orang yang identitasnya tidak diketahui tidak memiliki NIK."), "nik")

    record = None
    method = "none"
    if person_data.nik:
        method = "nik"
        record_id = registry.current_id_by_nik(person_data.nik)
        record = registry.get_record(record_id) if record_id is not None else None
    elif registry_record_id is not None:
        record = registry.get_record(registry_record_id)
        if record is None:
            raise DomainError(_("Data DTKS yang dipilih tidak ditemukan."))
        method = "nama"
        person_data.nik = record.nik
    elif not person_data.is_unidentified:
        method = "nama"

    check, check_params = _check_values(actor, now, method=method, record=record)

    # What follows decides on the newest data: the person of this NIK, an open
    # case of the same category, the next case number. Two desks registering
    # the same NIK at once take turns here, on SQLite and on PostgreSQL.
    write_lock(db.session, f"person-nik:{person_data.nik}" if person_data.nik
               else "registration")
    existing = None
    if person_data.nik:
        person_id = db.session.connection().execute(_PERSON_BY_NIK,
                                                    {"nik": person_data.nik}).scalar()
        existing = db.session.get(Person, person_id) if person_id is not None else None
    if existing is not None and not allow_duplicate:
        dup = open_case_for(existing, complaint.category_code, actor)
        if dup is not None:
            raise DuplicateOpenCase(dup, actor)

    person_values = _person_values(person_data, complaint.village_code, now, existing)
    profile_kept_on_case = None
    history = None
    if existing is None:
        person_id = _insert(Person, person_values)
    elif not can_change_profile(actor, existing):
        # Another village's resident: the stored profile is that desk's; this
        # desk's case keeps what it typed, and the profile stays as it was.
        person_id = existing.id
        profile_kept_on_case = _typed_profile(person_data, complaint.village_code)
    else:
        changes = _profile_changes(existing, person_values)
        if changes:
            history = dict(person_id=existing.id, changed_at=now, changed_by_id=actor.id,
                           changes=changes)
            for attr, value in person_values.items():
                setattr(existing, attr, value)  # written at the commit
        person_id = existing.id
    by_reporter = not complaint.reporter_is_beneficiary
    values = dict(
        number=_placeholder_number(),
        village_code=complaint.village_code,
        category_code=complaint.category_code,
        beneficiary_id=person_id,
        reporter_is_beneficiary=complaint.reporter_is_beneficiary,
        reporter_name=complaint.reporter_name.strip() if by_reporter else "",
        reporter_relation=complaint.reporter_relation.strip() if by_reporter else "",
        reporter_phone=complaint.reporter_phone if by_reporter else "",
        channel=complaint.channel,
        urgency=complaint.urgency,
        description=complaint.description.strip(),
        incident_date=complaint.incident_date,
        status=CASE_FLOW.initial,
        created_at=now,
        updated_at=now,
        created_by_id=actor.id,
        version=1,
        beneficiary_profile=profile_kept_on_case,
    )
    case_id = _insert(Case, values)
    if history is not None:
        _insert(PersonHistory, {**history, "case_id": case_id})
    case_registered.send(None, case_id=case_id)
    _insert(CaseEvent, dict(
        case_id=case_id, at=now, actor_id=actor.id, kind="dibuat", message="",
        data={"channel": complaint.channel, "urgency": complaint.urgency,
              "reporter_is_beneficiary": not by_reporter,
              "reporter_name": values["reporter_name"],
              "reporter_relation": values["reporter_relation"]}))
    _insert(RegistryCheck, {**check, "case_id": case_id})
    _insert(CaseEvent, dict(case_id=case_id, at=now, actor_id=actor.id, kind="cek_dtks",
                            message="", data=check_params))
    values["number"] = _give_number(
        case_id, case_prefix or regional.case_prefix(regency_of(complaint.village_code)), now)
    # The case as an object of the session without reading it back: what was
    # written is what it holds; the rest (relationships) loads when asked for.
    case = Case(id=case_id, **values)
    make_transient_to_detached(case)
    db.session.add(case)
    return case


def add_to_open_case(actor, case: Case, description: str, channel: str, *, now: datetime) -> None:
    """A repeated complaint goes onto the open case instead of a new one."""
    _check_can_act(actor, case.village_code)
    if not case.is_open:
        raise DomainError(_("Kasus ini sudah selesai; catat sebagai pengaduan baru."))
    if not description.strip():
        raise DomainError(_("Uraian pengaduan wajib diisi."), "description")
    add_event(case, actor, "pengaduan_tambahan", now, channel=channel,
              text=description.strip())
    case.updated_at = now


def add_note(actor, case: Case, text: str, *, now: datetime) -> CaseEvent:
    _check_can_act(actor, case.village_code, "case.note")
    text = text.strip()
    if not text:
        raise DomainError(_("Catatan wajib diisi."), "text")
    case.updated_at = now
    return add_event(case, actor, "catatan", now, text=text)


def close_at_desk(actor, case: Case, outcome: str, note: str, *, now: datetime,
                  expected_version: int | None = None) -> None:
    """Settle the case at the Puskesos desk with an outcome."""
    _check_can_act(actor, case.village_code, "case.close")
    if expected_version is not None and expected_version != case.version:
        raise DomainError(_("Kasus ini baru saja diubah oleh pengguna lain. Muat ulang "
                            "halaman dan periksa lagi sebelum menutup."))
    if not case.is_open:
        raise DomainError(_("Kasus ini sudah selesai."))
    if not can_close_at_desk(case):
        raise DomainError(_("Kasus ini masih memiliki rujukan terbuka; kasus akan selesai "
                            "sendiri setelah semua rujukan selesai atau dibatalkan."))
    if outcome not in DESK_OUTCOMES:
        raise DomainError(_("Pilih hasil penanganan."), "outcome")
    if outcome == "lainnya" and not note.strip():
        raise DomainError(_("Jelaskan hasil penanganan di catatan."), "note")
    previous = case.status
    CASE_FLOW.apply(case, "tutup")
    case.outcome = outcome
    case.outcome_note = note.strip()
    case.closed_at = now
    case.closed_by_id = actor.id
    case.updated_at = now
    add_event(case, actor, "ditutup", now, outcome=outcome, note=note.strip())
    db.session.flush()
    case_status_changed.send(None, case=case, previous=previous, action="tutup", now=now)


def recheck_registry(actor, case: Case, *, now: datetime) -> RegistryCheck:
    """Check the registry again (after a new snapshot) and keep both results."""
    _check_can_act(actor, case.village_code, "case.recheck")
    person = case.beneficiary
    if not person.nik:
        raise DomainError(_("Penerima manfaat belum memiliki NIK; DTKS tidak dapat diperiksa."))
    check = _record_check(case, actor, now, method="nik", record=registry.find_by_nik(person.nik))
    case.updated_at = now
    db.session.flush()
    return check
