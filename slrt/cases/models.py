from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slrt.auth.models import User
from slrt.cases.workflow import CASE_FLOW, OPEN_STATUSES
from slrt.common.labels import CodeLabel
from slrt.common.lifecycle import HasLifecycle
from slrt.common.time import now_utc
from slrt.common.types import UTCDateTime
from slrt.extensions import db
from slrt.identity import mask_nik
from slrt.regions.models import Region

CHANNELS = {
    "datang_langsung": _l("Datang langsung"),
    "penjangkauan": _l("Penjangkauan"),
    "laporan_desa": _l("Laporan desa"),
    "telepon": _l("Telepon"),
    "whatsapp": _l("WhatsApp"),
}

URGENCIES = {
    "biasa": _l("Biasa"),
    "segera": _l("Segera"),
    "darurat": _l("Darurat"),
}

# The statuses and their moves: slrt/cases/workflow.py.
OPEN_CASE_STATUSES = OPEN_STATUSES

# How a case settled at the Puskesos desk ended.
DESK_OUTCOMES = {
    "informasi": _l("Informasi/penjelasan diberikan"),
    "ditangani_desa": _l("Ditangani di desa/Puskesos"),
    "dokumen_diterbitkan": _l("Surat/dokumen diterbitkan desa"),
    "tidak_memenuhi_syarat": _l("Tidak memenuhi syarat"),
    "dicabut": _l("Pengaduan dicabut pelapor"),
    "lainnya": _l("Lainnya (lihat catatan)"),
}
# Set by the system when the last referral of a case closes.
REFERRAL_OUTCOME = "rujukan_selesai"
OUTCOME_LABELS = {**DESK_OUTCOMES, REFERRAL_OUTCOME: _l("Semua rujukan selesai")}

SEXES = {"L": _l("Laki-laki"), "P": _l("Perempuan")}


