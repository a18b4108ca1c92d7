"""The columns of a registry export and of the staging table, in one place:
each field's title in messages and the header titles it is known by, the
length a value may have, the order and SQL types of the staging columns and
the registry columns compared to tell a changed record."""

from __future__ import annotations

import re
import unicodedata

from slrt.dtks.importer.rows import StageRow

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

# Field lengths of registry_records (a longer value is a row error, never cut).
MAX_LEN = {"registry_id": 40, "name": 120, "birth_place": 80, "relationship": 40,
           "mother_name": 120, "address": 200, "dusun": 60, "other_programs": 200}

# The staging table (rimp_stage): its columns are the fields of StageRow, in
# that order (what COPY and executemany send); their SQL types here.
STAGE_COLUMNS: tuple[str, ...] = StageRow._fields
STAGE_TYPES = {
    "row_no": "INTEGER PRIMARY KEY", "registry_id": "VARCHAR(40) NOT NULL",
    "nik": "VARCHAR(16) NOT NULL", "no_kk": "VARCHAR(16) NOT NULL",
    "name": "VARCHAR(120) NOT NULL", "name_key": "VARCHAR(120) NOT NULL",
    "birth_place": "VARCHAR(80) NOT NULL", "birth_date": "DATE",
    "sex": "VARCHAR(1) NOT NULL", "relationship": "VARCHAR(40) NOT NULL",
    "mother_name": "VARCHAR(120) NOT NULL", "address": "VARCHAR(200) NOT NULL",
    "dusun": "VARCHAR(60) NOT NULL", "rt": "VARCHAR(3) NOT NULL", "rw": "VARCHAR(3) NOT NULL",
    "village_code": "VARCHAR(13) NOT NULL", "padan": "BOOLEAN", "decile": "SMALLINT",
    "pkh": "BOOLEAN NOT NULL", "bpnt": "BOOLEAN NOT NULL", "pbi": "BOOLEAN NOT NULL",
    "other_programs": "VARCHAR(200) NOT NULL",
}
if tuple(STAGE_TYPES) != STAGE_COLUMNS:  # pragma: no cover - caught by any test run
    raise ImportError("STAGE_TYPES must list the fields of StageRow, in order")

# Columns compared to tell a changed record (registry_id and source apart).
DATA_COLUMNS = ("nik", "no_kk", "name", "birth_place", "birth_date", "sex", "relationship",
                "mother_name", "address", "dusun", "rt", "rw", "village_code", "padan",
                "decile", "pkh", "bpnt", "pbi", "other_programs")
NULLABLE = {"birth_date", "padan", "decile"}
HISTORY_COLUMNS = ("registry_id", "source", "period", "since_period", *DATA_COLUMNS,
                   "is_active")

NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def fold(text: str) -> str:
    """Upper case without accents (NFKD)."""
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).upper()


def norm_header(text: str) -> str:
    return NON_ALNUM.sub("", fold(text))


def classify_header(cells: list[str]) -> tuple[dict[str, int], list[tuple[int, str]], list[str]]:
    """(field -> column index, [(index, other program label)], ignored titles)."""
    fields: dict[str, int] = {}
    others: list[tuple[int, str]] = []
    ignored: list[str] = []
    for i, title in enumerate(cells):
        key = norm_header(str(title or ""))
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


def header_score(fields: dict[str, int]) -> int:
    if "nik" not in fields and "name" not in fields and "registry_id" not in fields:
        return 0
    return len(fields)
