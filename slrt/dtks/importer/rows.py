"""The named records that go from the row checks to the staging table and the
report, instead of bare tuples whose order must match elsewhere."""

from __future__ import annotations

from typing import Any, NamedTuple


class StageRow(NamedTuple):
    """A valid row of the file, as it goes into the staging table rimp_stage
    (the field order is the column order: see columns.STAGE_TYPES)."""

    row_no: int  # spreadsheet row (header = row 1 when it is the first line)
    registry_id: str
    nik: str
    no_kk: str
    name: str
    name_key: str
    birth_place: str
    birth_date: str | None  # ISO date
    sex: str  # "L" or "P"
    relationship: str
    mother_name: str
    address: str
    dusun: str
    rt: str
    rw: str
    village_code: str
    padan: bool | None
    decile: int | None
    pkh: bool
    bpnt: bool
    pbi: bool
    other_programs: str


class Problem(NamedTuple):
    """One problem of the file, as the report shows it."""

    row_no: int
    column: str  # the column's title in the file ("" for the whole row)
    value: Any
    message: str  # in Indonesian


class SkipKey(NamedTuple):
    """ID DTKS and NIK of a row with errors: the apply must not deactivate the
    records it names (the row is there, only wrong)."""

    registry_id: str | None
    nik: str | None


class Batch(NamedTuple):
    """What the scan hands over every few thousand rows."""

    valid: list[StageRow]
    problems: list[Problem]
    skipped: list[SkipKey]
    position: int  # bytes read (rows for .xlsx)
    size: int  # of the file (rows for .xlsx)
    rows_total: int  # data rows so far
    rows_error: int
    error_count: int


class ScanEnd(NamedTuple):
    """The scan's last word: the villages of the valid rows, and 64-bit hashes
    of their ID DTKS and NIK in 16 buckets (array("q")) to look for repeats."""

    villages: list[str]
    id_hashes: list
    nik_hashes: list

    def repeated(self) -> list[str]:
        """The columns ("registry_id", "nik") where a hash occurs twice: a value
        there may be in the file twice (the staging step looks in SQL)."""
        return [col for col, buckets in (("registry_id", self.id_hashes),
                                         ("nik", self.nik_hashes))
                if any(len(set(bucket)) < len(bucket) for bucket in buckets)]