class Category(db.Model):
    """A complaint category: the 26 PPKS kinds and the common service requests."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    group: Mapped[str] = mapped_column(String(20))  # "layanan" or "ppks"
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Person(db.Model):
    """A resident the system knows: a beneficiary (or a reporter) of a case.

    NIK is the stable key when known (unique when present); No KK is the family
    card and is never unique per person. An unidentified person (the elderly
    woman left at a minimarket) has no NIK and a description instead.
    """

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nik: Mapped[str | None] = mapped_column(String(16), unique=True)
    no_kk: Mapped[str | None] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120), index=True)
    birth_place: Mapped[str] = mapped_column(String(80), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    address: Mapped[str] = mapped_column(String(200), default="")
    dusun: Mapped[str] = mapped_column(String(60), default="")
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    village_code: Mapped[str | None] = mapped_column(String(13), ForeignKey("regions.code"))
    phone: Mapped[str] = mapped_column(String(20), default="")
    household_size: Mapped[int | None] = mapped_column(SmallInteger)
    children_count: Mapped[int | None] = mapped_column(SmallInteger)
    elderly_count: Mapped[int | None] = mapped_column(SmallInteger)
    disabled_count: Mapped[int | None] = mapped_column(SmallInteger)
    is_unidentified: Mapped[bool] = mapped_column(Boolean, default=False)
    identifying_notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    village: Mapped[Region | None] = relationship()

    @property
    def display_name(self) -> str:
        if self.is_unidentified and not self.name:
            return "Identitas tidak diketahui"
        return self.name

    @property
    def masked_nik(self) -> str:
        return mask_nik(self.nik)


# The profile columns a desk types and a registration may change.
PROFILE_FIELDS = ("name", "no_kk", "birth_place", "birth_date", "sex", "address", "dusun", "rt",
                  "rw", "village_code", "phone", "household_size", "children_count",
                  "elderly_count", "disabled_count", "is_unidentified", "identifying_notes")


PROFILE_LABELS = {
    "name": _l("Nama"), "no_kk": _l("No KK"), "birth_place": _l("Tempat lahir"),
    "birth_date": _l("Tanggal lahir"), "sex": _l("Jenis kelamin"), "address": _l("Alamat"),
    "dusun": _l("Dusun"), "rt": _l("RT"), "rw": _l("RW"), "village_code": _l("Desa/kelurahan"),
    "phone": _l("HP"),
    "household_size": _l("Jumlah anggota keluarga"), "children_count": _l("Anak"),
    "elderly_count": _l("Lansia"), "disabled_count": _l("Penyandang disabilitas"),
    "is_unidentified": _l("Identitas tidak diketahui"), "identifying_notes": _l("Keterangan"),
}


class PersonHistory(db.Model):
    """The values a person's profile had before each change: who changed
    which fields from what to what, when, and on which case. Kept for the
    case page and the UU PDP Art. 32 report; never updated."""

    __tablename__ = "person_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # {field: [old, new]}, dates as ISO strings
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    changed_by: Mapped[User | None] = relationship()

    def rows(self) -> list[tuple[str, object, object]]:
        """(label, before, after) for each changed field, in form order."""
        return [(str(PROFILE_LABELS.get(attr, attr)), *self.changes[attr])
                for attr in PROFILE_FIELDS if attr in self.changes]


class ProfileSnapshot:
    """A beneficiary's profile as one desk recorded it on its case, shown to
    that desk instead of a stored profile that belongs to another village."""

    def __init__(self, person: Person, values: dict):
        self.id = person.id
        self.nik = person.nik
        for attr in PROFILE_FIELDS:
            setattr(self, attr, values.get(attr))
        if isinstance(self.birth_date, str):
            self.birth_date = date.fromisoformat(self.birth_date)
        for attr in ("name", "birth_place", "address", "dusun", "rt", "rw", "phone",
                     "identifying_notes"):
            setattr(self, attr, getattr(self, attr) or "")
        self.is_unidentified = bool(self.is_unidentified)

    display_name = Person.display_name
    masked_nik = Person.masked_nik


class Case(HasLifecycle, db.Model):
    """A complaint registered at a Puskesos desk, on outreach or by the village."""

    FLOW = CASE_FLOW  # status_label, status_badge, is_open

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    village_code: Mapped[str] = mapped_column(String(13), ForeignKey("regions.code"))
    category_code: Mapped[str] = mapped_column(String(40), ForeignKey("categories.code"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    reporter_is_beneficiary: Mapped[bool] = mapped_column(Boolean, default=True)
    reporter_name: Mapped[str] = mapped_column(String(120), default="")
    reporter_relation: Mapped[str] = mapped_column(String(80), default="")
    reporter_phone: Mapped[str] = mapped_column(String(20), default="")
    channel: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(10), default="biasa")
    description: Mapped[str] = mapped_column(Text)
    incident_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="terbuka")
    outcome: Mapped[str | None] = mapped_column(String(30))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The beneficiary's profile as this case's desk typed it, kept when the
    # stored profile belongs to a village outside that desk's scope (and so
    # was neither changed nor shown by it).
    beneficiary_profile: Mapped[dict | None] = mapped_column(JSON)

    village: Mapped[Region] = relationship()
    category: Mapped[Category] = relationship()
    beneficiary: Mapped[Person] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", viewonly=True
    )
    registry_checks: Mapped[list[RegistryCheck]] = relationship(
        back_populates="case", order_by="RegistryCheck.id", viewonly=True
    )
    referrals = relationship("Referral", back_populates="case", order_by="Referral.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The case list: scope (village) first, newest first, optional status.
        Index("ix_cases_village_id", "village_code", "id"),
        Index("ix_cases_village_status_id", "village_code", "status", "id"),
        Index("ix_cases_status_id", "status", "id"),
        Index("ix_cases_beneficiary_category_status", "beneficiary_id", "category_code", "status"),
    )

    channel_label = CodeLabel("channel", CHANNELS)
    urgency_label = CodeLabel("urgency", URGENCIES)
    outcome_label = CodeLabel("outcome", OUTCOME_LABELS)

    @property
    def latest_check(self) -> RegistryCheck | None:
        return self.registry_checks[-1] if self.registry_checks else None

    def beneficiary_for(self, user):
        """The beneficiary as this user may see it: the stored profile, or,
        for a village desk outside the person's village, what the case's desk
        recorded."""
        from slrt.common.permissions import can

        person = self.beneficiary
        if self.beneficiary_profile is not None and not can(user, "person.profile", person):
            return ProfileSnapshot(person, self.beneficiary_profile)
        return person

    def profile_history_for(self, user) -> list[PersonHistory]:
        """The earlier values of the beneficiary's profile, for those who may
        see the stored profile."""
        from slrt.common.permissions import can

        person = self.beneficiary
        if not can(user, "person.profile", person):
            return []
        return list(db.session.scalars(
            db.select(PersonHistory).where(PersonHistory.person_id == person.id)
            .order_by(PersonHistory.id.desc())))


class RegistryCheck(db.Model):
    """Dated evidence: what the registry said about the beneficiary, who checked, when."""

    __tablename__ = "registry_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(10))  # "nik", "nama", "none"
    found: Mapped[bool] = mapped_column(Boolean)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("registry_records.id"))
    source: Mapped[str] = mapped_column(String(8), default="")
    period: Mapped[str] = mapped_column(String(7), default="")
    result: Mapped[dict] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="registry_checks")
    checked_by: Mapped[User] = relationship()


class CaseEvent(db.Model):
    """The case timeline. Append-only: the database refuses UPDATE and DELETE."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    # Legacy: the sentence of a row written before the timeline kept facts
    # (and that migration 0012 could not read back). Empty on new rows.
    message: Mapped[str] = mapped_column(Text, default="")
    # The event's facts (codes, ids, ISO dates, names, typed text); the
    # sentence is written from them when shown (slrt/cases/timeline.py).
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def text(self) -> str:
        """The sentence, in the language of the request."""
        from slrt.cases.timeline import render

        return render(self.kind, self.data, self.message)


# What a desk attaches to a case: the kind is chosen from this table.
ATTACHMENT_KINDS = {
    "ktp": _l("Foto KTP"),
    "kk": _l("Foto Kartu Keluarga"),
    "rumah": _l("Foto rumah"),
    "surat": _l("Surat (keterangan, pengantar, dan sejenisnya)"),
    "lainnya": _l("Lainnya"),
}


class CaseAttachment(db.Model):
    """A file a desk attached to a case (a photo of the KTP, the KK, the house,
    a letter). The bytes are in the file store under `file_key`
    (slrt/platform/storage.py, namespace "attachments/"), cleaned when they
    came in (slrt/cases/attachments.py); the row keeps what the page lists."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    caption: Mapped[str] = mapped_column(String(200), default="")
    file_key: Mapped[str] = mapped_column(String(240), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    case: Mapped[Case] = relationship()
    created_by: Mapped[User] = relationship()

    @property
    def village_code(self) -> str:
        """The case's village: the scope of the permission table."""
        return self.case.village_code

    @property
    def kind_label(self) -> str:
        return str(ATTACHMENT_KINDS.get(self.kind, self.kind))

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def extension(self) -> str:
        return ".pdf" if self.is_pdf else ".jpg"
