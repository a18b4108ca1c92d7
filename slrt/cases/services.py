"""Front-desk operations on complaints: register, add, note, close, re-check.

Each service takes the acting user and `now`, checks the rules, writes the
timeline, flushes and never commits: the view commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from slrt.cases.models import (
    CHANNELS,
    DESK_OUTCOMES,
    OPEN_CASE_STATUSES,
    URGENCIES,
    Case,
    CaseEvent,
    Category,
    Person,
    RegistryCheck,
)
from slrt.common.errors import DomainError
from slrt.common.models import next_value
from slrt.common.permissions import REGISTER_ROLES, can_see_village
from slrt.common.time import WIB, format_period_id
from slrt.dtks import queries as registry
from slrt.dtks.models import RegistryRecord
from slrt.dtks.names import name_key
from slrt.extensions import db
from slrt.regions.models import Region


class DuplicateOpenCase(DomainError):
    """The person already has an open case of the same category."""

    def __init__(self, case: Case):
        super().__init__(
            _("%(name)s sudah memiliki kasus terbuka %(number)s dengan kategori yang sama "
              "(%(category)s).", name=case.beneficiary.display_name, number=case.number,
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


def add_event(case: Case, actor, kind: str, message: str, now: datetime, data: dict | None = None):
    ev = CaseEvent(case_id=case.id, actor_id=actor.id if actor else None, kind=kind,
                   message=message, at=now, data=data or {})
    db.session.add(ev)
    return ev


def _check_can_act(actor, village_code: str) -> None:
    if actor.role not in REGISTER_ROLES:
        raise DomainError(_("Peran Anda tidak dapat mencatat atau mengubah pengaduan."))
    if not can_see_village(actor, village_code):
        raise DomainError(_("Desa ini di luar wilayah tugas Anda."), "village_code")


def next_case_number(prefix: str, now: datetime) -> str:
    """'BH-2611-0042': regency prefix, year and month (WIB), a counter per month."""
    yymm = now.astimezone(WIB).strftime("%y%m")
    seq = next_value(f"case-{yymm}")
    return f"{prefix}-{yymm}-{seq:04d}"


def open_case_for(person: Person, category_code: str) -> Case | None:
    return db.session.scalars(
        select(Case).where(Case.beneficiary_id == person.id, Case.category_code == category_code,
                           Case.status.in_(OPEN_CASE_STATUSES)).order_by(Case.id).limit(1)
    ).first()


def _upsert_person(data: PersonInput, village_code: str, now: datetime) -> Person:
    person = None
    if data.nik:
        person = db.session.scalar(select(Person).where(Person.nik == data.nik))
    if person is None:
        person = Person(nik=data.nik or None, created_at=now)
        db.session.add(person)
    person.name = data.name.strip()
    person.name_key = name_key(data.name)
    for attr in ("no_kk", "birth_date", "sex"):
        value = getattr(data, attr)
        if value or getattr(person, attr) is None:
            setattr(person, attr, value or None)
    for attr in ("birth_place", "address", "dusun", "rt", "rw", "phone", "identifying_notes"):
        value = (getattr(data, attr) or "").strip()
        if value or not getattr(person, attr):
            setattr(person, attr, value)
    for attr in ("household_size", "children_count", "elderly_count", "disabled_count"):
        value = getattr(data, attr)
        if value is not None:
            setattr(person, attr, value)
    person.is_unidentified = data.is_unidentified
    person.village_code = village_code
    person.updated_at = now
    db.session.flush()
    return person


def _record_check(case: Case, actor, now: datetime, *, method: str,
                  record: RegistryRecord | None) -> RegistryCheck:
    if record is not None:
        result = record.evidence()
        check = RegistryCheck(case_id=case.id, checked_at=now, checked_by_id=actor.id,
                              method=method, found=True, record_id=record.id,
                              source=record.source, period=record.period, result=result)
        status = "terdaftar" if record.is_active else "tercatat tidak aktif"
        msg = (f"Pemeriksaan {record.source}: {status} (data periode "
               f"{format_period_id(record.period)}).")
    else:
        period = registry.latest_period() or ""
        result = {"found": False, "latest_period": period or None}
        check = RegistryCheck(case_id=case.id, checked_at=now, checked_by_id=actor.id,
                              method=method, found=False, source="", period=period,
                              result=result)
        if method == "none":
            msg = "DTKS tidak diperiksa: identitas penerima manfaat tidak diketahui."
        else:
            msg = "Pemeriksaan DTKS: tidak terdaftar" + (
                f" (data periode {format_period_id(period)})." if period else
                " (belum ada data DTKS yang dimuat).")
    db.session.add(check)
    add_event(case, actor, "cek_dtks", msg, now, {"found": check.found, "period": check.period})
    return check


def _validate_complaint(c: ComplaintInput, now: datetime) -> Category:
    category = db.session.get(Category, c.category_code)
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
    return category


def register_case(
    actor,
    person_data: PersonInput,
    complaint: ComplaintInput,
    *,
    now: datetime,
    case_prefix: str,
    registry_record_id: int | None = None,
    allow_duplicate: bool = False,
) -> Case:
    """Record a complaint, the beneficiary's profile and the registry evidence.

    Raises DuplicateOpenCase when the beneficiary already has an open case of
    the same category, unless allow_duplicate is set.
    """
    _check_can_act(actor, complaint.village_code)
    village = db.session.get(Region, complaint.village_code)
    if village is None or not village.is_village:
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
        record = registry.find_by_nik(person_data.nik)
    elif registry_record_id is not None:
        record = registry.get_record(registry_record_id)
        if record is None:
            raise DomainError(_("Data DTKS yang dipilih tidak ditemukan."))
        method = "nama"
        person_data.nik = record.nik
    elif not person_data.is_unidentified:
        method = "nama"

    if person_data.nik and not allow_duplicate:
        existing = db.session.scalar(select(Person).where(Person.nik == person_data.nik))
        if existing is not None:
            dup = open_case_for(existing, complaint.category_code)
            # A case of another village is that desk's business: never revealed here.
            if dup is not None and can_see_village(actor, dup.village_code):
                raise DuplicateOpenCase(dup)

    person = _upsert_person(person_data, complaint.village_code, now)
    case = Case(
        number=next_case_number(case_prefix, now),
        village_code=complaint.village_code,
        category_code=complaint.category_code,
        beneficiary_id=person.id,
        reporter_is_beneficiary=complaint.reporter_is_beneficiary,
        reporter_name="" if complaint.reporter_is_beneficiary else complaint.reporter_name.strip(),
        reporter_relation=("" if complaint.reporter_is_beneficiary
                           else complaint.reporter_relation.strip()),
        reporter_phone="" if complaint.reporter_is_beneficiary else complaint.reporter_phone,
        channel=complaint.channel,
        urgency=complaint.urgency,
        description=complaint.description.strip(),
        incident_date=complaint.incident_date,
        status="terbuka",
        created_at=now,
        updated_at=now,
        created_by_id=actor.id,
    )
    db.session.add(case)
    db.session.flush()
    reporter = ("penerima manfaat sendiri" if complaint.reporter_is_beneficiary
                else f"{case.reporter_name}" + (f" ({case.reporter_relation})"
                                                 if case.reporter_relation else ""))
    add_event(case, actor, "dibuat",
           f"Pengaduan dicatat ({CHANNELS[case.channel]}); pelapor: {reporter}.", now,
           {"channel": case.channel, "urgency": case.urgency})
    _record_check(case, actor, now, method=method, record=record)
    db.session.flush()
    return case


def add_to_open_case(actor, case: Case, description: str, channel: str, *, now: datetime) -> None:
    """A repeated complaint goes onto the open case instead of a new one."""
    _check_can_act(actor, case.village_code)
    if not case.is_open:
        raise DomainError(_("Kasus ini sudah selesai; catat sebagai pengaduan baru."))
    if not description.strip():
        raise DomainError(_("Uraian pengaduan wajib diisi."), "description")
    add_event(case, actor, "pengaduan_tambahan",
           f"Pengaduan tambahan ({CHANNELS.get(channel, channel)}): {description.strip()}", now)
    case.updated_at = now


def add_note(actor, case: Case, text: str, *, now: datetime) -> CaseEvent:
    _check_can_act(actor, case.village_code)
    text = text.strip()
    if not text:
        raise DomainError(_("Catatan wajib diisi."), "text")
    case.updated_at = now
    return add_event(case, actor, "catatan", text, now)


def close_at_desk(actor, case: Case, outcome: str, note: str, *, now: datetime,
                  expected_version: int | None = None) -> None:
    """Settle the case at the Puskesos desk with an outcome."""
    _check_can_act(actor, case.village_code)
    if expected_version is not None and expected_version != case.version:
        raise DomainError(_("Kasus ini baru saja diubah oleh pengguna lain. Muat ulang "
                            "halaman dan periksa lagi sebelum menutup."))
    if not case.is_open:
        raise DomainError(_("Kasus ini sudah selesai."))
    if any(r.is_open for r in case.referrals):
        raise DomainError(_("Kasus ini masih memiliki rujukan terbuka; kasus akan selesai "
                            "sendiri setelah semua rujukan selesai atau dibatalkan."))
    if outcome not in DESK_OUTCOMES:
        raise DomainError(_("Pilih hasil penanganan."), "outcome")
    if outcome == "lainnya" and not note.strip():
        raise DomainError(_("Jelaskan hasil penanganan di catatan."), "note")
    case.status = "selesai"
    case.outcome = outcome
    case.outcome_note = note.strip()
    case.closed_at = now
    case.closed_by_id = actor.id
    case.updated_at = now
    add_event(case, actor, "ditutup",
           f"Kasus diselesaikan di desa: {DESK_OUTCOMES[outcome]}."
           + (f" Catatan: {note.strip()}" if note.strip() else ""), now, {"outcome": outcome})
    db.session.flush()


def recheck_registry(actor, case: Case, *, now: datetime) -> RegistryCheck:
    """Check the registry again (after a new snapshot) and keep both results."""
    _check_can_act(actor, case.village_code)
    person = case.beneficiary
    if not person.nik:
        raise DomainError(_("Penerima manfaat belum memiliki NIK; DTKS tidak dapat diperiksa."))
    check = _record_check(case, actor, now, method="nik", record=registry.find_by_nik(person.nik))
    case.updated_at = now
    db.session.flush()
    return check
