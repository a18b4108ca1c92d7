"""Registry snapshots: import a DTKS / DTSEN export (SIKS-NG layout) for a period.

Two phases, both reading the file in one streaming pass:

1. **Validation.** The header is found in the first lines (any of ``|``,
   ``;``, tab or ``,``; UTF-8 with or without BOM, or Windows-1252; or an
   ``.xlsx`` sheet), then every row is checked: NIK and No KK with
   ``slrt.identity``, the birth date, the region names (resolved to Kemendagri
   codes within the named regency and district, never guessed), flags,
   lengths; duplicate ID DTKS or NIK inside the file. Each problem is kept with
   its spreadsheet row (header = row 1), column, value and an Indonesian
   explanation in ``registry_import_errors``. Valid rows go to a staging table.

2. **Apply**, in ONE transaction, set-based: records are matched by ID DTKS,
   else by NIK (a record that would otherwise be deactivated, or an inactive
   one); changed records are updated and their previous values kept in
   ``registry_record_history``; unchanged ones only get the new period; new
   ones are inserted; the records of the villages present in the file that
   the file no longer lists are marked inactive (never deleted). Nothing is
   committed before the end, so a crash or a kill leaves the previous
   snapshot intact and usable, and running the import again completes it.

The import's state lives in ``registry_imports`` (status, progress, counts),
written on a connection of its own so that a page can poll it. Statuses:
``validating`` -> ``validated`` | ``rejected`` -> ``applying`` -> ``applied``
| ``failed``; see ``IMPORT_STATUSES``.

Public API (call inside an app context; safe from a background thread):

* ``import_file(path, period, ...)``: both phases, as ``flask dtks import``;
* ``validate_file(path, period, ...)`` then ``apply_import(import_id, ...)``:
  the same in two steps, for the upload page (the apply re-reads the file);
* ``write_report(import_id, dest)``: the CSV ``baris,kolom,nilai,keterangan``;
* ``get_import``, ``recent_imports``, ``import_problems``, ``cancel_import``;
* ``record_history(record_id)``, ``record_as_of(nik, period)``;
* every import_file() and apply_import() ends with one "impor" entry in the
  audit log (slrt.audit), as the user in created_by_id;
* ``SIKS_NG_COLUMNS``, ``siksng_row``, ``write_siksng``: the export layout,
  for tests, benchmarks and templates.
"""

from __future__ import annotations

import codecs
import csv
import gc
import hashlib
import io
import logging
import os
import re
import socket
import sqlite3
import time
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache, wraps
from itertools import chain
from pathlib import Path

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import DBAPIError

from slrt.common.exports import safe_cell
from slrt.common.time import format_datetime_id, now_utc
from slrt.dtks.models import (
    IMPORT_SOURCES,
    MASS_DEACTIVATION_SHARE,
    RUNNING_IMPORT_STATUSES,
    RegistryImport,
    RegistryImportProblem,
    RegistryRecord,
    RegistryRecordHistory,
)
from slrt.dtks.names import name_key
from slrt.extensions import db
from slrt.identity import InvalidKk, InvalidNik, normalise_digits, parse_kk, parse_nik

log = logging.getLogger(__name__)

__all__ = [
    "ApplyResult",
    "ImportOutcome",
    "ImportRefused",
    "SIKS_NG_COLUMNS",
    "ValidationResult",
    "apply_import",
    "cancel_import",
    "check_upload",
    "format_count",
    "get_import",
    "import_file",
    "import_problems",
    "record_as_of",
    "record_history",
    "recent_imports",
    "siksng_row",
    "validate_file",
    "write_report",
    "write_siksng",
]

ProgressCallback = Callable[[str, int, int], None]
"""progress(phase, done, total): phase "memeriksa" (done/total in bytes, or rows
for .xlsx) or "menerapkan" (done/total in steps)."""

MAX_STORED_ERRORS = 100_000  # problems kept for the report; all are counted
SNIFF_BYTES = 64 * 1024
HEADER_SEARCH_LINES = 10
# An .xlsx is a zip: what its members unpack to is checked (central directory
# only, nothing unpacked) before a byte of it is parsed. Spreadsheet XML packs
# some 5-20 to 1; a zip bomb packs hundreds of MB into a few hundred KB.
XLSX_MAX_UNPACKED = 2 * 1024 ** 3  # all members together, bytes
XLSX_MAX_RATIO = 100  # unpacked / packed, for a member over XLSX_RATIO_FROM bytes
XLSX_RATIO_FROM = 16 * 1024 ** 2
XLSX_MAX_MEMBERS = 10_000
BATCH_ROWS = 5000
_CACHE_MAX = 10_000  # distinct raw values remembered per column (junk files stay small)

# --------------------------------------------------------------------------
# Columns

# field -> (title in messages, accepted titles normalised: upper case, only A-Z 0-9)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "registry_id": ("ID DTKS", ("IDDTKS", "IDDTSEN", "ID", "NOIDDTKS", "IDART")),
    "province": ("PROVINSI", ("PROVINSI", "PROV", "NAMAPROVINSI")),
    "regency": ("KABUPATEN/KOTA", ("KABUPATENKOTA", "KABKOTA", "KABUPATEN", "KOTAKABUPATEN",
                                   "NAMAKABUPATEN", "NAMAKABUPATENKOTA", "KAB")),
    "district": ("KECAMATAN", ("KECAMATAN", "KEC", "NAMAKECAMATAN")),
    "village": ("DESA/KELURAHAN", ("DESAKELURAHAN", "DESAKEL", "KELURAHANDESA", "KELDESA",
                                   "DESA", "KELURAHAN", "NAMADESA", "NAMADESAKELURAHAN")),
    "address": ("ALAMAT", ("ALAMAT",)),
    "dusun": ("DUSUN", ("DUSUN",)),
    "rt": ("RT", ("RT",)),
    "rw": ("RW", ("RW",)),
    "no_kk": ("NOMOR KK", ("NOMORKK", "NOKK", "KK", "NOMORKARTUKELUARGA",
                           "NOKARTUKELUARGA")),
    "nik": ("NOMOR NIK", ("NOMORNIK", "NIK", "NONIK")),
    "name": ("NAMA", ("NAMA", "NAMALENGKAP", "NAMAART")),
    "birth_date": ("TANGGAL LAHIR", ("TANGGALLAHIR", "TGLLAHIR", "TGLAHIR")),
    "birth_place": ("TEMPAT LAHIR", ("TEMPATLAHIR", "TMPLAHIR", "TPTLAHIR", "TMPTLAHIR")),
    "sex": ("JENIS KELAMIN", ("JENISKELAMIN", "JK", "KELAMIN", "JNSKELAMIN")),
    "mother_name": ("NAMA IBU KANDUNG", ("NAMAIBUKANDUNG", "IBUKANDUNG", "NAMAIBU")),
    "relationship": ("HUBUNGAN KELUARGA", ("HUBUNGANKELUARGA", "HUBUNGANDENGANKEPALAKELUARGA",
                                           "HUBUNGANDENGANKK", "HUBKELUARGA", "HUBKEL", "SHDK",
                                           "HUBUNGAN")),
    "padan": ("KETERANGAN PADAN", ("KETERANGANPADAN", "KETPADAN", "PADAN", "STATUSPADAN",
                                   "PADANDUKCAPIL")),
    "pkh": ("BANSOS PKH", ("BANSOSPKH", "PKH")),
    "bpnt": ("BANSOS BPNT", ("BANSOSBPNT", "BPNT", "BANSOSSEMBAKO", "SEMBAKO", "BPNTSEMBAKO")),
    "pbi": ("PBI JKN", ("PBIJKN", "PBI", "PBIJK", "PBIKIS", "KIS")),
    "decile": ("DESIL", ("DESIL", "DESILNASIONAL", "DESILKESEJAHTERAAN")),
}
REQUIRED = ("registry_id", "regency", "district", "village", "no_kk", "nik", "name")
_ALIASES = {alias: fld for fld, (_, aliases) in COLUMNS.items() for alias in aliases}
# Program columns kept in other_programs (besides any "BANSOS <name>" column).
_OTHER_PROGRAMS = {"BST": "BST", "BLTDD": "BLT-DD", "PIP": "PIP", "KIP": "KIP",
                   "PBIAPBD": "PBI APBD", "PBIJKAPBD": "PBI APBD"}

# The SIKS-NG export layout (what write_siksng() writes).
SIKS_NG_COLUMNS = (
    "ID DTKS", "PROVINSI", "KABUPATEN/KOTA", "KECAMATAN", "DESA/KELURAHAN", "ALAMAT", "DUSUN",
    "RT", "RW", "NOMOR KK", "NOMOR NIK", "NAMA", "TANGGAL LAHIR", "TEMPAT LAHIR",
    "JENIS KELAMIN", "NAMA IBU KANDUNG", "HUBUNGAN KELUARGA", "KETERANGAN PADAN",
    "BANSOS BPNT", "BANSOS PKH", "BANSOS BPNT PPKM", "PBI JKN",
)

_TRUE = {"YA", "Y", "1", "TRUE", "BENAR", "PENERIMA", "V", "ADA", "AKTIF", "\u2713", "\u221a"}
_FALSE = {"", "TIDAK", "T", "0", "FALSE", "SALAH", "BUKAN", "BUKAN PENERIMA", "TIDAK PENERIMA",
          "NON PENERIMA", "-", "N", "NO", "TIDAK ADA", "TIDAK AKTIF"}
_PADAN = {"PADAN": True, "SUDAH PADAN": True, "YA": True, "Y": True, "1": True,
          "TIDAK PADAN": False, "BELUM PADAN": False, "TIDAK": False, "T": False, "0": False,
          "": None, "-": None}
_SEX = {"L": "L", "LAKI-LAKI": "L", "LAKI LAKI": "L", "LAKI": "L", "PRIA": "L", "1": "L",
        "P": "P", "PEREMPUAN": "P", "WANITA": "P", "2": "P"}

# Field lengths of registry_records (a longer value is a row error, never cut).
_MAX_LEN = {"registry_id": 40, "name": 120, "birth_place": 80, "relationship": 40,
            "mother_name": 120, "address": 200, "dusun": 60, "other_programs": 200}

_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_DMY_RE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YMD_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
_SPACES = re.compile(r"\s+")


def gettext(text: str, **params) -> str:
    """An Indonesian message through flask_babel's gettext when an app is
    there; the same text, formatted, in a process without one. Named so that
    `pybabel extract` (babel.cfg) finds the messages."""
    from flask import has_app_context

    if has_app_context():
        from flask_babel import gettext as babel_gettext

        return babel_gettext(text, **params)
    return text % params if params else text


def format_count(n: int) -> str:
    """12345 -> '12.345' (Indonesian thousands separator)."""
    return f"{n:,}".replace(",", ".")


def _norm_header(text: str) -> str:
    return _NON_ALNUM.sub("", _fold(text))


def _fold(text: str) -> str:
    """Upper case without accents (NFKD)."""
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).upper()


# --------------------------------------------------------------------------
# Results and errors


class ImportRefused(Exception):
    """The import cannot go on; ``str(exc)`` is an Indonesian message."""


@dataclass
class ValidationResult:
    import_id: int
    status: str
    file_format: str = ""
    rows_total: int = 0
    rows_valid: int = 0
    rows_error: int = 0
    error_count: int = 0
    villages: int = 0
    message: str = ""
    duplicate_of_id: int | None = None

    @property
    def ok(self) -> bool:
        """Validated without a single problem."""
        return self.status == "validated" and self.rows_error == 0

    @property
    def is_noop(self) -> bool:
        return self.duplicate_of_id is not None


@dataclass
class ApplyResult:
    import_id: int
    status: str
    inserted: int = 0
    updated: int = 0
    confirmed: int = 0
    unchanged: int = 0
    reactivated: int = 0
    deactivated: int = 0
    skipped_newer: int = 0
    rows_skipped: int = 0
    villages: int = 0
    message: str = ""


@dataclass
class ImportOutcome:
    validation: ValidationResult
    applied: ApplyResult | None = None

    @property
    def import_id(self) -> int:
        return self.validation.import_id

    @property
    def status(self) -> str:
        return self.applied.status if self.applied else self.validation.status


class _Unconfirmed(Exception):
    """The apply would mark inactive more than MASS_DEACTIVATION_SHARE of a
    village's active records, and nobody confirmed that number."""

    def __init__(self, count: int, message: str):
        super().__init__(message)
        self.count = count
        self.message = message


