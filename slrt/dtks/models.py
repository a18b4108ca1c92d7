from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slrt.common.lifecycle import HasLifecycle
from slrt.common.time import now_utc
from slrt.common.types import UTCDateTime
from slrt.dtks.workflow import IMPORT_FLOW, RUNNING_STATUSES
from slrt.extensions import db
from slrt.regions.models import Region

# Program flags carried by a registry record, in display order.
PROGRAM_FLAGS = {
    "pkh": "PKH",
    "bpnt": "BPNT/Sembako",
    "pbi": "PBI-JK (KIS)",
}


class RegistryRecord(db.Model):
    """One person as the social registry (DTKS, now DTSEN) lists them.

    NIK is the person's key in the registry; No KK is the family card and is
    shared by the household (and changes when the family moves or splits).
    """

    __tablename__ = "registry_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registry_id: Mapped[str] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(String(8), default="DTKS")
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM of the snapshot
    nik: Mapped[str] = mapped_column(String(16), index=True)
    no_kk: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    birth_place: Mapped[str] = mapped_column(String(80), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    relationship_to_head: Mapped[str] = mapped_column("relationship", String(40), default="")
    mother_name: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    dusun: Mapped[str] = mapped_column(String(60), default="")
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    village_code: Mapped[str] = mapped_column(String(13), ForeignKey("regions.code"))
    padan: Mapped[bool | None] = mapped_column(Boolean)  # matched at Dukcapil
    decile: Mapped[int | None] = mapped_column(SmallInteger)
    pkh: Mapped[bool] = mapped_column(Boolean, default=False)
    bpnt: Mapped[bool] = mapped_column(Boolean, default=False)
    pbi: Mapped[bool] = mapped_column(Boolean, default=False)
    other_programs: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Snapshot bookkeeping, filled by the importer (slrt.dtks.importer); None for
    # records written otherwise. `since_period`: first period of the current
    # values (`period` is the latest snapshot that listed them); `inactive_since`:
    # the first snapshot of its village that no longer listed the record;
    # `import_id`: the registry_imports row that last wrote it (no foreign key,
    # so that old import logs can be purged).
    since_period: Mapped[str | None] = mapped_column(String(7))
    inactive_since: Mapped[str | None] = mapped_column(String(7))
    import_id: Mapped[int | None] = mapped_column(Integer)

    village: Mapped[Region] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_registry_records_village_name", "village_code", "name_key"),
        Index("ix_registry_records_period", "period"),  # the newest period: latest_period()
        # The name search's pg_trgm GIN index: made by migration 0020 on PostgreSQL only
        # (SQLite has none), so not declared here; see slrt.platform.db.include_object.
        {"info": {"engine_indexes": ("ix_registry_records_name_trgm",)}},
    )

    @property
    def programs(self) -> list[str]:
        names = [label for flag, label in PROGRAM_FLAGS.items() if getattr(self, flag)]
        if self.other_programs:
            names.extend(p.strip() for p in self.other_programs.split(",") if p.strip())
        return names

    def evidence(self) -> dict:
        """What the registry says about this person, kept on a case as evidence."""
        return {
            "registry_id": self.registry_id,
            "source": self.source,
            "period": self.period,
            "nik": self.nik,
            "no_kk": self.no_kk,
            "name": self.name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
            "relationship": self.relationship_to_head,
            "village_code": self.village_code,
            "dusun": self.dusun,
            "rt": self.rt,
            "rw": self.rw,
            "padan": self.padan,
            "decile": self.decile,
            "programs": self.programs,
            "flags": {flag: bool(getattr(self, flag)) for flag in PROGRAM_FLAGS},
            "active": self.is_active,
        }


# --------------------------------------------------------------------------
# Snapshot imports (slrt.dtks.importer)

# The statuses and their moves: slrt/dtks/workflow.py.
IMPORT_STATUSES = IMPORT_FLOW.labels()
IMPORT_SOURCES = ("DTKS", "DTSEN")
# An apply that would mark inactive more than this share of a village's active
# records needs an explicit confirmation naming the number.
MASS_DEACTIVATION_SHARE = 0.10
RUNNING_IMPORT_STATUSES = RUNNING_STATUSES