class _Rejected(Exception):
    """The file as a whole cannot be imported (message in Indonesian)."""

    def __init__(self, message: str, problems: list[tuple] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


# --------------------------------------------------------------------------
# Reading the file


@dataclass
class _Layout:
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    header_index: int = 0  # 0-based record index of the header
    header: list[str] | None = None
    describe: str = ""
    lossy: bool = False  # undecodable bytes are replaced


_DELIMITERS = {"|": "|", ";": ";", "\t": "tab", ",": ","}


def _classify_header(cells: list[str]) -> tuple[dict[str, int], list[tuple[int, str]], list[str]]:
    """(field -> column index, [(index, other program label)], ignored titles)."""
    fields: dict[str, int] = {}
    others: list[tuple[int, str]] = []
    ignored: list[str] = []
    for i, title in enumerate(cells):
        key = _norm_header(str(title or ""))
        if not key:
            continue
        fld = _ALIASES.get(key)
        if fld is not None:
            if fld not in fields:
                fields[fld] = i
            continue
        if key.startswith("BANSOS") and len(key) > 6:
            label = " ".join(str(title).split()[1:]) or key[6:]
            others.append((i, label.upper()))
        elif key in _OTHER_PROGRAMS:
            others.append((i, _OTHER_PROGRAMS[key]))
        else:
            ignored.append(str(title).strip())
    return fields, others, ignored


def _header_score(fields: dict[str, int]) -> int:
    if "nik" not in fields and "name" not in fields and "registry_id" not in fields:
        return 0
    return len(fields)


def _sniff_text(sample: bytes) -> tuple[str, list[str]]:
    """(encoding, first lines) of a text sample, or raise _Rejected."""
    if sample.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
        text = sample[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    else:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
        text = sample.decode(encoding, errors="replace")
    if "\x00" in text:
        raise _Rejected(
            "Berkas ini bukan berkas teks CSV maupun Excel .xlsx (berisi data biner). "
            "Unduh ulang ekspor DTKS dari SIKS-NG dalam format CSV atau .xlsx."
        )
    lines = _LINE_BREAKS.split(text)  # as the reader splits, not str.splitlines()
    if lines and lines[-1] == "":
        lines.pop()
    if len(sample) == SNIFF_BYTES and lines:
        lines = lines[:-1]  # the last line of the sample may be cut
    return encoding, lines


def _find_header_csv(lines: list[str]) -> tuple[int, str, list[str]] | None:
    best = None
    seen = 0
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > HEADER_SEARCH_LINES:
            break
        for delim in _DELIMITERS:
            if delim not in line:
                continue
            cells = next(csv.reader([line], delimiter=delim))
            score = _header_score(_classify_header(cells)[0])
            if score >= 3 and (best is None or score > best[0]):
                best = (score, index, delim, cells)
        if best is not None:
            break
    if best is None:
        return None
    return best[1], best[2], best[3]


_NOT_RECOGNISED = (
    "Berkas tidak dikenali sebagai data DTKS/DTSEN: pada {n} baris pertama tidak ada baris "
    "judul kolom yang dikenal (mis. ID DTKS, NOMOR NIK, NAMA, DESA/KELURAHAN). Gunakan berkas "
    "ekspor SIKS-NG dalam format CSV (pemisah | ; , atau tab) atau Excel .xlsx."
)


def _sniff(path: Path) -> _Layout:
    """Look only at the beginning of the file: format, encoding, header."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise _Rejected(f"Berkas tidak dapat dibuka: {e.strerror or e}.") from None
    if size == 0:
        raise _Rejected("Berkas kosong (0 byte): tidak ada data yang dapat diimpor.")
    with path.open("rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    if sample.startswith(b"PK\x03\x04"):
        _check_zip(path)
        return _sniff_xlsx(path)
    if sample.startswith(b"\xd0\xcf\x11\xe0"):
        raise _Rejected(
            "Format Excel lama (.xls) tidak didukung. Buka berkas di Excel lalu simpan sebagai "
            ".xlsx atau CSV, kemudian impor ulang."
        )
    encoding, lines = _sniff_text(sample)
    if not any(line.strip() for line in lines):
        raise _Rejected("Berkas kosong: tidak ada baris judul kolom maupun data.")
    found = _find_header_csv(lines)
    if found is None:
        raise _Rejected(_NOT_RECOGNISED.format(n=HEADER_SEARCH_LINES))
    index, delim, cells = found  # csv.reader yields a (blank) row for every line
    layout = _Layout("csv", encoding=encoding, delimiter=delim, header_index=index,
                     header=cells)
    layout.describe = f"CSV (pemisah {_DELIMITERS[delim]}, {_encoding_label(encoding)})"
    return layout


def _encoding_label(encoding: str) -> str:
    return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 dengan BOM", "cp1252": "Windows-1252"}.get(
        encoding, encoding)


def _megabytes(n: int) -> str:
    return format_count(max(1, round(n / 1024 ** 2)))


def _check_zip(source) -> None:
    """Refuse an .xlsx whose members would unpack to too much (a zip bomb),
    from the sizes in its central directory, before anything is unpacked.
    `source`: a path or a seekable binary file (left at its start). The
    sizes read here bind the reader too: Python's zipfile never unpacks a
    member past the size its directory gives."""
    import zipfile

    try:
        with zipfile.ZipFile(source) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _Rejected(gettext(
            "Berkas Excel rusak atau tidak dapat dibaca. Simpan ulang dari Excel sebagai "
            ".xlsx, atau ekspor ulang dari SIKS-NG.")) from None
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    advice = gettext("Berkas seperti ini dapat melumpuhkan server dan tidak dibuka. Simpan ulang "
                "dari Excel sebagai .xlsx, atau ekspor ulang dari SIKS-NG sebagai CSV.")
    if len(members) > XLSX_MAX_MEMBERS:
        raise _Rejected(gettext("Berkas Excel ini tidak wajar: berisi %(n)s bagian (batas %(max)s).",
                           n=format_count(len(members)), max=format_count(XLSX_MAX_MEMBERS))
                        + " " + advice)
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if total > XLSX_MAX_UNPACKED:
        raise _Rejected(gettext(
            "Berkas Excel ini tidak wajar: isinya setelah dibuka %(mb)s MB (dari %(packed)s "
            "MB), lebih dari batas %(max)s MB.", mb=_megabytes(total),
            packed=_megabytes(packed), max=_megabytes(XLSX_MAX_UNPACKED)) + " " + advice)
    for m in members:
        if m.file_size > XLSX_RATIO_FROM and \
                m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1):
            raise _Rejected(gettext(
                "Berkas Excel ini tidak wajar: bagian %(name)s dimampatkan %(ratio)s kali "
                "(%(packed)s KB menjadi %(mb)s MB setelah dibuka; lembar kerja biasa paling "
                "banyak sekitar 20 kali).", name=m.filename[:80],
                ratio=format_count(m.file_size // max(m.compress_size, 1)),
                packed=format_count(max(1, m.compress_size // 1024)),
                mb=_megabytes(m.file_size)) + " " + advice)


def check_upload(stream) -> None:
    """Check an uploaded file before it is stored (the upload page): an .xlsx
    must not unpack to too much. Raises ImportRefused with an Indonesian
    message; `stream` is left at its start."""
    head = stream.read(4)
    stream.seek(0)
    if head == b"PK\x03\x04":
        try:
            _check_zip(stream)
        except _Rejected as e:
            raise ImportRefused(e.message) from None


class _Workbook:
    """An .xlsx opened read-only (streaming) on a file handle of our own, so that
    the file is closed even when a row iterator is left half-way."""

    def __init__(self, path: Path):
        try:
            from openpyxl import load_workbook
        except ImportError:  # pragma: no cover - a declared dependency
            raise _Rejected("Pembaca Excel (openpyxl) belum terpasang; gunakan berkas CSV."
                            ) from None
        self.fh = path.open("rb")
        try:
            self.wb = load_workbook(self.fh, read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any failure means the same to the operator
            self.fh.close()
            raise _Rejected(
                "Berkas Excel rusak atau tidak dapat dibaca. Simpan ulang dari Excel sebagai "
                ".xlsx, atau ekspor ulang dari SIKS-NG."
            ) from None

    def close(self) -> None:
        try:
            self.wb.close()
        finally:
            self.fh.close()


def _sniff_xlsx(path: Path) -> _Layout:
    book = _Workbook(path)
    try:
        for ws in book.wb.worksheets:
            first = list(ws.iter_rows(max_row=HEADER_SEARCH_LINES, values_only=True))
            for index, row in enumerate(first):
                cells = ["" if v is None else str(v) for v in row]
                if _header_score(_classify_header(cells)[0]) >= 3:
                    return _Layout("xlsx", header_index=index, header=cells,
                                   describe=f"Excel .xlsx (lembar {ws.title})",
                                   delimiter=ws.title)
        raise _Rejected(_NOT_RECOGNISED.format(n=HEADER_SEARCH_LINES))
    finally:
        book.close()


def _hash(path: Path) -> tuple[str, int]:
    """sha256 and size of the file (~0.4 s for 200 MB)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            size += len(chunk)
            digest.update(chunk)
    return digest.hexdigest(), size


class _Restart(Exception):
    """The CSV is not UTF-8 after all: read it again as Windows-1252."""


class _CsvSource:
    def __init__(self, path: Path, layout: _Layout):
        self.path = path
        self.layout = layout
        self.total = path.stat().st_size
        # A file cut short (an interrupted download or copy) ends mid-line.
        with path.open("rb") as fh:
            fh.seek(max(0, self.total - 1))
            self.ends_with_newline = fh.read(1) in (b"\n", b"\r")

    def rows(self) -> Iterator[list]:
        layout = self.layout
        raw = io.FileIO(self.path, "r")
        self._raw = raw
        buffered = io.BufferedReader(raw, buffer_size=1 << 20)
        errors = "replace" if layout.lossy or layout.encoding == "cp1252" else "strict"
        text = io.TextIOWrapper(buffered, encoding=layout.encoding, errors=errors, newline="")
        delim = layout.delimiter
        try:
            lines = iter(text)
            for line in lines:
                if '"' in line or "\x00" in line:
                    # Quoted cells (perhaps over several lines) or junk: the csv
                    # module reads this record, pulling more lines if needed.
                    yield next(csv.reader(chain((line,), lines), delimiter=delim))
                else:
                    yield line.rstrip("\r\n").split(delim)
        finally:
            text.close()

    def position(self) -> int:
        try:
            return self._raw.tell()
        except (AttributeError, ValueError):
            return self.total


class _XlsxSource:
    def __init__(self, path: Path, layout: _Layout):
        self.path = path
        self.layout = layout
        self.total = 0
        self.read = 0

    def rows(self) -> Iterator[list]:
        book = _Workbook(self.path)
        try:
            ws = book.wb[self.layout.delimiter]
            self.total = ws.max_row or 0
            for row in ws.iter_rows(values_only=True):
                self.read += 1
                yield list(row)
        finally:
            book.close()

    def position(self) -> int:
        return self.read


# --------------------------------------------------------------------------
# Regions by name

_PREFIX_REGENCY = re.compile(
    r"^(KABUPATEN|KAB\.?|KOTA ADMINISTRASI|KOTA ADM\.?|KOTA)(?:\s+|(?<=\.))(?=\S)")
_PREFIX_DISTRICT = re.compile(r"^(KECAMATAN|KEC\.?)(?:\s+|(?<=\.))(?=\S)")
_PREFIX_VILLAGE = re.compile(r"^(DESA|DS\.?|KELURAHAN|KEL\.?)(?:\s+|(?<=\.))(?=\S)")
_PREFIX_PROVINCE = re.compile(r"^(PROVINSI|PROV\.?)(?:\s+|(?<=\.))(?=\S)")


def _compact(text: str) -> str:
    return _NON_ALNUM.sub("", text)


def _split_prefix(raw: str, pattern: re.Pattern) -> tuple[str | None, str, str]:
    """('KAB', 'BATANGHARI', 'KABBATANGHARI') for 'kab. batang hari'."""
    text = _SPACES.sub(" ", _fold(raw)).strip()
    m = pattern.match(text)
    whole = _compact(text)
    if not m:
        return None, whole, whole
    return m.group(1).rstrip("."), _compact(text[m.end():]), whole


class _Regions:
    """Resolve (provinsi, kabupaten/kota, kecamatan, desa/kelurahan) names to a
    village code, within the regencies the import may touch. Names compare
    without case, spaces, punctuation or the Kabupaten/Kota prefix: "BATANG
    HARI" is Kabupaten Batanghari, "SRI DADI" is Sridadi. Anything else is an
    error, never a guess."""

    def __init__(self, rows: Iterable[tuple[str, str, str, str | None]], scope: str | None):
        self.scope = scope
        self.names: dict[str, str] = {}
        self.levels: dict[str, str] = {}
        self.provinces: dict[str, list[str]] = {}
        self.regencies: dict[str, list[str]] = {}
        self.children: dict[tuple[str, str], list[str]] = {}
        self.with_villages: set[str] = set()
        for code, name, level, parent in rows:
            self.names[code] = name
            self.levels[code] = level
            if level == "provinsi":
                self.provinces.setdefault(_compact(_fold(name)), []).append(code)
            elif level in ("kabupaten", "kota"):
                bare = re.sub(r"^(Kabupaten|Kota)\s+", "", name)
                self.regencies.setdefault(_compact(_fold(bare)), []).append(code)
            elif parent:
                self.children.setdefault((parent, _compact(_fold(name))), []).append(code)
                if level in ("desa", "kelurahan"):
                    self.with_villages.add(code[:5])
        self.cache: dict[tuple, tuple[str | None, str | None, str | None]] = {}
        self.scope_label = self.label(scope) if scope else ""

    def in_scope(self, code: str) -> bool:
        return not self.scope or code == self.scope or code.startswith(self.scope + ".")

    def label(self, code: str) -> str:
        name = self.names.get(code, code)
        level = self.levels.get(code)
        if level in ("kecamatan", "desa", "kelurahan", "provinsi"):
            return f"{level.capitalize()} {name}"
        return name

    def resolve(self, prov: str, kab: str, kec: str, desa: str):
        """(village code, None, None) or (None, field, message)."""
        key = (prov, kab, kec, desa)
        hit = self.cache.get(key)
        if hit is None:
            hit = self._resolve(prov, kab, kec, desa)
            if len(self.cache) < 200_000:
                self.cache[key] = hit
        return hit

    def _resolve(self, prov: str, kab: str, kec: str, desa: str):
        prov_code = None
        if prov.strip():
            _, bare, whole = _split_prefix(prov, _PREFIX_PROVINCE)
            codes = self.provinces.get(bare) or self.provinces.get(whole) or []
            if len(codes) != 1:
                return None, "province", f'Provinsi "{prov.strip()}" tidak dikenal.'
            prov_code = codes[0]
        if not kab.strip():
            return None, "regency", "KABUPATEN/KOTA kosong."
        prefix, bare, whole = _split_prefix(kab, _PREFIX_REGENCY)
        codes = self.regencies.get(bare, [])
        if prefix is not None:
            want = "kota" if prefix.startswith("KOTA") else "kabupaten"
            codes = [c for c in codes if self.levels[c] == want]
            if not codes:  # "KOTA BARU" may be the Kabupaten Kotabaru
                codes = self.regencies.get(whole, [])
        if prov_code is not None:
            inside = [c for c in codes if c.startswith(prov_code + ".")]
            if codes and not inside:
                names = ", ".join(self.names[c] for c in codes)
                return None, "regency", (
                    f'Kabupaten/kota "{kab.strip()}" ({names}) tidak berada di '
                    f"{self.label(prov_code)}.")
            codes = inside
        if len(codes) > 1:
            codes = [c for c in codes if self.in_scope(c)] or codes
        if not codes:
            return None, "regency", f'Kabupaten/kota "{kab.strip()}" tidak dikenal.'
        if len(codes) > 1:
            names = " atau ".join(self.names[c] for c in codes)
            return None, "regency", (
                f'Kabupaten/kota "{kab.strip()}" bisa berarti {names}; tulis lengkap dengan '
                "awalan Kabupaten atau Kota.")
        regency = codes[0]
        if not self.in_scope(regency):
            return None, "regency", (
                f'Desa/kelurahan ini berada di {self.names[regency]} ("{kab.strip()}"), di luar '
                f"wilayah {self.scope_label} yang dilayani aplikasi ini.")
        if not kec.strip():
            return None, "district", "KECAMATAN kosong."
        _, bare, whole = _split_prefix(kec, _PREFIX_DISTRICT)
        codes = self.children.get((regency, bare)) or self.children.get((regency, whole)) or []
        if len(codes) != 1:
            return None, "district", (
                f'Kecamatan "{kec.strip()}" tidak ditemukan di {self.names[regency]}.')
        district = codes[0]
        if regency not in self.with_villages:
            return None, "village", (
                f"Data desa/kelurahan {self.names[regency]} belum dimuat di aplikasi; jalankan "
                f"lebih dulu: flask regions load --kabupaten {regency}")
        if not desa.strip():
            return None, "village", "DESA/KELURAHAN kosong."
        prefix, bare, whole = _split_prefix(desa, _PREFIX_VILLAGE)
        codes = self.children.get((district, bare)) or self.children.get((district, whole)) or []
        if not codes:
            return None, "village", (
                f'Desa/kelurahan "{desa.strip()}" tidak ditemukan di {self.label(district)}, '
                f"{self.names[regency]}.")
        if len(codes) > 1 and prefix is not None:  # "KELURAHAN TERUSAN" / "DESA TERUSAN"
            level = "kelurahan" if prefix.startswith("KEL") else "desa"
            codes = [c for c in codes if self.levels[c] == level] or codes
        if len(codes) > 1:
            which = " dan ".join(f"{self.label(c)} ({c})" for c in codes)
            return None, "village", (
                f'Nama "{desa.strip()}" dipakai oleh {which} di {self.label(district)}; '
                "tidak dapat dipastikan. Tulis dengan awalan, mis. DESA atau KELURAHAN.")
        return codes[0], None, None


# --------------------------------------------------------------------------
# Values


def _period_today(period: str) -> date:
    """Reference date for the NIK century rule: the end of the period's month
    (but not after today)."""
    year, month = int(period[:4]), int(period[5:7])
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return min(end, date.today())


def check_period(period: str) -> str:
    """'2022-07' or raise ImportRefused with an Indonesian message."""
    period = (period or "").strip()
    m = _PERIOD_RE.match(period)
    if not m:
        raise ImportRefused(f'Periode "{period}" tidak sah: tulis tahun-bulan, mis. 2022-07.')
    year = int(m.group(1))
    if year < 2005:
        raise ImportRefused(f"Periode {period} di luar rentang yang masuk akal.")
    from slrt.common.time import today_wib

    if period > today_wib().strftime("%Y-%m"):
        raise ImportRefused(f"Periode {period} masih di masa depan: tulis bulan data itu "
                            "diekspor dari SIKS-NG.")
    return period


def _parse_date(value, today: date) -> tuple[str | None, str | None]:
    """(ISO date or None when empty, error message or None)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        d = value
    else:
        text = str(value).strip()
        if not text:
            return None, None
        m = _DMY_RE.match(text)
        if m:
            day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        else:
            m = _YMD_RE.match(text)
            if not m:
                return None, (f'Tanggal lahir "{text}" tidak terbaca: tulis HH-BB-TTTT '
                              "(mis. 14-06-1975), HH/BB/TTTT atau TTTT-BB-HH.")
            year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        try:
            d = date(year, month, day)
        except ValueError:
            return None, f'Tanggal lahir "{text}" tidak ada di kalender.'
    if d > today:
        return None, f"Tanggal lahir {d:%d-%m-%Y} jatuh setelah periode data."
    if d.year < 1880:
        return None, f"Tanggal lahir {d:%d-%m-%Y} tidak masuk akal."
    return d.isoformat(), None


def _cell_text(value) -> str:
    """An .xlsx cell as text (CSV cells are text already)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "YA" if value else "TIDAK"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


_NUMERIC_ID_CELL = (
    "{label} tersimpan sebagai angka di Excel, bukan teks: Excel hanya menyimpan 15 angka, "
    "sehingga angka terakhir {label} bisa berubah. Atur kolom {label} sebagai Teks, lalu isi "
    "ulang {label} lengkap dari KTP atau KK."
)


# --------------------------------------------------------------------------
# Database helpers (raw DBAPI: sqlite3 or psycopg)
#
# SQL text in this module is assembled only from the column names and table
# names written here (never from the file or a user); every value goes
# through a placeholder. Hence the "noqa: S608" on those statements.

_STAGE_COLUMNS = (
    "row_no", "registry_id", "nik", "no_kk", "name", "name_key", "birth_place", "birth_date",
    "sex", "relationship", "mother_name", "address", "dusun", "rt", "rw", "village_code",
    "padan", "decile", "pkh", "bpnt", "pbi", "other_programs",
)
# Columns compared to tell a changed record (registry_id and source apart).
_DATA_COLUMNS = ("nik", "no_kk", "name", "birth_place", "birth_date", "sex", "relationship",
                 "mother_name", "address", "dusun", "rt", "rw", "village_code", "padan",
                 "decile", "pkh", "bpnt", "pbi", "other_programs")
_NULLABLE = {"birth_date", "padan", "decile"}
_HISTORY_COLUMNS = ("registry_id", "source", "period", "since_period", *_DATA_COLUMNS,
                    "is_active")


class _Sql:
    """The few differences between SQLite and PostgreSQL the importer needs."""

    def __init__(self, dialect: str):
        self.sqlite = dialect == "sqlite"
        self.ph = "?" if self.sqlite else "%s"

    def named(self, sql: str) -> str:
        return sql if self.sqlite else re.sub(r":(\w+)", r"%(\1)s", sql)

    def differs(self, a: str, b: str) -> str:
        return f"{a} IS NOT {b}" if self.sqlite else f"{a} IS DISTINCT FROM {b}"

    def ts(self, value: datetime):
        if self.sqlite:
            return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    def content_changed(self, r: str, s: str) -> str:
        parts = [f"{r}.registry_id <> {s}.registry_id", f"{r}.source <> :source"]
        for col in _DATA_COLUMNS:
            if col in _NULLABLE:
                parts.append(self.differs(f"{r}.{col}", f"{s}.{col}"))
            else:
                parts.append(f"{r}.{col} <> {s}.{col}")
        return "(" + " OR ".join(parts) + ")"


def _drop_stage(sql: _Sql) -> list[str]:
    schema = "temp" if sql.sqlite else "pg_temp"
    return [f"DROP TABLE IF EXISTS {schema}.{t}"
            for t in ("rimp_stage", "rimp_skip", "rimp_villages", "rimp_gone")]


def _insert_skip(ph: str) -> str:
    return f"INSERT INTO rimp_skip (registry_id, nik) VALUES ({ph}, {ph})"  # noqa: S608


def _stage_ddl(sql: _Sql) -> list[str]:
    boolean = "BOOLEAN"
    return [
        *_drop_stage(sql),
        "CREATE TEMP TABLE rimp_stage (row_no INTEGER PRIMARY KEY, registry_id VARCHAR(40) "
        "NOT NULL, nik VARCHAR(16) NOT NULL, no_kk VARCHAR(16) NOT NULL, name VARCHAR(120) "
        "NOT NULL, name_key VARCHAR(120) NOT NULL, birth_place VARCHAR(80) NOT NULL, "
        "birth_date DATE, sex VARCHAR(1) NOT NULL, relationship VARCHAR(40) NOT NULL, "
        "mother_name VARCHAR(120) NOT NULL, address VARCHAR(200) NOT NULL, dusun VARCHAR(60) "
        "NOT NULL, rt VARCHAR(3) NOT NULL, rw VARCHAR(3) NOT NULL, village_code VARCHAR(13) "
        f"NOT NULL, padan {boolean}, decile SMALLINT, pkh {boolean} NOT NULL, bpnt {boolean} "
        f"NOT NULL, pbi {boolean} NOT NULL, other_programs VARCHAR(200) NOT NULL, "
        "target_id INTEGER)",
        "CREATE TEMP TABLE rimp_skip (registry_id VARCHAR(200), nik VARCHAR(200))",
        "CREATE TEMP TABLE rimp_villages (code VARCHAR(13) PRIMARY KEY)",
        "CREATE TEMP TABLE rimp_gone (id INTEGER PRIMARY KEY)",
    ]


class _Tracker:
    """Status, progress and row errors of one import, written on a connection
    of its own and committed at once, so that a page can poll them while the
    import works. On SQLite nothing is written here while the apply
    transaction holds the write lock (it would wait for it)."""

    def __init__(self, import_id: int, min_interval: float = 0.5):
        self.import_id = import_id
        self.conn = db.engine.connect()
        if self.conn.dialect.name == "postgresql":
            # A progress write must never hold the import up.
            self.conn.exec_driver_sql("SET lock_timeout = '2s'")
            self.conn.commit()
        self.min_interval = min_interval
        self.last = 0.0
        self.paused = False
        self.table = RegistryImport.__table__
        self.problems_table = RegistryImportProblem.__table__

    def set(self, **values) -> None:
        """Status changes: must be written."""
        self._write(values)

    def progress(self, throttle: bool = False, **values) -> None:
        """Progress only: at most every min_interval when throttled, and
        skipped (never failing the import) when the database is busy."""
        if self.paused:
            return
        now = time.monotonic()
        if throttle and now - self.last < self.min_interval:
            return
        self.last = now
        try:
            self._write(values)
        except DBAPIError:
            log.warning("impor #%s: kemajuan tidak tercatat (basis data sibuk)", self.import_id)

    def _write(self, values: dict) -> None:
        if self.paused:
            return
        values["updated_at"] = now_utc()
        try:
            self.conn.execute(update(self.table).where(self.table.c.id == self.import_id)
                              .values(**values))
            self.conn.commit()
        except DBAPIError:
            self.conn.rollback()
            raise

    def add_problems(self, problems: list[tuple]) -> None:
        if not problems or self.paused:
            return
        rows = [{"import_id": self.import_id, "row_no": p[0], "column": str(p[1])[:80],
                 "value": _clip(p[2], 200), "message": p[3]} for p in problems]
        for start in range(0, len(rows), 2000):
            self.conn.execute(insert(self.problems_table), rows[start:start + 2000])
        self.conn.commit()

    def close(self) -> None:
        try:
            self.conn.rollback()
        finally:
            self.conn.close()


def _clip(value, n: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _close_stale_imports(conn) -> None:
    """Imports left 'validating' or 'applying' by a process that died (killed,
    crashed, machine restarted) are marked failed: their transaction was
    rolled back, the data is as before them."""
    table = RegistryImport.__table__
    rows = conn.execute(select(table.c.id, table.c.worker, table.c.updated_at)
                        .where(table.c.status.in_(RUNNING_IMPORT_STATUSES))).all()
    host = socket.gethostname()[:60]
    old = now_utc() - timedelta(hours=6)
    for import_id, worker, updated_at in rows:
        w_host, _, w_pid = (worker or "").rpartition(":")
        dead = (w_host == host and w_pid.isdigit() and not _pid_alive(int(w_pid))
                and int(w_pid) != os.getpid())
        if dead or (updated_at is not None and updated_at < old):
            conn.execute(update(table).where(table.c.id == import_id).values(
                status="failed", updated_at=now_utc(),
                message="Proses impor terhenti sebelum selesai (dihentikan atau mati). "
                        "Tidak ada data yang berubah; jalankan impor ulang."))
    conn.commit()


# --------------------------------------------------------------------------
# The work


@dataclass
class _ScanParams:
    """What _validate_rows() needs: the file, its layout, the regions table."""

    path: str
    layout: _Layout
    region_rows: list
    scope: str | None
    today: date
    keep_errors: bool


def _validate_rows(params: _ScanParams) -> Iterator[tuple]:
    """Read and check every data row of the file; no database, no Flask.

    Yields ("batch", valid rows, problems, skip keys, bytes read, file size,
    rows so far, rows with errors, problems so far) every few thousand rows,
    then ("end", covered village codes, ID DTKS hash buckets, NIK hash
    buckets). Raises _Restart (not UTF-8 after all) or _Rejected.
    """
    layout = params.layout
    path = Path(params.path)
    keep_errors = params.keep_errors
    regions = _Regions(params.region_rows, params.scope)
    fields, others, _ignored = _classify_header(layout.header)
    source = _CsvSource(path, layout) if layout.kind == "csv" else _XlsxSource(path, layout)
    header_titles = [str(t or "").strip() for t in layout.header]
    problems: list[tuple] = []
    valid: list[tuple] = []
    skipped: list[tuple] = []
    rows_error = error_count = 0

    today = params.today
    xlsx = layout.kind == "xlsx"
    f = fields.get
    i_id, i_nik, i_kk, i_name = f("registry_id"), f("nik"), f("no_kk"), f("name")
    i_prov, i_kab, i_kec, i_desa = f("province"), f("regency"), f("district"), f("village")
    i_bd, i_bp, i_sex, i_mother = f("birth_date"), f("birth_place"), f("sex"), \
        f("mother_name")
    i_rel, i_addr, i_dusun, i_rt, i_rw = f("relationship"), f("address"), f("dusun"), \
        f("rt"), f("rw")
    i_padan, i_pkh, i_bpnt, i_pbi, i_dec = f("padan"), f("pkh"), f("bpnt"), f("pbi"), \
        f("decile")
    ncols = len(header_titles)
    region_cols = {"province": i_prov, "regency": i_kab, "district": i_kec,
                   "village": i_desa}

    def title(i):
        return header_titles[i] if i is not None and i < ncols else ""

    key_of = lru_cache(maxsize=1 << 17)(name_key)
    dates: dict = {}
    flags: dict[str, bool | None] = {}
    rels: dict[str, str] = {}
    rts: dict[str, str | None] = {}
    sexes: dict[str, str | None] = {}
    padans: dict[str, object] = {}
    deciles: dict[str, object] = {}
    last_kk_raw = None
    last_kk = None
    last_kk_err = None
    covered: set[str] = set()
    covered_add = covered.add
    region_cache = regions.cache
    resolve = regions.resolve
    # 64-bit hashes of the staged ID DTKS and NIK (8 bytes a row), in 16
    # buckets so that checking them needs little memory: a repeated hash
    # sends us to SQL for the exact duplicates.
    id_hashes = [array("q") for _ in range(16)]
    nik_hashes = [array("q") for _ in range(16)]
    id_add = [a.append for a in id_hashes]
    nik_add = [a.append for a in nik_hashes]
    total = 0
    row_no = layout.header_index + 1  # spreadsheet row of the header
    last_fields = ncols  # cells in the last data row read, as the file has them
    records = source.rows()
    for _ in range(layout.header_index + 1):  # title lines and the header
        try:
            next(records)
        except StopIteration:
            break
        except UnicodeDecodeError:
            if layout.kind == "csv" and not layout.lossy:
                raise _Restart from None
            raise
        except csv.Error as e:
            raise _Rejected(f"Berkas rusak pada baris judul: {e}.") from None
    # The loop makes millions of short-lived tuples and no reference cycles:
    # the cyclic collector would only cost time (~20%).
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        for row in records:
            row_no += 1
            if xlsx:
                if not any(v is not None and str(v).strip() for v in row):
                    continue
                if len(row) < ncols:
                    row.extend([None] * (ncols - len(row)))
                raw_row = row
                row = [_cell_text(v) for v in row]
            elif not row or (len(row) == 1 and not row[0].strip()):
                continue
            total += 1
            n = last_fields = len(row)
            if n < ncols:
                row.extend([""] * (ncols - n))
            elif n > ncols and any(c.strip() for c in row[ncols:]):
                msg = (f"Baris berisi {n} kolom, padahal judul hanya {ncols} kolom "
                       f"(tanda pemisah di dalam isi sel?).")
                problems.append((row_no, "", _clip(_DELIMITERS.get(layout.delimiter, "")
                                                   .join(row), 200), msg))
                skipped.append((row[i_id].strip()[:200] if i_id is not None else None,
                                normalise_digits(row[i_nik])[:200]
                                if i_nik is not None else None))
                rows_error += 1
                error_count += 1
                continue
            errs = None

            rid = row[i_id].strip()
            if not rid:
                errs = [(title(i_id), "", "ID DTKS kosong.")]
            elif len(rid) > 40:
                errs = [(title(i_id), rid, "ID DTKS lebih dari 40 karakter.")]

            nik_cell = raw_row[i_nik] if xlsx else row[i_nik]
            nik = None
            if xlsx and isinstance(nik_cell, (int, float)):
                errs = (errs or []) + [(title(i_nik), nik_cell,
                                        _NUMERIC_ID_CELL.format(label="NIK"))]
            else:
                try:
                    nik = parse_nik(nik_cell, today=today)
                except InvalidNik as e:
                    errs = (errs or []) + [(title(i_nik), nik_cell, str(e))]

            # No KK: the members of a household follow each other.
            kk_cell = raw_row[i_kk] if xlsx else row[i_kk]
            if kk_cell != last_kk_raw:
                last_kk_raw = kk_cell
                last_kk = last_kk_err = None
                if xlsx and isinstance(kk_cell, (int, float)):
                    last_kk_err = _NUMERIC_ID_CELL.format(label="Nomor KK")
                else:
                    try:
                        last_kk = parse_kk(kk_cell, today=today).no_kk
                    except InvalidKk as e:
                        last_kk_err = str(e)
            if last_kk_err is not None:
                errs = (errs or []) + [(title(i_kk), kk_cell, last_kk_err)]

            name = " ".join(row[i_name].split())
            if not name:
                errs = (errs or []) + [(title(i_name), "", "NAMA kosong.")]
            elif len(name) > 120:
                errs = (errs or []) + [(title(i_name), name, "NAMA lebih dari 120 karakter.")]

            region_key = (row[i_prov] if i_prov is not None else "", row[i_kab], row[i_kec],
                          row[i_desa])
            hit = region_cache.get(region_key)
            if hit is None:
                hit = resolve(*region_key)
            village, bad_field, bad_msg = hit
            if bad_msg is not None:
                col = region_cols[bad_field]
                errs = (errs or []) + [(title(col), row[col], bad_msg)]

            birth = None
            if i_bd is not None:
                cell = raw_row[i_bd] if xlsx else row[i_bd]
                hit = dates.get(cell)
                if hit is None:
                    hit = _parse_date(cell, today)
                    if len(dates) < 10 * _CACHE_MAX:
                        dates[cell] = hit
                birth, bad = hit
                if bad is not None:
                    errs = (errs or []) + [(title(i_bd), cell, bad)]
            if birth is None and nik is not None:
                birth = nik.birth_date.isoformat()

            sex = None
            if i_sex is not None:
                cell = row[i_sex]
                sex = sexes.get(cell)
                if sex is None:
                    sex = _SEX.get(" ".join(cell.upper().split()), "?")
                    if len(sexes) < _CACHE_MAX:
                        sexes[cell] = sex
                if sex == "?":
                    sex = None
                    errs = (errs or []) + [(title(i_sex), cell,
                                            f'JENIS KELAMIN "{cell.strip()}" tidak dikenal '
                                            "(isi LAKI-LAKI atau PEREMPUAN).")]
                elif sex == "":
                    sex = None
            if sex is None and nik is not None:
                sex = nik.sex

            rel = ""
            if i_rel is not None:
                cell = row[i_rel]
                rel = rels.get(cell)
                if rel is None:
                    rel = " ".join(cell.split()).title()
                    if len(rels) < _CACHE_MAX:
                        rels[cell] = rel
                if len(rel) > 40:
                    errs = (errs or []) + [(title(i_rel), cell,
                                            "HUBUNGAN KELUARGA lebih dari 40 karakter.")]

            birth_place = row[i_bp].strip() if i_bp is not None else ""
            mother = row[i_mother].strip() if i_mother is not None else ""
            address = row[i_addr].strip() if i_addr is not None else ""
            dusun = row[i_dusun].strip() if i_dusun is not None else ""
            if (len(birth_place) > 80 or len(mother) > 120 or len(address) > 200
                    or len(dusun) > 60):
                for idx, value, limit in ((i_bp, birth_place, 80), (i_mother, mother, 120),
                                          (i_addr, address, 200), (i_dusun, dusun, 60)):
                    if len(value) > limit:
                        errs = (errs or []) + [(title(idx), value, f"{title(idx)} lebih "
                                                f"dari {limit} karakter.")]

            rt = rw = ""
            if i_rt is not None:
                cell = row[i_rt]
                rt = rts.get(cell)
                if rt is None:
                    rt = _rt(cell)
                    if len(rts) < _CACHE_MAX:
                        rts[cell] = rt
                if rt == "?":
                    errs = (errs or []) + [(title(i_rt), cell, f"{title(i_rt)} harus angka "
                                            "1-999 (mis. 003).")]
            if i_rw is not None:
                cell = row[i_rw]
                rw = rts.get(cell)
                if rw is None:
                    rw = _rt(cell)
                    if len(rts) < _CACHE_MAX:
                        rts[cell] = rw
                if rw == "?":
                    errs = (errs or []) + [(title(i_rw), cell, f"{title(i_rw)} harus angka "
                                            "1-999 (mis. 003).")]

            padan = None
            if i_padan is not None:
                cell = row[i_padan]
                padan = padans.get(cell, "?")
                if padan == "?":
                    padan = _PADAN.get(" ".join(cell.upper().split()), "?")
                    if len(padans) < _CACHE_MAX:
                        padans[cell] = padan
                if padan == "?":
                    errs = (errs or []) + [(title(i_padan), cell,
                                            f'KETERANGAN PADAN "{cell.strip()}" tidak dikenal '
                                            "(isi PADAN atau TIDAK PADAN).")]

            pkh = bpnt = pbi = False
            if i_pkh is not None:
                cell = row[i_pkh]
                pkh = flags.get(cell)
                if pkh is None:
                    pkh = _flag(cell)
                    if len(flags) < _CACHE_MAX:
                        flags[cell] = pkh
                if pkh == "?":
                    errs = (errs or []) + [(title(i_pkh), cell, _flag_error(title(i_pkh),
                                                                             cell))]
            if i_bpnt is not None:
                cell = row[i_bpnt]
                bpnt = flags.get(cell)
                if bpnt is None:
                    bpnt = _flag(cell)
                    if len(flags) < _CACHE_MAX:
                        flags[cell] = bpnt
                if bpnt == "?":
                    errs = (errs or []) + [(title(i_bpnt), cell, _flag_error(title(i_bpnt),
                                                                              cell))]
            if i_pbi is not None:
                cell = row[i_pbi]
                pbi = flags.get(cell)
                if pbi is None:
                    pbi = _flag(cell)
                    if len(flags) < _CACHE_MAX:
                        flags[cell] = pbi
                if pbi == "?":
                    errs = (errs or []) + [(title(i_pbi), cell, _flag_error(title(i_pbi),
                                                                             cell))]
            other = ""
            if others:
                labels = None
                for idx, label in others:
                    cell = row[idx]
                    value = flags.get(cell)
                    if value is None:
                        value = _flag(cell)
                        if len(flags) < _CACHE_MAX:
                            flags[cell] = value
                    if value is True:
                        if labels is None:
                            labels = [label]
                        else:
                            labels.append(label)
                    elif value == "?":
                        errs = (errs or []) + [(title(idx), cell,
                                                _flag_error(title(idx), cell))]
                if labels is not None:
                    other = ", ".join(labels)
                    if len(other) > 200:
                        errs = (errs or []) + [("", other, "Daftar program lain terlalu "
                                                "panjang.")]

            decile = None
            if i_dec is not None:
                cell = row[i_dec]
                decile = deciles.get(cell, "?")
                if decile == "?":
                    decile = _decile(cell)
                    if len(deciles) < _CACHE_MAX:
                        deciles[cell] = decile
                if decile == "?":
                    errs = (errs or []) + [(title(i_dec), cell,
                                            f'DESIL "{cell.strip()}" tidak sah (isi 1-10).')]

            if errs is not None:
                rows_error += 1
                error_count += len(errs)
                if keep_errors:
                    for col, value, msg in errs:
                        problems.append((row_no, col, value, msg))
                skipped.append((rid[:200] or None, normalise_digits(str(nik_cell))[:200]
                                or None))
            else:
                covered_add(village)
                h = hash(rid)
                id_add[h & 15](h)
                nik = nik.nik
                h = hash(nik)
                nik_add[h & 15](h)
                valid.append((row_no, rid, nik, last_kk, name, key_of(name), birth_place,
                              birth, sex, rel, mother, address, dusun, rt, rw, village,
                              padan, decile, pkh, bpnt, pbi, other))
            if len(valid) >= BATCH_ROWS or len(problems) >= 2000 or \
                    len(skipped) >= BATCH_ROWS:
                yield ("batch", valid, problems, skipped, source.position(), source.total,
                       total, rows_error, error_count)
                valid, problems, skipped = [], [], []
    except UnicodeDecodeError:
        if layout.kind == "csv" and not layout.lossy:
            raise _Restart from None
        raise
    except (csv.Error, StopIteration) as e:
        raise _Rejected(f"Berkas rusak atau tidak terbaca di sekitar baris {row_no}: {e}. "
                        "Ekspor ulang berkas dari SIKS-NG.") from None
    finally:
        if gc_enabled:
            gc.enable()
    if not xlsx and last_fields < ncols and not source.ends_with_newline:
        # The last line stops short of the header's columns and of a line end:
        # the file was cut mid-row. Its missing cells would read as empty ones
        # (sex, flags...) and the rest of the file is missing too.
        raise _Rejected(gettext(
            "Berkas terpotong: baris terakhir (baris %(row)s) hanya berisi %(n)s dari %(cols)s "
            "kolom dan berkas berhenti di tengah baris. Unduh atau ekspor ulang berkas dari "
            "SIKS-NG secara lengkap; tidak ada yang diterapkan.", row=row_no, n=last_fields,
            cols=ncols))
    yield ("batch", valid, problems, skipped, source.total, source.total, total, rows_error,
           error_count)
    yield ("end", sorted(covered), id_hashes, nik_hashes)


class _Run:
    """One import: reads and validates the file into the staging table, then
    applies it. Uses a raw pooled connection for the data (commit/rollback
    done here) and a _Tracker for the state others poll."""

    def __init__(self, record: RegistryImport, progress: ProgressCallback | None):
        self.import_id = record.id
        self.path = Path(record.file_path)
        self.period = record.period
        self.source = record.source
        self.scope = record.scope_code
        self.progress = progress
        self.today = _period_today(record.period)
        self.layout: _Layout | None = None
        self.raw = None
        self.sql: _Sql | None = None
        self.tracker: _Tracker | None = None
        self.rows_total = self.rows_valid = self.rows_error = self.error_count = 0
        self.villages = 0
        self.stored_errors = 0
        self.keep_errors = True
        self.confirm_deactivate: int | None = None  # the number the user confirmed

    # -- connections ------------------------------------------------------

    def open(self) -> None:
        self.tracker = _Tracker(self.import_id)
        self.raw = db.engine.raw_connection()
        dialect = db.engine.dialect.name
        if dialect not in ("sqlite", "postgresql"):  # pragma: no cover
            raise ImportRefused(f"Basis data {dialect} tidak didukung untuk impor DTKS.")
        self.sql = _Sql(dialect)
        if self.sql.sqlite:
            if sqlite3.sqlite_version_info < (3, 33, 0):  # pragma: no cover
                raise ImportRefused("Impor DTKS memerlukan SQLite 3.33 atau lebih baru.")
            # Wait for another import's apply (one writer at a time) rather than fail.
            self.raw.cursor().execute("PRAGMA busy_timeout = 60000")

    def close(self) -> None:
        if self.raw is not None:
            # Closing the DBAPI connection (instead of returning it to the pool)
            # drops the staging tables at once, without walking their pages.
            try:
                self.raw.rollback()
            finally:
                self.raw.invalidate()
                self.raw.close()
                self.raw = None
        if self.tracker is not None:
            self.tracker.close()
            self.tracker = None

    def _report(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)

    # -- phase 1 ---------------------------------------------------------

    def scan(self, layout: _Layout) -> None:
        """Read every row, validate, stage the valid ones. Commits only the
        staging (temp) tables; the registry is not touched."""
        self.layout = layout
        sql = self.sql
        cur = self.raw.cursor()
        for stmt in _stage_ddl(sql):
            cur.execute(stmt)
        cur.execute("SELECT code, name, level, parent_code FROM regions ORDER BY code")
        params = _ScanParams(str(self.path), layout, cur.fetchall(), self.scope, self.today,
                             self.keep_errors)
        fields = _classify_header(layout.header)[0]
        header_titles = [str(t or "").strip() for t in layout.header]
        insert_stage = self._stage_writer(cur)
        insert_skip = _insert_skip(sql.ph)
        started = time.perf_counter()
        events = _validate_rows(params)
        covered: list[str] = []
        buckets: tuple = ([], [])
        next_report = 0
        for event in events:
            if event[0] == "end":
                covered, buckets = event[1], (event[2], event[3])
                break
            _, valid, problems, skipped, position, size, total, rows_error, error_count = event
            if valid:
                insert_stage(valid)
                self.rows_valid += len(valid)
            self.rows_total, self.rows_error, self.error_count = total, rows_error, error_count
            self._flush_problems(problems)
            if skipped:
                cur.executemany(insert_skip, skipped)
            if total >= next_report:
                next_report = total + 20_000
                self._report("memeriksa", position, size or 1)
                self.tracker.progress(
                    throttle=True, rows_total=total, rows_valid=self.rows_valid,
                    rows_error=rows_error, error_count=error_count,
                    progress=min(99, int(100 * position / (size or 1))),
                    progress_note=f"Memeriksa baris {format_count(total)}")
        total = self.rows_total
        log.debug("impor #%s: membaca dan memeriksa %s baris %.2f s", self.import_id, total,
                  time.perf_counter() - started)
        self._report("memeriksa", 1, 1)
        if total == 0:
            raise _Rejected("Berkas hanya berisi judul kolom, tanpa baris data.")
        started = time.perf_counter()
        suspects = [col for col, hashes in zip(("registry_id", "nik"), buckets, strict=True)
                    if _repeats(hashes)]
        del buckets
        i_id, i_nik = fields["registry_id"], fields["nik"]
        if suspects and self._dedupe(cur, header_titles, suspects, i_id, i_nik):
            cur.execute("SELECT DISTINCT village_code FROM rimp_stage")
            covered = sorted(c for (c,) in cur.fetchall())
        cur.execute("CREATE INDEX rimp_skip_rid ON rimp_skip (registry_id)")
        cur.execute("CREATE INDEX rimp_skip_nik ON rimp_skip (nik)")
        cur.executemany(f"INSERT INTO rimp_villages (code) VALUES ({sql.ph})",  # noqa: S608
                        [(c,) for c in covered])
        self.villages = len(covered)
        self.raw.commit()
        log.debug("impor #%s: data ganda dalam berkas %.2f s", self.import_id,
                  time.perf_counter() - started)

    def reset(self) -> None:
        """Forget a scan that has to start again."""
        self.raw.rollback()
        self.rows_total = self.rows_valid = self.rows_error = self.error_count = 0
        self.villages = self.stored_errors = 0
        table = RegistryImportProblem.__table__
        self.tracker.conn.execute(table.delete().where(table.c.import_id == self.import_id))
        self.tracker.conn.commit()

    def _flush_problems(self, problems: list[tuple]) -> None:
        if not problems or not self.keep_errors:
            return
        room = MAX_STORED_ERRORS - self.stored_errors
        if room <= 0:
            return
        problems = problems[:room]
        self.stored_errors += len(problems)
        self.tracker.add_problems(problems)

    def _stage_writer(self, cur):
        cols = ", ".join(_STAGE_COLUMNS)
        if self.sql.sqlite:
            stmt = (f"INSERT INTO rimp_stage ({cols}) VALUES "  # noqa: S608
                    f"({', '.join('?' * len(_STAGE_COLUMNS))})")

            def write(rows):
                cur.executemany(stmt, rows)
        else:
            copy_sql = f"COPY rimp_stage ({cols}) FROM STDIN"

            def write(rows):
                with cur.copy(copy_sql) as cp:
                    for r in rows:
                        cp.write_row(r)
        return write

    def _scalar(self, cur, stmt: str, params=None):
        cur.execute(self.sql.named(stmt), params or {})
        row = cur.fetchone()
        return row[0] if row else None

    def _dedupe(self, cur, titles: list[str], columns: list[str], i_id: int,
                i_nik: int) -> int:
        """The same ID DTKS or NIK twice in the file: every row involved is an
        error (the file must say which one is right). `columns`: where the
        hashes repeated. Returns the number of rows dropped."""
        sql = self.sql
        bad: dict[int, list[tuple]] = {}
        keys: dict[int, tuple[str, str]] = {}
        for col, idx, label in (("registry_id", i_id, "ID DTKS"), ("nik", i_nik, "NIK")):
            if col not in columns:
                continue
            cur.execute(
                f"SELECT s.row_no, s.{col}, s.registry_id, s.nik FROM rimp_stage s "  # noqa: S608
                f"WHERE s.{col} IN (SELECT {col} FROM rimp_stage GROUP BY {col} "
                f"HAVING COUNT(*) > 1) ORDER BY s.{col}, s.row_no")
            groups: dict[str, list[int]] = {}
            for row_no, value, rid, nik in cur.fetchall():
                groups.setdefault(value, []).append(row_no)
                keys[row_no] = (rid, nik)
            for value, rows in groups.items():
                for row_no in rows:
                    others = [r for r in rows if r != row_no]
                    shown = ", ".join(str(r) for r in others[:5])
                    more = f" dan {len(others) - 5} baris lain" if len(others) > 5 else ""
                    bad.setdefault(row_no, []).append(
                        (titles[idx], value,
                         f"{label} {value} juga tercantum di baris {shown}{more}; satu orang "
                         "hanya boleh satu baris. Perbaiki data ganda ini di SIKS-NG."))
        if not bad:
            return 0
        problems = []
        for row_no in sorted(bad):
            for col, value, msg in bad[row_no]:
                problems.append((row_no, col, value, msg))
            self.rows_error += 1
            self.error_count += len(bad[row_no])
        self.rows_valid -= len(bad)
        if self.keep_errors:
            self._flush_problems(problems)
        ph = sql.ph
        rows = sorted(bad)
        cur.executemany(_insert_skip(ph), [keys[r] for r in rows])
        delete = f"DELETE FROM rimp_stage WHERE row_no = {ph}"  # noqa: S608
        cur.executemany(delete, [(r,) for r in rows])
        return len(rows)

    def newer_data(self, cur) -> list[tuple[str, str]]:
        """Villages of the file that already hold a newer snapshot."""
        latest = self._scalar(cur, "SELECT MAX(CASE WHEN period > COALESCE(inactive_since, '') "
                                   "THEN period ELSE inactive_since END) FROM registry_records")
        if latest is None or latest <= self.period:
            return []  # one sequential scan; the usual case: this is the newest period
        cur.execute(self.sql.named(
            "SELECT r.village_code, MAX(CASE WHEN r.period > COALESCE(r.inactive_since, '') "
            "THEN r.period ELSE r.inactive_since END) FROM registry_records r "
            "WHERE r.village_code IN (SELECT code FROM rimp_villages) AND (r.period > :p OR "
            "COALESCE(r.inactive_since, '') > :p) GROUP BY r.village_code "
            "ORDER BY r.village_code"), {"p": self.period})
        return cur.fetchall()

    def newer_message(self, newer: list[tuple[str, str]], regions_names: Mapping) -> str:
        shown = ", ".join(f"{regions_names.get(code, code)} ({period})"
                          for code, period in newer[:5])
        more = f" dan {len(newer) - 5} desa lain" if len(newer) > 5 else ""
        return (f"Data yang lebih baru dari periode {self.period} sudah ada untuk "
                f"{shown}{more}. Berkas periode lama tidak diterapkan agar data baru tidak "
                "tertimpa.")

    def plan_deactivation(self, cur) -> tuple[int, list[tuple[str, int, int]]]:
        """The active records of the file's villages that no row of the file
        (valid or not) names by ID DTKS or NIK: what the apply would mark
        inactive. Returns (total, [(village, to deactivate, active)]). Read
        only; the apply counts again, exactly, and checks the confirmation."""
        if not self._scalar(cur, "SELECT COUNT(*) FROM registry_records r WHERE r.village_code "
                                 "IN (SELECT code FROM rimp_villages)"):
            return 0, []
        for stmt in ("CREATE INDEX IF NOT EXISTS rimp_stage_rid ON rimp_stage (registry_id)",
                     "CREATE INDEX IF NOT EXISTS rimp_stage_nik ON rimp_stage (nik)"):
            cur.execute(stmt)
        cur.execute(self.sql.named(
            "SELECT r.village_code, SUM(CASE WHEN "
            "NOT EXISTS (SELECT 1 FROM rimp_stage s WHERE s.registry_id = r.registry_id) "
            "AND NOT EXISTS (SELECT 1 FROM rimp_stage s WHERE s.nik = r.nik) "
            "AND NOT EXISTS (SELECT 1 FROM rimp_skip k WHERE k.registry_id = r.registry_id) "
            "AND NOT EXISTS (SELECT 1 FROM rimp_skip k WHERE k.nik = r.nik) "
            "THEN 1 ELSE 0 END), COUNT(*) FROM registry_records r "
            "WHERE r.is_active AND r.village_code IN (SELECT code FROM rimp_villages) "
            "AND r.period <= :p GROUP BY r.village_code ORDER BY r.village_code"),
            {"p": self.period})
        rows = [(code, int(gone or 0), int(active)) for code, gone, active in cur.fetchall()]
        return sum(gone for _, gone, _ in rows), rows

    def mass_notice(self, cur, total: int, rows: list[tuple[str, int, int]]) -> str | None:
        """The message when the deactivations exceed the share of a village
        (None otherwise)."""
        over = [(code, gone, active) for code, gone, active in rows
                if active and gone > MASS_DEACTIVATION_SHARE * active]
        if not over:
            return None
        names = self._names(cur, [code for code, _, _ in over])
        where = ", ".join(
            gettext("%(village)s: %(gone)s dari %(active)s", village=names.get(code, code),
               gone=format_count(gone), active=format_count(active))
            for code, gone, active in over[:5])
        if len(over) > 5:
            where += gettext(" dan %(n)s desa lain", n=len(over) - 5)
        return gettext("Perhatian: %(n)s data aktif akan dinonaktifkan karena tidak tercantum lagi "
                  "dalam berkas, lebih dari %(share)s%% data aktif desa/kelurahannya "
                  "(%(where)s). Penerapan memerlukan konfirmasi yang menyebut jumlah ini.",
                  n=format_count(total), share=round(MASS_DEACTIVATION_SHARE * 100),
                  where=where)

    # -- phase 2 ---------------------------------------------------------

    def apply(self, record_values: dict) -> ApplyResult:
        """Set-based apply of the staged rows in one transaction; the import
        row gets its final status and counts in the same transaction."""
        sql = self.sql
        raw = self.raw
        cur = raw.cursor()
        now = now_utc()
        p = {"p": self.period, "source": self.source, "imp": self.import_id,
             "now": sql.ts(now)}
        steps = 9
        step = 0

        clock = [time.perf_counter()]

        def advance(note: str) -> None:
            nonlocal step
            step += 1
            t = time.perf_counter()
            log.debug("impor #%s: %s %.2f s", self.import_id, note, t - clock[0])
            clock[0] = t
            self._report("menerapkan", step, steps)
            if not sql.sqlite:
                self.tracker.progress(progress=int(100 * step / steps), progress_note=note)

        def run(stmt: str) -> int:
            cur.execute(sql.named(stmt), p)
            return cur.rowcount

        self.tracker.set(status="applying", progress=0, progress_note="Menerapkan data")
        if sql.sqlite:
            if raw.driver_connection.in_transaction:
                raw.commit()
            self.tracker.paused = True  # the write lock is ours until COMMIT
            cur.execute("BEGIN IMMEDIATE")
        else:
            cur.execute("SELECT pg_advisory_xact_lock(738051)")
        newer = self.newer_data(cur)
        if newer:
            raise _Rejected(self.newer_message(newer, self._names(cur, [c for c, _ in newer])))

        # 1. Match by ID DTKS, then by NIK (a record that this file would
        #    otherwise deactivate, or an inactive one: the same person under a
        #    new ID, e.g. DTKS -> DTSEN).
        existing = self._scalar(cur, "SELECT COUNT(*) FROM registry_records")
        if existing:
            run("UPDATE rimp_stage SET target_id = r.id FROM registry_records r "
                "WHERE r.registry_id = rimp_stage.registry_id")
            cur.execute("CREATE INDEX rimp_stage_target ON rimp_stage (target_id)")
        advance("Mencocokkan ID DTKS")
        unmatched = self._scalar(cur, "SELECT COUNT(*) FROM rimp_stage WHERE target_id IS NULL"
                                 ) if existing else 0
        if unmatched:
            # (a record matched by its ID DTKS is some row's target_id already)
            run("UPDATE rimp_stage SET target_id = (SELECT r.id FROM registry_records r "
                "WHERE r.nik = rimp_stage.nik AND r.period <= :p "
                "AND COALESCE(r.inactive_since, '') <= :p "
                "AND (NOT r.is_active OR r.village_code IN (SELECT code FROM rimp_villages)) "
                "AND NOT EXISTS (SELECT 1 FROM rimp_stage s2 WHERE s2.target_id = r.id) "
                "ORDER BY r.is_active DESC, r.period DESC, r.id DESC LIMIT 1) "
                "WHERE target_id IS NULL AND EXISTS (SELECT 1 FROM registry_records r2 "
                "WHERE r2.nik = rimp_stage.nik)")
        advance("Mencocokkan NIK")
        # Rows whose record (outside the file's villages) holds newer data.
        skipped_newer = run(
            "DELETE FROM rimp_stage WHERE target_id IS NOT NULL AND EXISTS (SELECT 1 FROM "
            "registry_records r WHERE r.id = rimp_stage.target_id AND (r.period > :p OR "
            "COALESCE(r.inactive_since, '') > :p))") if existing else 0
        if not sql.sqlite:
            cur.execute("ANALYZE rimp_stage")

        # 2. History of the records that change or come back, then update them.
        changed = sql.content_changed("r", "s")
        hist_cols = ", ".join(_HISTORY_COLUMNS)
        hist_vals = ", ".join(f"r.{c}" for c in _HISTORY_COLUMNS)
        if existing:
            run(f"INSERT INTO registry_record_history (record_id, import_id, change, "  # noqa: S608
                f"replaced_period, replaced_at, {hist_cols}) SELECT r.id, :imp, CASE WHEN "
                f"r.is_active THEN 'diubah' ELSE 'aktif_lagi' END, :p, :now, {hist_vals} "
                f"FROM rimp_stage s JOIN registry_records r ON r.id = s.target_id "
                f"WHERE NOT r.is_active OR {changed}")
        advance("Menyimpan riwayat")
        sets = ", ".join(f"{c} = s.{c}" for c in ("registry_id", "name_key", *_DATA_COLUMNS))
        updated = 0
        if existing:
            updated = run(
                f"UPDATE registry_records AS r SET {sets}, "  # noqa: S608
                f"source = :source, period = :p, since_period = CASE WHEN NOT r.is_active "
                f"OR {changed} THEN :p ELSE COALESCE(r.since_period, r.period) END, "
                f"is_active = TRUE, "
                f"inactive_since = NULL, import_id = :imp, updated_at = :now "
                f"FROM rimp_stage s WHERE s.target_id = r.id AND (NOT r.is_active OR "
                f"r.name_key <> s.name_key OR {changed})")
        advance("Memperbarui data yang berubah")
        confirmed = 0
        if existing:
            confirmed = run(
                "UPDATE registry_records AS r SET period = :p, since_period = "
                "COALESCE(r.since_period, r.period), import_id = :imp, updated_at = :now "
                "FROM rimp_stage s WHERE s.target_id = r.id AND r.period <> :p")
        advance("Memperbarui periode")

        # 3. Records of the file's villages that the file no longer lists.
        deactivated = 0
        if existing:
            run("INSERT INTO rimp_gone (id) SELECT r.id FROM registry_records r "
                "WHERE r.is_active AND r.village_code IN (SELECT code FROM rimp_villages) "
                "AND r.period <= :p "
                "AND NOT EXISTS (SELECT 1 FROM rimp_stage s WHERE s.target_id = r.id) "
                "AND NOT EXISTS (SELECT 1 FROM rimp_skip k WHERE k.registry_id = "
                "r.registry_id) AND NOT EXISTS (SELECT 1 FROM rimp_skip k WHERE k.nik = r.nik)")
            self._check_deactivation(cur)
            run(f"INSERT INTO registry_record_history (record_id, import_id, change, "  # noqa: S608
                f"replaced_period, replaced_at, {hist_cols}) SELECT r.id, :imp, 'nonaktif', "
                f":p, :now, {hist_vals} FROM registry_records r "
                f"WHERE r.id IN (SELECT id FROM rimp_gone)")
            deactivated = run(
                "UPDATE registry_records SET is_active = FALSE, inactive_since = :p, "
                "import_id = :imp, updated_at = :now WHERE id IN (SELECT id FROM rimp_gone)")
        advance("Menonaktifkan data yang hilang")

        # 4. New records.
        new_rows = self._scalar(cur, "SELECT COUNT(*) FROM rimp_stage WHERE target_id IS NULL")
        rebuild = self._drop_indexes(cur, new_rows, existing)
        cols = ("registry_id", "name_key", *_DATA_COLUMNS)
        inserted = run(
            f"INSERT INTO registry_records ({', '.join(cols)}, "  # noqa: S608
            f"source, period, since_period, is_active, inactive_since, import_id, updated_at) "
            f"SELECT "
            f"{', '.join(cols)}, :source, :p, :p, TRUE, NULL, :imp, :now FROM rimp_stage "
            f"WHERE target_id IS NULL ORDER BY registry_id")
        advance("Menambahkan data baru")
        for stmt in rebuild:
            cur.execute(stmt)
        advance("Menyusun indeks")

        counts = dict(self._fetch(cur, self.sql.named(
            "SELECT change, COUNT(*) FROM registry_record_history WHERE import_id = :imp "
            "GROUP BY change"), {"imp": self.import_id}))
        matched = self._scalar(cur, "SELECT COUNT(*) FROM rimp_stage WHERE target_id IS NOT "
                                    "NULL") if existing else 0
        reactivated = counts.get("aktif_lagi", 0)
        changed_n = counts.get("diubah", 0)
        result = ApplyResult(
            import_id=self.import_id, status="applied", inserted=inserted, updated=changed_n,
            confirmed=confirmed, unchanged=max(0, matched - updated - confirmed),
            reactivated=reactivated, deactivated=deactivated, skipped_newer=skipped_newer,
            rows_skipped=self.rows_error, villages=self.villages)
        # name-key-only refreshes count as unchanged data
        result.unchanged += max(0, updated - changed_n - reactivated)
        result.message = _applied_message(result, self.period)
        values = {
            **record_values, "status": "applied", "progress": 100, "progress_note": "Selesai",
            "inserted": result.inserted, "updated": result.updated,
            "confirmed": result.confirmed, "unchanged": result.unchanged,
            "reactivated": result.reactivated, "deactivated": result.deactivated,
            "skipped_newer": result.skipped_newer, "villages": self.villages,
            "message": result.message, "applied_at": sql.ts(now), "updated_at": sql.ts(now),
        }
        advance("Menyimpan")
        # From here on the tracker stays silent: this transaction now holds the
        # import row, a progress write on the other connection would wait for it.
        self.tracker.paused = True
        assignments = ", ".join(f"{k} = :{k}" for k in values)
        stmt = (f"UPDATE registry_imports SET {assignments} "  # noqa: S608
                f"WHERE id = :id AND status = 'applying'")
        cur.execute(sql.named(stmt), {**values, "id": self.import_id})
        if cur.rowcount != 1:
            # Someone else ended this import meanwhile (marked it failed, ...):
            # its data is not committed behind the status it shows.
            raise _Rejected(gettext("Impor ini diakhiri oleh proses lain selama diterapkan; tidak "
                               "ada data yang berubah."))
        raw.commit()
        self.tracker.paused = False
        if sql.sqlite and inserted + updated + confirmed + deactivated > 100_000:
            try:  # give the big WAL back to the file system, unless readers are busy
                cur.execute("PRAGMA busy_timeout = 1000")
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.OperationalError:  # pragma: no cover - a later checkpoint will
                pass
        return result

    def _check_deactivation(self, cur) -> None:
        """Inside the apply, once rimp_gone holds the records to deactivate:
        over the share of a village, the confirmed number must be this one."""
        cur.execute(self.sql.named(
            "SELECT r.village_code, COUNT(g.id), COUNT(*) FROM registry_records r "
            "LEFT JOIN rimp_gone g ON g.id = r.id WHERE r.is_active AND r.village_code IN "
            "(SELECT code FROM rimp_villages) AND r.period <= :p GROUP BY r.village_code "
            "ORDER BY r.village_code"), {"p": self.period})
        rows = [(code, int(gone), int(active)) for code, gone, active in cur.fetchall()]
        total = sum(gone for _, gone, _ in rows)
        notice = self.mass_notice(cur, total, rows)
        if notice is not None and self.confirm_deactivate != total:
            raise _Unconfirmed(total, notice)

    def _fetch(self, cur, stmt: str, params) -> list:
        cur.execute(stmt, params)
        return cur.fetchall()

    def _names(self, cur, codes: list[str]) -> dict[str, str]:
        if not codes:
            return {}
        ph = ", ".join([self.sql.ph] * len(codes))
        cur.execute(f"SELECT code, name FROM regions WHERE code IN ({ph})", codes)  # noqa: S608
        return dict(cur.fetchall())

    def _drop_indexes(self, cur, new_rows: int, existing: int) -> list[str]:
        """SQLite: when the import adds many rows compared with what is there,
        drop the secondary indexes of registry_records and build them again
        after the insert (sorting once beats a million random index inserts).
        Inside the transaction: a kill leaves them as they were. Returns the
        statements that rebuild them."""
        if not self.sql.sqlite or new_rows < 50_000 or new_rows < existing:
            return []
        cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                    "tbl_name = 'registry_records' AND sql IS NOT NULL")
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        return [ddl for _, ddl in indexes]


def _repeats(buckets: list[array]) -> bool:
    """True if a value occurs twice in a bucket (one small set at a time)."""
    return any(len(set(bucket)) < len(bucket) for bucket in buckets)


def _rt(cell: str) -> str:
    """RT / RW: '3' -> '003'; '' -> ''; '?' when it is not a number 1-999."""
    text = cell.strip()
    if not text or text == "-":
        return ""
    if text.isdigit() and 0 < int(text) <= 999:
        return f"{int(text):03d}"
    return "?"


def _flag(cell: str):
    text = " ".join(cell.upper().split())
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return "?"


def _flag_error(title: str, cell: str) -> str:
    return f'Nilai "{cell.strip()}" pada kolom {title} tidak dikenal (isi YA atau TIDAK).'


def _decile(cell: str):
    text = " ".join(cell.upper().split())
    if text in ("", "-"):
        return None
    if text.startswith("DESIL"):
        text = text[5:].strip()
    if text.isdigit() and 1 <= int(text) <= 10:
        return int(text)
    return "?"


def _applied_message(r: ApplyResult, period: str) -> str:
    parts = [f"{format_count(r.inserted)} baru", f"{format_count(r.updated)} berubah",
             f"{format_count(r.confirmed + r.unchanged)} tetap"]
    if r.reactivated:
        parts.append(f"{format_count(r.reactivated)} aktif kembali")
    parts.append(f"{format_count(r.deactivated)} dinonaktifkan")
    text = (f"Periode {period} diterapkan: " + ", ".join(parts)
            + f" ({format_count(r.villages)} desa/kelurahan).")
    if r.skipped_newer:
        text += (f" {format_count(r.skipped_newer)} baris dilewati karena data periode yang lebih "
                 "baru sudah ada.")
    if r.rows_skipped:
        text += f" {format_count(r.rows_skipped)} baris bermasalah tidak diterapkan."
    return text


# --------------------------------------------------------------------------
# Public API


def _own_connections(fn):
    """An entry point of the importer: it commits on connections of its own
    (the import row, its progress, the data), so the caller's session must
    not hold SQLite's write lock: the caller's transaction is ended first
    (a web request took BEGIN IMMEDIATE at its first statement) and the
    session only reads, deferred, while the import runs."""
    @wraps(fn)
    def wrapper(*args, **kwargs):
        from slrt import sqlite_deferred

        db.session.commit()
        with sqlite_deferred():
            return fn(*args, **kwargs)

    return wrapper


def _create_record(path: Path, period: str, source: str, scope: str | None,
                   created_by_id: int | None, file_name: str | None) -> RegistryImport:
    source = (source or "DTKS").strip().upper()
    if source not in IMPORT_SOURCES:
        raise ImportRefused(f'Sumber "{source}" tidak dikenal: pilih DTKS atau DTSEN.')
    period = check_period(period)
    table = RegistryImport.__table__
    now = now_utc()
    with db.engine.connect() as conn:
        _close_stale_imports(conn)
        import_id = conn.execute(insert(table).values(
            file_name=(file_name or path.name)[:255], file_path=str(path)[:500], file_size=0,
            sha256="", file_format="", encoding="", period=period, source=source, scope_code=scope,
            status="validating", progress=0, progress_note="Membaca berkas",
            worker=_worker_id(), rows_total=0, rows_valid=0, rows_error=0, error_count=0,
            villages=0, apply_valid=False, inserted=0, updated=0, confirmed=0, unchanged=0,
            reactivated=0, deactivated=0, skipped_newer=0, message="",
            created_by_id=created_by_id, created_at=now, updated_at=now,
        ).returning(table.c.id)).scalar_one()
        conn.commit()
    return db.session.get(RegistryImport, import_id)


def _same_file_applied(sha: str, record: RegistryImport) -> RegistryImport | None:
    """The latest applied import of this period and source, if it was this very
    file: importing it again changes nothing."""
    latest = db.session.scalars(
        select(RegistryImport).where(
            RegistryImport.status == "applied", RegistryImport.duplicate_of_id.is_(None),
            RegistryImport.period == record.period, RegistryImport.source == record.source,
            RegistryImport.id != record.id)
        .order_by(RegistryImport.id.desc()).limit(1)).first()
    if latest is not None and latest.sha256 == sha:
        return latest
    return None


def _validation_result(record: RegistryImport) -> ValidationResult:
    return ValidationResult(
        import_id=record.id, status=record.status, file_format=record.file_format,
        rows_total=record.rows_total, rows_valid=record.rows_valid, rows_error=record.rows_error,
        error_count=record.error_count, villages=record.villages, message=record.message,
        duplicate_of_id=record.duplicate_of_id)


def _refresh(import_id: int) -> RegistryImport:
    db.session.expire_all()
    return db.session.get(RegistryImport, import_id)


def _validate(record: RegistryImport, run: _Run, *, keep_stage: bool,
              writes_errors: bool = True, then_apply: bool = False) -> ValidationResult:
    """Phase 1 on an open _Run. Returns the result; the import row says the same,
    except with `then_apply` (the apply follows at once): the row then stays
    "applying" (see cancel_import), and the result says "validated"."""
    path = Path(record.file_path)
    tracker = run.tracker
    run.keep_errors = writes_errors
    try:
        layout = _sniff(path)
        fields = _classify_header(layout.header)[0]
        missing = [COLUMNS[f][0] for f in REQUIRED if f not in fields]
        if missing:
            raise _Rejected(
                "Kolom wajib tidak ada: " + ", ".join(missing) + ". Judul kolom yang terbaca: "
                + ", ".join(t.strip() for t in map(str, layout.header) if t and t.strip())[:300]
                + ".",
                problems=[(layout.header_index + 1, m, "",
                           f"Kolom {m} wajib ada (judul kolom boleh huruf kecil/besar, "
                           "mis. NIK atau NOMOR NIK).") for m in missing])
        if layout.kind == "csv" and record.encoding:
            # Read again for the apply: the encoding found the first time.
            layout.encoding, _, lossy = record.encoding.partition("+")
            layout.lossy = bool(lossy)
            layout.describe = (f"CSV (pemisah {_DELIMITERS[layout.delimiter]}, "
                               f"{_encoding_label(layout.encoding)})")
        sha, size = _hash(path)
        tracker.set(sha256=sha, file_size=size, file_format=layout.describe[:60],
                    progress_note="Memeriksa baris")
        previous = _same_file_applied(sha, record) if writes_errors else None
        if previous is not None:
            when = format_datetime_id(previous.applied_at) if previous.applied_at else ""
            message = (f"Berkas ini sama persis dengan impor #{previous.id} (periode "
                       f"{previous.period}, diterapkan {when}): tidak ada perubahan.")
            tracker.set(status="applied", duplicate_of_id=previous.id, message=message,
                        rows_total=previous.rows_total, rows_valid=previous.rows_valid,
                        rows_error=previous.rows_error, error_count=previous.error_count,
                        villages=previous.villages, unchanged=previous.rows_valid,
                        progress=100, progress_note="Selesai", applied_at=now_utc())
            return _validation_result(_refresh(record.id))
        try:
            run.scan(layout)
        except _Restart:
            # Not UTF-8 after all (the first 64 KB were): Windows-1252, what
            # Excel writes; with a UTF-8 BOM, UTF-8 with the bad bytes replaced.
            run.reset()
            layout.lossy = True
            if layout.encoding != "utf-8-sig":
                layout.encoding = "cp1252"
            layout.describe = (f"CSV (pemisah {_DELIMITERS[layout.delimiter]}, "
                               f"{_encoding_label(layout.encoding)})")
            tracker.set(file_format=layout.describe[:60])
            run.scan(layout)
        newer = run.newer_data(run.raw.cursor())
        if newer:
            raise _Rejected(run.newer_message(newer, run._names(run.raw.cursor(),
                                                                  [c for c, _ in newer])))
        started = time.perf_counter()
        planned, per_village = run.plan_deactivation(run.raw.cursor())
        notice = run.mass_notice(run.raw.cursor(), planned, per_village)
        log.debug("impor #%s: menghitung data yang akan dinonaktifkan %.2f s", record.id,
                  time.perf_counter() - started)
        if run.rows_valid == 0:
            message = (f"Tidak satu pun dari {format_count(run.rows_total)} baris sah "
                       f"({format_count(run.error_count)} masalah); lihat laporan.")
        elif run.rows_error:
            message = (f"{format_count(run.rows_error)} dari {format_count(run.rows_total)} "
                       f"baris bermasalah ({format_count(run.error_count)} masalah); "
                       f"{format_count(run.rows_valid)} baris sah.")
        else:
            message = f"Semua {format_count(run.rows_total)} baris sah."
        if notice is not None and run.rows_valid:
            message += " " + notice
        encoding = f"{layout.encoding}+replace" if layout.lossy else layout.encoding
        tracker.set(status="applying" if then_apply else "validated", encoding=encoding, rows_total=run.rows_total,
                    rows_valid=run.rows_valid,
                    rows_error=run.rows_error, error_count=run.error_count,
                    villages=run.villages, progress=100, progress_note="Selesai diperiksa",
                    message=message, validated_at=now_utc(), deactivate_planned=planned,
                    deactivate_confirm_needed=notice is not None)
    except _Rejected as e:
        run.raw.rollback()
        if writes_errors:
            tracker.add_problems(e.problems)
        tracker.set(status="rejected", rows_total=run.rows_total, rows_valid=run.rows_valid,
                    rows_error=run.rows_error, error_count=run.error_count + len(e.problems),
                    message=e.message, progress=100, progress_note="Ditolak")
    if not keep_stage:
        run.raw.rollback()
    result = _validation_result(_refresh(record.id))
    if then_apply and result.status == "applying":
        result.status = "validated"
    return result


def _unconfirmed(record: RegistryImport, run: _Run, count: int, message: str,
                 reopen: bool) -> ApplyResult:
    """Nothing applied: the deactivations need a confirmation naming `count`.
    With `reopen` (the upload page) the import waits for it ("validated");
    otherwise (the command line, which never asks) it ends refused."""
    values = {"deactivate_planned": count, "deactivate_confirm_needed": True,
              "deactivate_confirmed": None, "message": message}
    if reopen:
        run.tracker.set(status="validated", progress=100,
                        progress_note="Menunggu konfirmasi penonaktifan", **values)
    else:
        run.tracker.set(status="rejected", progress=100, progress_note="Ditolak", **values)
    return ApplyResult(import_id=record.id, status="unconfirmed", deactivated=count,
                       message=message, rows_skipped=run.rows_error)


def _apply(record: RegistryImport, run: _Run, apply_valid: bool,
           reopen: bool = False) -> ApplyResult:
    """Phase 2 on a _Run whose staging tables are filled; run.confirm_deactivate
    is the number of deactivations the user confirmed (None: none)."""
    tracker = run.tracker
    if run.rows_valid == 0:
        message = "Tidak ada yang diterapkan: tidak satu pun baris sah."
        tracker.set(status="rejected", message=message)
        return ApplyResult(import_id=record.id, status="rejected", message=message,
                           rows_skipped=run.rows_error)
    if run.rows_error and not apply_valid:
        message = (f"Tidak ada yang diterapkan: {format_count(run.rows_error)} baris "
                   "bermasalah. Perbaiki lalu impor ulang, atau terapkan hanya baris yang sah.")
        tracker.set(status="rejected", message=message)
        return ApplyResult(import_id=record.id, status="rejected", message=message,
                           rows_skipped=run.rows_error)
    if record.deactivate_confirm_needed and run.confirm_deactivate != record.deactivate_planned:
        return _unconfirmed(record, run, record.deactivate_planned, record.message, reopen)
    try:
        return run.apply({"apply_valid": bool(apply_valid),
                          "deactivate_confirmed": run.confirm_deactivate})
    except _Unconfirmed as e:
        run.raw.rollback()
        tracker.paused = False
        return _unconfirmed(record, run, e.count, e.message, reopen)
    except _Rejected as e:
        run.raw.rollback()
        tracker.paused = False
        tracker.set(status="rejected", message=e.message, progress_note="Ditolak")
        return ApplyResult(import_id=record.id, status="rejected", message=e.message)
    except Exception as e:
        run.raw.rollback()
        tracker.paused = False
        busy = "locked" in str(e).lower() or "busy" in str(e).lower()
        message = ("Basis data sedang dipakai proses lain (impor lain?); tidak ada yang "
                   "berubah. Coba lagi sebentar lagi." if busy else
                   f"Gagal menerapkan data; tidak ada yang berubah. ({type(e).__name__}: "
                   f"{_clip(e, 300)})")
        try:
            tracker.set(status="failed", message=message, progress_note="Gagal")
        except DBAPIError:
            log.exception("impor #%s: status gagal tidak dapat dicatat", record.id)
        if busy:
            return ApplyResult(import_id=record.id, status="failed", message=message)
        raise


def _audit(record_id: int) -> None:
    """One entry in the audit log for an import that ended: applied (or nothing
    to do), refused, failed. Never turns the import into an error."""
    try:
        from slrt.audit.services import audit
        from slrt.auth.models import User

        record = _refresh(record_id)
        user = db.session.get(User, record.created_by_id) if record.created_by_id else None
        outcome = {"applied": "ok", "rejected": "ditolak", "failed": "gagal"}.get(
            record.status, record.status)
        audit("impor", object_type="registry_import", object_id=record.id, outcome=outcome,
              user=user, commit=True, detail={
                  "berkas": record.file_name, "periode": record.period,
                  "sumber": record.source, "baris": record.rows_total,
                  "bermasalah": record.rows_error, "baru": record.inserted,
                  "berubah": record.updated, "dinonaktifkan": record.deactivated,
                  "sama_dengan_impor": record.duplicate_of_id})
    except Exception:
        db.session.rollback()
        log.exception("impor #%s: catatan audit tidak tertulis", record_id)


def _guard(record_id: int, fn):
    """Run fn(); on an unexpected exception mark the import failed and re-raise."""
    try:
        return fn()
    except Exception as e:
        db.session.rollback()
        try:
            with db.engine.connect() as conn:
                table = RegistryImport.__table__
                conn.execute(update(table).where(
                    table.c.id == record_id, table.c.status.in_(("validating", "applying"))
                ).values(status="failed", updated_at=now_utc(),
                         message=f"Terjadi kesalahan tak terduga; tidak ada data yang berubah. "
                                 f"({type(e).__name__}: {_clip(e, 300)})"))
                conn.commit()
        except DBAPIError:  # the database itself is the problem: the next run cleans up
            log.exception("impor #%s: status gagal tidak dapat dicatat", record_id)
        _audit(record_id)
        raise


@_own_connections
def validate_file(path: str | os.PathLike, period: str, source: str = "DTKS",
                  kabupaten: str | None = None, *, created_by_id: int | None = None,
                  file_name: str | None = None,
                  progress: ProgressCallback | None = None) -> ValidationResult:
    """Phase 1 only: check every row and record the problems.

    `kabupaten` limits the regions (a regency code like "15.04", a province
    "15", or None for any region loaded). The file must stay at `path` for
    apply_import(). Raises ImportRefused for a bad period or source; every
    problem with the file itself ends as status "rejected" with a message.
    Status after: "validated" (see rows_error), "rejected", or "applied" with
    duplicate_of_id set when the same file was already applied (no-op).
    """
    path = Path(path)
    record = _create_record(path, period, source, kabupaten, created_by_id, file_name)
    run = _Run(record, progress)

    def work():
        run.open()
        try:
            return _validate(record, run, keep_stage=False)
        finally:
            run.close()

    return _guard(record.id, work)


@_own_connections
def apply_import(import_id: int, apply_valid: bool = False,
                 progress: ProgressCallback | None = None, *,
                 confirm_deactivate: int | None = None) -> ApplyResult:
    """Phase 2 for an import validated by validate_file(): reads the file again
    (it must not have changed) and applies it in one transaction. With row
    errors and apply_valid false, nothing is applied (status "rejected").
    When the apply would mark inactive more than 10 % of a village's active
    records, `confirm_deactivate` must be that number (ImportRefused before
    the apply; status "unconfirmed" and the import back to "validated" with
    the new number when the apply finds another one)."""
    record = db.session.get(RegistryImport, import_id)
    if record is not None and record.status == "applied":
        return ApplyResult(import_id=record.id, status="applied", message=record.message,
                           inserted=record.inserted, updated=record.updated,
                           confirmed=record.confirmed, unchanged=record.unchanged,
                           reactivated=record.reactivated, deactivated=record.deactivated,
                           villages=record.villages)
    _check_applicable(record, import_id, apply_valid, confirm_deactivate)
    if not _claim(import_id, "validated", "applying"):
        raise ImportRefused(f"Impor #{import_id} sudah diproses oleh permintaan lain.")
    return _apply_validated(_refresh(import_id), apply_valid, progress, confirm_deactivate)


def _apply_validated(record: RegistryImport, apply_valid: bool,
                     progress: ProgressCallback | None,
                     confirm_deactivate: int | None = None) -> ApplyResult:
    expected_sha, expected_valid = record.sha256, record.rows_valid
    run = _Run(record, progress)
    run.confirm_deactivate = confirm_deactivate

    def work():
        run.open()
        try:
            # "applying" from the claim on: a cancel can no longer stop it.
            run.tracker.set(status="applying", worker=_worker_id(),
                            progress_note="Membaca ulang berkas")
            result = _validate(record, run, keep_stage=True, writes_errors=False,
                               then_apply=True)
            fresh = _refresh(record.id)
            if fresh.sha256 != expected_sha:
                message = ("Berkas sudah berubah sejak diperiksa; periksa ulang berkas sebelum "
                           "menerapkan.")
                run.tracker.set(status="failed", message=message)
                return ApplyResult(import_id=record.id, status="failed", message=message)
            if result.status != "validated":
                return ApplyResult(import_id=record.id, status=result.status,
                                   message=result.message)
            if run.rows_valid != expected_valid:
                run.tracker.set(message=result.message + " (hasil berbeda dari pemeriksaan "
                                "pertama: data wilayah berubah?)")
            return _apply(fresh, run, apply_valid, reopen=True)
        finally:
            run.close()

    result = _guard(record.id, work)
    _audit(record.id)
    return result


def _check_applicable(record: RegistryImport | None, import_id: int, apply_valid: bool,
                      confirm_deactivate: int | None = None) -> None:
    if record is None:
        raise ImportRefused(f"Impor #{import_id} tidak ditemukan.")
    if record.status != "validated":
        raise ImportRefused(f"Impor #{import_id} berstatus {record.status_label.lower()}; "
                            "hanya impor yang selesai diperiksa dapat diterapkan.")
    if record.rows_valid == 0:
        raise ImportRefused(f"Impor #{import_id} tidak memiliki satu pun baris yang sah.")
    if record.rows_error and not apply_valid:
        raise ImportRefused(
            f"Impor #{import_id} memiliki {format_count(record.rows_error)} baris bermasalah: "
            "perbaiki berkas lalu unggah ulang, atau terapkan hanya baris yang sah.")
    if record.deactivate_confirm_needed and confirm_deactivate != record.deactivate_planned:
        raise ImportRefused(gettext(
            "Tidak ada yang diterapkan: impor #%(id)s akan menonaktifkan %(n)s data aktif. "
            "Periksa jumlah ini, lalu konfirmasi penonaktifan %(n)s data untuk menerapkannya.",
            id=import_id, n=format_count(record.deactivate_planned)))


@_own_connections
def queue_validation(path: str | os.PathLike, period: str, source: str = "DTKS",
                     kabupaten: str | None = None, *, created_by_id: int | None = None,
                     file_name: str | None = None) -> int:
    """Record an uploaded file as waiting for phase 1; a background process
    (`flask dtks run ID`, see slrt.dtks.jobs) picks it up with run_queued()."""
    record = _create_record(Path(path), period, source, kabupaten, created_by_id, file_name)
    table = RegistryImport.__table__
    with db.engine.connect() as conn:
        conn.execute(update(table).where(table.c.id == record.id).values(
            status="queued", progress_note="Menunggu giliran diperiksa", updated_at=now_utc()))
        conn.commit()
    return record.id


@_own_connections
def queue_apply(import_id: int, apply_valid: bool = False, *,
                confirm_deactivate: int | None = None) -> None:
    """The supervisor's choice after phase 1: apply (only the valid rows, with
    apply_valid; confirming `confirm_deactivate` deactivations when the check
    asked for it). Raises ImportRefused when the import cannot be applied or
    another request queued it first."""
    db.session.expire_all()
    _check_applicable(db.session.get(RegistryImport, import_id), import_id, apply_valid,
                      confirm_deactivate)
    table = RegistryImport.__table__
    with db.engine.connect() as conn:
        claimed = conn.execute(update(table).where(
            table.c.id == import_id, table.c.status == "validated"
        ).values(status="apply_queued", apply_valid=bool(apply_valid),
                 deactivate_confirmed=confirm_deactivate, worker=_worker_id(),
                 progress=0, progress_note="Menunggu giliran diterapkan",
                 updated_at=now_utc())).rowcount
        conn.commit()
    db.session.expire_all()
    if not claimed:
        raise ImportRefused(f"Impor #{import_id} sudah diproses oleh permintaan lain.")


def _claim(import_id: int, queued: str, running: str) -> bool:
    table = RegistryImport.__table__
    with db.engine.connect() as conn:
        claimed = conn.execute(update(table).where(
            table.c.id == import_id, table.c.status == queued
        ).values(status=running, worker=_worker_id(), updated_at=now_utc())).rowcount
        conn.commit()
    db.session.expire_all()
    return bool(claimed)


@_own_connections
def run_queued(import_id: int, progress: ProgressCallback | None = None) -> str | None:
    """Do the phase an import is waiting for (what the upload page started).
    Returns the status it ended with, or None when there was nothing to do
    (not waiting, or another process took it)."""
    record = db.session.get(RegistryImport, import_id)
    if record is None:
        return None
    if record.status == "queued":
        if not _claim(import_id, "queued", "validating"):
            return None
        record = _refresh(import_id)
        run = _Run(record, progress)

        def work():
            run.open()
            try:
                return _validate(record, run, keep_stage=False)
            finally:
                run.close()

        result = _guard(import_id, work)
        if result.status != "validated":
            _audit(import_id)
        return result.status
    if record.status == "apply_queued":
        apply_valid, confirmed = record.apply_valid, record.deactivate_confirmed
        if not _claim(import_id, "apply_queued", "applying"):
            return None
        return _apply_validated(_refresh(import_id), apply_valid, progress, confirmed).status
    return None


@_own_connections
def import_file(path: str | os.PathLike, period: str, source: str = "DTKS",
                kabupaten: str | None = None, *, apply_valid: bool = False,
                confirm_deactivate: int | None = None,
                created_by_id: int | None = None, file_name: str | None = None,
                progress: ProgressCallback | None = None) -> ImportOutcome:
    """Both phases with one read of the file (what `flask dtks import` runs).
    An apply that would mark inactive more than 10 % of a village's active
    records needs `confirm_deactivate` equal to that number; otherwise nothing
    is applied, the import ends refused and the outcome's apply has status
    "unconfirmed" with the number in `deactivated`."""
    path = Path(path)
    record = _create_record(path, period, source, kabupaten, created_by_id, file_name)
    run = _Run(record, progress)
    run.confirm_deactivate = confirm_deactivate

    def work():
        run.open()
        try:
            validation = _validate(record, run, keep_stage=True, then_apply=True)
            if validation.status != "validated":
                return ImportOutcome(validation)
            applied = _apply(_refresh(record.id), run, apply_valid)
            return ImportOutcome(validation, applied)
        finally:
            run.close()

    outcome = _guard(record.id, work)
    _audit(record.id)
    return outcome


@_own_connections
def mark_failed(import_id: int, message: str) -> None:
    """An import that could not be started or run (nothing was changed)."""
    table = RegistryImport.__table__
    with db.engine.connect() as conn:
        conn.execute(update(table).where(table.c.id == import_id,
                                         table.c.status.in_(RUNNING_IMPORT_STATUSES))
                     .values(status="failed", message=message, updated_at=now_utc()))
        conn.commit()
    db.session.expire_all()


CANCELLABLE_IMPORT_STATUSES = ("queued", "validated", "apply_queued")


@_own_connections
def cancel_import(import_id: int) -> None:
    """The user decides not to apply an import: one waiting to be checked,
    checked, or waiting for its apply to start. Refused (ImportRefused, with
    the reason in Indonesian) once nothing can stop it any more: an apply that
    has begun runs to its end (applied, or failed with nothing changed), and
    the import row never says "cancelled" behind data that changed.

    The states: queued -> validating -> validated -> apply_queued -> applying
    -> applied | rejected | failed; a cancel takes queued, validated or
    apply_queued to rejected in one conditional UPDATE, so that it and the
    background process claiming the import (run_queued) cannot both win."""
    table = RegistryImport.__table__
    cancelled = 0
    record = get_import(import_id)
    if record is not None and record.status in CANCELLABLE_IMPORT_STATUSES:
        db.session.commit()
        with db.engine.connect() as conn:
            try:
                cancelled = conn.execute(update(table).where(
                    table.c.id == import_id,
                    table.c.status.in_(CANCELLABLE_IMPORT_STATUSES)
                ).values(status="rejected", message="Dibatalkan oleh pengguna.",
                         progress_note="Dibatalkan", updated_at=now_utc())).rowcount
                conn.commit()
            except DBAPIError:  # SQLite: an apply that started meanwhile holds the lock
                conn.rollback()
        record = get_import(import_id)
    if cancelled:
        return
    if record is None:
        raise ImportRefused(gettext("Impor #%(id)s tidak ditemukan.", id=import_id))
    if record.status in ("applying", "validating"):
        if record.status == "applying":
            raise ImportRefused(gettext(
                "Impor #%(id)s sudah mulai diterapkan dan tidak dapat dibatalkan lagi. "
                "Penerapan berjalan sampai selesai (atau gagal tanpa mengubah data); hasilnya "
                "tampil di halaman impor.", id=import_id))
        raise ImportRefused(gettext(
            "Impor #%(id)s sedang diperiksa dan belum dapat dibatalkan; tunggu sampai "
            "pemeriksaan selesai. Pemeriksaan tidak mengubah data DTKS.", id=import_id))
    if record.status == "applied":
        raise ImportRefused(gettext("Impor #%(id)s sudah diterapkan dan tidak dapat dibatalkan.",
                               id=import_id))
    if record.status == "failed":
        raise ImportRefused(gettext("Impor #%(id)s gagal: tidak ada data yang berubah dan tidak ada "
                               "yang perlu dibatalkan.", id=import_id))
    raise ImportRefused(gettext("Impor #%(id)s sudah dibatalkan atau ditolak sebelumnya; tidak ada "
                           "data yang berubah.", id=import_id))


def get_import(import_id: int) -> RegistryImport | None:
    """The import row as committed now (fresh read, for polling)."""
    db.session.expire_all()
    return db.session.get(RegistryImport, import_id)


def recent_imports(limit: int = 20) -> list[RegistryImport]:
    return list(db.session.scalars(select(RegistryImport).order_by(RegistryImport.id.desc())
                                   .limit(limit)))


def import_problems(import_id: int, limit: int | None = None,
                    offset: int = 0) -> list[RegistryImportProblem]:
    stmt = (select(RegistryImportProblem).where(RegistryImportProblem.import_id == import_id)
            .order_by(RegistryImportProblem.row_no, RegistryImportProblem.id).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


@_own_connections
def write_report(import_id: int, dest) -> int:
    """Write the problems of an import as CSV (UTF-8 with BOM, for Excel):
    ``baris,kolom,nilai,keterangan``. `dest` is a path or a text file object.
    Returns the number of problems written. Cells that a spreadsheet would
    run as a formula are neutralised (slrt.common.exports.safe_cell).

    Reads on a connection of its own: the caller's session is ended first
    (_own_connections), since on SQLite a command's session holds the write
    lock (BEGIN IMMEDIATE) from its first read and the report's connection
    would wait for it, then fail with "database is locked"."""
    if isinstance(dest, (str, os.PathLike)):
        with open(dest, "w", encoding="utf-8-sig", newline="") as fh:
            return write_report(import_id, fh)
    writer = csv.writer(dest)
    writer.writerow(["baris", "kolom", "nilai", "keterangan"])
    table = RegistryImportProblem.__table__
    written = 0
    with db.engine.connect() as conn:
        result = conn.execution_options(yield_per=5000).execute(
            select(table.c.row_no, table.c.column, table.c.value, table.c.message)
            .where(table.c.import_id == import_id).order_by(table.c.row_no, table.c.id))
        for row in result:
            # A cell copied from the file can be a formula (=1+1, @SUM...):
            # neutralised as in every other export.
            writer.writerow([safe_cell(v) for v in row])
            written += 1
    record = db.session.get(RegistryImport, import_id)
    if record is not None and record.error_count > written:
        writer.writerow(["", "", "", f"Dan {format_count(record.error_count - written)} masalah "
                                     f"lain tidak dicantumkan (batas "
                                     f"{format_count(MAX_STORED_ERRORS)} baris laporan)."])
    return written


def record_history(record_id: int) -> list[RegistryRecordHistory]:
    """What the registry said about a record before each change, newest first."""
    return list(db.session.scalars(
        select(RegistryRecordHistory).where(RegistryRecordHistory.record_id == record_id)
        .order_by(RegistryRecordHistory.id.desc())))


def record_as_of(nik: str, period: str) -> dict | None:
    """What the registry listed for a NIK in a period, as RegistryRecord.evidence()
    would show it then; None if the person was not listed (or had no record).

    The current values hold from since_period to period; each history row
    holds from its since_period (or its own period) to its period.
    """
    records = list(db.session.scalars(select(RegistryRecord).where(RegistryRecord.nik == nik)))
    if not records:
        return None
    for rec in records:
        start = rec.since_period or rec.period
        if start <= period <= rec.period and (rec.is_active or rec.inactive_since is None
                                               or period < rec.inactive_since):
            return {**rec.evidence(), "period": period, "active": True}
    history = db.session.scalars(
        select(RegistryRecordHistory).where(
            or_(*[RegistryRecordHistory.record_id == r.id for r in records]))
        .order_by(RegistryRecordHistory.id.desc()))
    for h in history:
        if h.is_active and (h.since_period or h.period) <= period <= h.period:
            return {
                "registry_id": h.registry_id, "source": h.source, "period": period,
                "nik": h.nik, "no_kk": h.no_kk, "name": h.name,
                "birth_date": h.birth_date.isoformat() if h.birth_date else None,
                "sex": h.sex, "relationship": h.relationship_to_head,
                "village_code": h.village_code, "dusun": h.dusun, "rt": h.rt, "rw": h.rw,
                "padan": h.padan, "decile": h.decile, "active": True,
                "flags": {"pkh": h.pkh, "bpnt": h.bpnt, "pbi": h.pbi},
            }
    return None


# --------------------------------------------------------------------------
# The SIKS-NG layout, written (tests, benchmarks, templates)


def _siksng_regency(name: str) -> str:
    """'Kabupaten Batanghari' -> 'BATANGHARI'; 'Kota Jambi' -> 'KOTA JAMBI'."""
    return re.sub(r"^Kabupaten\s+", "", name).upper()


def siksng_header(*, deciles: bool = False,
                  programs: tuple[str, ...] = ("BPNT PPKM",)) -> list[str]:
    """Column titles matching siksng_row() with the same options."""
    head = list(SIKS_NG_COLUMNS[:-2])  # up to BANSOS PKH
    head.extend(f"BANSOS {p}" for p in programs)
    head.append("PBI JKN")
    if deciles:
        head.append("DESIL")
    return head


def siksng_row(record: Mapping, names: Mapping[str, str], *, deciles: bool = False,
               programs: tuple[str, ...] = ("BPNT PPKM",)) -> list[str]:
    """One registry record (RegistryRecord attribute names, e.g. a row of
    slrt.demo.registry.generate_registry) as a row of the SIKS-NG export.
    `names` maps region codes (province, regency, district, village) to names;
    `programs` are the other programs written as "BANSOS <name>" columns."""
    code = record["village_code"]
    birth = record.get("birth_date")
    padan = record.get("padan")
    held = {p.strip().upper() for p in (record.get("other_programs") or "").split(",")}
    row = [
        record["registry_id"], names[code[:2]].upper(), _siksng_regency(names[code[:5]]),
        names[code[:8]].upper(), names[code].upper(), record.get("address") or "",
        record.get("dusun") or "", record.get("rt") or "", record.get("rw") or "",
        record["no_kk"], record["nik"], record["name"],
        birth.strftime("%d-%m-%Y") if birth else "", record.get("birth_place") or "",
        "LAKI-LAKI" if record["sex"] == "L" else "PEREMPUAN", record.get("mother_name") or "",
        (record.get("relationship_to_head") or "").upper(),
        "" if padan is None else ("PADAN" if padan else "TIDAK PADAN"),
        "YA" if record.get("bpnt") else "TIDAK", "YA" if record.get("pkh") else "TIDAK",
    ]
    row.extend("YA" if label.upper() in held else "TIDAK" for label in programs)
    row.append("YA" if record.get("pbi") else "TIDAK")
    if deciles:
        row.append("" if record.get("decile") is None else str(record["decile"]))
    return row


def write_siksng(path: str | os.PathLike, records: Iterable[Mapping], names: Mapping[str, str],
                 *, delimiter: str = "|", encoding: str = "utf-8", deciles: bool = False,
                 programs: tuple[str, ...] = ("BPNT PPKM",)) -> int:
    """Write records as a SIKS-NG export file; returns the number of rows."""
    n = 0
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n",
                            quoting=csv.QUOTE_MINIMAL)
        writer.writerow(siksng_header(deciles=deciles, programs=programs))
        for rec in records:
            writer.writerow(siksng_row(rec, names, deciles=deciles, programs=programs))
            n += 1
    return n


def region_names_for(codes: Iterable[str]) -> dict[str, str]:
    """Names of the given village codes and of their district, regency and
    province, read from the regions table (for siksng_row)."""
    from slrt.regions.models import Region

    wanted: set[str] = set()
    for code in codes:
        wanted.update({code, code[:8], code[:5], code[:2]})
    rows = db.session.execute(select(Region.code, Region.name)
                              .where(Region.code.in_(sorted(wanted)))).all()
    return dict(rows)