class RegistryImport(HasLifecycle, db.Model):
    """One registry file (SIKS-NG export) brought in as a snapshot of a period.

    The row is written on its own connection while the import runs, so that a
    page can poll `status`, `progress` and `progress_note`; the counts of the
    apply phase are written in the same transaction as the records.
    """

    FLOW = IMPORT_FLOW  # status_label, status_badge, is_open

    __tablename__ = "registry_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_path: Mapped[str] = mapped_column(String(500), default="")  # a file of the command line
    # An uploaded file: its key in the app's file store (slrt/platform/storage.py).
    file_key: Mapped[str] = mapped_column(String(240), default="", server_default="")
    file_size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="", index=True)
    file_format: Mapped[str] = mapped_column(String(60), default="")
    encoding: Mapped[str] = mapped_column(String(20), default="")  # of a CSV, once read
    period: Mapped[str] = mapped_column(String(7))
    source: Mapped[str] = mapped_column(String(8), default="DTKS")
    scope_code: Mapped[str | None] = mapped_column(String(13))
    status: Mapped[str] = mapped_column(String(12), default="validating")
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)  # percent of the phase
    progress_note: Mapped[str] = mapped_column(String(200), default="")
    worker: Mapped[str] = mapped_column(String(80), default="")  # host:pid doing the work
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_valid: Mapped[int] = mapped_column(Integer, default=0)
    rows_error: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    villages: Mapped[int] = mapped_column(Integer, default=0)
    apply_valid: Mapped[bool] = mapped_column(Boolean, default=False)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    reactivated: Mapped[int] = mapped_column(Integer, default=0)
    deactivated: Mapped[int] = mapped_column(Integer, default=0)
    skipped_newer: Mapped[int] = mapped_column(Integer, default=0)
    # Active records the apply would mark inactive (counted by the check,
    # exact after an apply was tried); when over MASS_DEACTIVATION_SHARE of a
    # village's active records the apply needs `deactivate_confirmed` equal to
    # that number (the page's confirmation, `--confirm-deactivate N`).
    deactivate_planned: Mapped[int] = mapped_column(Integer, default=0)
    deactivate_confirm_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    deactivate_confirmed: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, default="")
    # The village an ambiguous name of the file means, chosen on the upload
    # page: {"<district code>|<name folded>": village code} (importer/regions.py).
    village_choices: Mapped[dict | None] = mapped_column(JSON)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("registry_imports.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_registry_imports_status", "status", "id"),)

    @property
    def regency_code(self) -> str | None:
        """The regency whose supervisor reads it: its scope's ("15.04"); a
        province-wide file loaded from the command line has none."""
        code = self.scope_code or ""
        return code if code.count(".") == 1 else None

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_IMPORT_STATUSES

    @property
    def awaits_decision(self) -> bool:
        """Checked: the supervisor applies it or cancels it."""
        return IMPORT_FLOW.allows(self.status, "antre_terapkan")

    @property
    def awaits_apply(self) -> bool:
        """Queued for its apply, which may still be cancelled."""
        return self.status == IMPORT_FLOW.moves["antre_terapkan"].target

    @property
    def is_applied(self) -> bool:
        return self.status == IMPORT_FLOW.moves["diterapkan"].target


class RegistryImportProblem(db.Model):
    """A problem found in one cell (or the header) of an imported file.

    `row_no` is the spreadsheet row (the header is row 1 when it is the first
    line); `column` the column title as written in the file.
    """

    __tablename__ = "registry_import_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("registry_imports.id", ondelete="CASCADE"), index=True
    )
    row_no: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(80), default="")
    value: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")


class RegistryRecordHistory(db.Model):
    """The values a registry record had before an import changed or
    deactivated it: what the registry said then stays recoverable.

    `period` is the last snapshot that listed these values, `since_period`
    the first; `replaced_period` is the period of the import that replaced them.
    """

    __tablename__ = "registry_record_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("registry_records.id"), index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("registry_imports.id"), index=True)
    change: Mapped[str] = mapped_column(String(12))  # diubah / nonaktif / aktif_lagi
    replaced_period: Mapped[str] = mapped_column(String(7))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    registry_id: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(8))
    period: Mapped[str] = mapped_column(String(7))
    since_period: Mapped[str | None] = mapped_column(String(7))
    nik: Mapped[str] = mapped_column(String(16))
    no_kk: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    birth_place: Mapped[str] = mapped_column(String(80))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    relationship_to_head: Mapped[str] = mapped_column("relationship", String(40))
    mother_name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200))
    dusun: Mapped[str] = mapped_column(String(60))
    rt: Mapped[str] = mapped_column(String(3))
    rw: Mapped[str] = mapped_column(String(3))
    village_code: Mapped[str] = mapped_column(String(13))
    padan: Mapped[bool | None] = mapped_column(Boolean)
    decile: Mapped[int | None] = mapped_column(SmallInteger)
    pkh: Mapped[bool] = mapped_column(Boolean)
    bpnt: Mapped[bool] = mapped_column(Boolean)
    pbi: Mapped[bool] = mapped_column(Boolean)
    other_programs: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean)

    CHANGES = {"diubah": "Data diubah", "nonaktif": "Tidak ada lagi di data",
               "aktif_lagi": "Muncul kembali"}

    @property
    def change_label(self) -> str:
        return self.CHANGES.get(self.change, self.change)
