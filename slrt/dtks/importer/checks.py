"""The rules a data row of the file must pass, one method per family (ID DTKS,
NIK, No KK, name, region, birth date, sex, relationship, lengths of the free
text, RT/RW, padan, programs, decile). A row that passes becomes a StageRow;
a row that fails gives every problem found in it (never only the first).

No database, no Flask app needed: the regions come as rows of a table
(see regions.Regions). The file is read by reader.py and the rows are fed
here by scan.py; duplicates across rows are found later, in SQL (staging.py).
Values that repeat (dates, flags, region names...) are parsed once and
remembered: a million-row file holds few distinct ones.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from operator import itemgetter

from slrt.dtks.importer.base import _CACHE_MAX
from slrt.dtks.importer.columns import MAX_LEN, classify_header
from slrt.dtks.importer.parsers import (
    flag_error,
    padan_error,
    parse_date,
    parse_decile,
    parse_flag,
    parse_padan,
    parse_rt,
    parse_sex,
    relationship,
    sex_error,
)
from slrt.dtks.importer.regions import Regions
from slrt.dtks.importer.rows import SkipKey, StageRow
from slrt.dtks.names import name_key
from slrt.identity import InvalidKk, InvalidNik, normalise_digits, parse_kk, parse_nik

NUMERIC_ID_CELL = (
    "{label} tersimpan sebagai angka di Excel, bukan teks: Excel hanya menyimpan 15 angka, "
    "sehingga angka terakhir {label} bisa berubah. Atur kolom {label} sebagai Teks, lalu isi "
    "ulang {label} lengkap dari KTP atau KK."
)

# The free-text columns whose length is checked, in the order of the report.
_TEXT_FIELDS = ("birth_place", "mother_name", "address", "dusun")

_new_row = tuple.__new__  # StageRow without its keyword-handling __new__ (hot path)


def _remember(cache: dict, key, value, limit: int = _CACHE_MAX):
    if len(cache) < limit:
        cache[key] = value
    return value


def _getter(indexes: list[int | None]):
    """row -> tuple of the cells at `indexes` ("" for None), as fast as can be."""
    if indexes and None not in indexes:
        if len(indexes) == 1:
            i = indexes[0]
            return lambda row: (row[i],)
        return itemgetter(*indexes)
    return lambda row: tuple("" if i is None else row[i] for i in indexes)


class RowChecks:
    """Checks the rows of one file, given its header.

    `check(row_no, row, raw)` takes the cells as text (`row`) and, for an
    .xlsx, as the workbook gave them (`raw`: numbers, dates; for a CSV the
    same list as `row`), both at least as long as the header. It returns
    (StageRow, None, None) for a valid row, else (None, errors, SkipKey) with
    errors as [(column title, value, message)].
    """

    def __init__(self, header: list, regions: Regions, today: date, xlsx: bool = False):
        fields, self.others, _ignored = classify_header(header)
        self.fields = fields
        self.titles = [str(t or "").strip() for t in header]
        self.ncols = len(self.titles)
        self.regions = regions
        self.today = today
        self.xlsx = xlsx
        f = fields.get
        self.i_id, self.i_nik, self.i_kk, self.i_name = (
            f("registry_id"), f("nik"), f("no_kk"), f("name"))
        self.i_prov, self.i_kab, self.i_kec, self.i_desa = (
            f("province"), f("regency"), f("district"), f("village"))
        self.i_bd, self.i_sex, self.i_rel = f("birth_date"), f("sex"), f("relationship")
        self.i_rt, self.i_rw, self.i_padan, self.i_dec = f("rt"), f("rw"), f("padan"), f("decile")
        self.flag_cols = (f("pkh"), f("bpnt"), f("pbi"))
        self.text_cols = tuple((f(fld), MAX_LEN[fld]) for fld in _TEXT_FIELDS)
        self.text_cells = _getter([idx for idx, _ in self.text_cols])
        self.shortest_text_limit = min(limit for _, limit in self.text_cols)
        coded = [self.i_sex, self.i_rel, self.i_padan, *self.flag_cols,
                 *(idx for idx, _ in self.others), self.i_dec]
        self.coded_key = _getter([i for i in coded if i is not None])
        self.coded_cache: dict = {}
        self.rt_key = _getter([self.i_rt, self.i_rw])
        self.rt_cache: dict = {}
        self.region_key = _getter([self.i_prov, self.i_kab, self.i_kec, self.i_desa])
        self.region_cols = {"province": self.i_prov, "regency": self.i_kab,
                            "district": self.i_kec, "village": self.i_desa}
        self.key_of = lru_cache(maxsize=1 << 17)(name_key)
        self.dates: dict = {}
        self.flags: dict[str, object] = {}
        self.rels: dict[str, str] = {}
        self.rts: dict[str, str] = {}
        self.sexes: dict[str, str] = {}
        self.padans: dict[str, object] = {}
        self.deciles: dict[str, object] = {}
        # No KK: the members of a household follow each other.
        self.last_kk_raw = self.last_kk = self.last_kk_err = None
        self._check = self._make_check()

    def title(self, i: int | None) -> str:
        return self.titles[i] if i is not None and i < self.ncols else ""

    def check(self, row_no: int, row: list, raw: list):
        """Every rule on one row (see the class)."""
        return self._check(row_no, row, raw)

    def _make_check(self):
        """check() as a closure over the column indexes, caches and rule
        methods, for speed: a million rows go through it. The values seen
        before (a household's No KK, region names, coded values, RT/RW) come
        from caches, and a value that is plainly fine skips its rule's method.
        """
        i_id, i_nik, i_kk, i_name = self.i_id, self.i_nik, self.i_kk, self.i_name
        max_id, max_name = MAX_LEN["registry_id"], MAX_LEN["name"]
        region_cache, region_key, coded_cache, coded_key = (
            self.regions.cache, self.region_key, self.coded_cache, self.coded_key)
        rt_cache, rt_key, text_cells = self.rt_cache, self.rt_key, self.text_cells
        shortest_text, key_of, strip = self.shortest_text_limit, self.key_of, str.strip
        xlsx, today, dates, i_bd = self.xlsx, self.today, self.dates, self.i_bd

        def check(row_no: int, row: list, raw: list):
            errs: list[tuple] = []
            rid = row[i_id].strip()
            if not rid or len(rid) > max_id:
                self.registry_id(row, errs)
            nik_cell = raw[i_nik]
            if xlsx:
                nik = self.nik(nik_cell, errs)
            else:
                try:
                    nik = parse_nik(nik_cell, today=today)
                except InvalidNik:
                    nik = self.nik(nik_cell, errs)
            kk_cell = raw[i_kk]
            if kk_cell == self.last_kk_raw and self.last_kk_err is None:
                no_kk = self.last_kk  # the next member of the household
            else:
                no_kk = self.no_kk(kk_cell, errs)
            name = " ".join(row[i_name].split())
            if not name or len(name) > max_name:
                self.name(row, errs)
            hit = region_cache.get(region_key(row))
            village = hit[0] if hit is not None and hit[2] is None else self.region(row, errs)
            hit = dates.get(raw[i_bd]) if i_bd is not None else None
            if hit is not None and hit[0] is not None:
                birth = hit[0]  # a date seen before, and a good one
            else:
                birth = self.birth_date(raw, nik, errs)
            sex, rel, padan, pkh, bpnt, pbi, other, decile, early, late = (
                coded_cache.get(coded_key(row)) or self.coded(row))
            if sex is None and nik is not None:
                sex = nik.sex
            if early:
                errs.extend(early)
            birth_place, mother, address, dusun = texts = tuple(map(strip, text_cells(row)))
            if max(map(len, texts)) > shortest_text:
                self.free_text(row, errs)
            rt, rw, rt_errs = rt_cache.get(rt_key(row)) or self.rt_rw(row)
            if rt_errs:
                errs.extend(rt_errs)
            if late:
                errs.extend(late)
            if errs:
                return None, errs, SkipKey(rid[:200] or None,
                                           normalise_digits(str(nik_cell))[:200] or None)
            return _new_row(StageRow, (
                row_no, rid, nik.nik, no_kk, name, key_of(name), birth_place, birth, sex, rel,
                mother, address, dusun, rt, rw, village, padan, decile, pkh, bpnt, pbi, other,
            )), None, None

        return check

    def coded(self, row: list) -> tuple:
        """The columns of coded values (sex, relationship, padan, programs,
        decile), checked once per combination of their cells: (sex or None,
        relationship, padan, pkh, bpnt, pbi, other programs, decile, problems
        before the free text, problems after it), in the report's order."""
        early: list[tuple] = []
        late: list[tuple] = []
        sex = self.sex(row, early)
        rel = self.relationship(row, early)
        padan = self.padan(row, late)
        pkh, bpnt, pbi = self.flags_of(row, late)
        other = self.other_programs(row, late)
        decile = self.decile(row, late)
        value = (sex, rel, padan, pkh, bpnt, pbi, other, decile, tuple(early), tuple(late))
        return _remember(self.coded_cache, self.coded_key(row), value, 10 * _CACHE_MAX)

    # -- identity ---------------------------------------------------------

    def registry_id(self, row: list, errs: list) -> str:
        rid = row[self.i_id].strip()
        if not rid:
            errs.append((self.title(self.i_id), "", "ID DTKS kosong."))
        elif len(rid) > MAX_LEN["registry_id"]:
            errs.append((self.title(self.i_id), rid, "ID DTKS lebih dari 40 karakter."))
        return rid

    def nik(self, cell, errs: list):
        """The parsed NIK (slrt.identity.Nik) or None. An .xlsx number is
        refused: Excel keeps 15 digits, the 16th may be gone."""
        if self.xlsx and isinstance(cell, (int, float)):
            errs.append((self.title(self.i_nik), cell, NUMERIC_ID_CELL.format(label="NIK")))
            return None
        try:
            return parse_nik(cell, today=self.today)
        except InvalidNik as e:
            errs.append((self.title(self.i_nik), cell, str(e)))
            return None

    def no_kk(self, cell, errs: list) -> str | None:
        if cell != self.last_kk_raw:
            self.last_kk_raw = cell
            self.last_kk = self.last_kk_err = None
            if self.xlsx and isinstance(cell, (int, float)):
                self.last_kk_err = NUMERIC_ID_CELL.format(label="Nomor KK")
            else:
                try:
                    self.last_kk = parse_kk(cell, today=self.today).no_kk
                except InvalidKk as e:
                    self.last_kk_err = str(e)
        if self.last_kk_err is not None:
            errs.append((self.title(self.i_kk), cell, self.last_kk_err))
        return self.last_kk

    def name(self, row: list, errs: list) -> str:
        name = " ".join(row[self.i_name].split())
        if not name:
            errs.append((self.title(self.i_name), "", "NAMA kosong."))
        elif len(name) > MAX_LEN["name"]:
            errs.append((self.title(self.i_name), name, "NAMA lebih dari 120 karakter."))
        return name

    # -- where ------------------------------------------------------------

    def region(self, row: list, errs: list) -> str | None:
        """The village code of the four region names, or None (an error)."""
        village, bad_field, bad_msg = self.regions.resolve(*self.region_key(row))
        if bad_msg is not None:
            col = self.region_cols[bad_field]
            errs.append((self.title(col), row[col], bad_msg))
        return village

    # -- person -----------------------------------------------------------

    def birth_date(self, raw: list, nik, errs: list) -> str | None:
        """ISO date from the column, else from the NIK."""
        birth = None
        if self.i_bd is not None:
            cell = raw[self.i_bd]
            hit = self.dates.get(cell)
            if hit is None:
                hit = _remember(self.dates, cell, parse_date(cell, self.today), 10 * _CACHE_MAX)
            birth, bad = hit
            if bad is not None:
                errs.append((self.title(self.i_bd), cell, bad))
        if birth is None and nik is not None:
            birth = nik.birth_date.isoformat()
        return birth

    def sex(self, row: list, errs: list) -> str | None:
        """'L' or 'P'; None when there is no such column (the NIK tells)."""
        if self.i_sex is None:
            return None
        cell = row[self.i_sex]
        sex = self.sexes.get(cell)
        if sex is None:
            sex = _remember(self.sexes, cell, parse_sex(cell))
        if sex == "?":
            errs.append((self.title(self.i_sex), cell, sex_error(cell)))
            return None
        return sex or None

    def relationship(self, row: list, errs: list) -> str:
        if self.i_rel is None:
            return ""
        cell = row[self.i_rel]
        rel = self.rels.get(cell)
        if rel is None:
            rel = _remember(self.rels, cell, relationship(cell))
        if len(rel) > MAX_LEN["relationship"]:
            errs.append((self.title(self.i_rel), cell,
                         "HUBUNGAN KELUARGA lebih dari 40 karakter."))
        return rel

    def free_text(self, row: list, errs: list) -> list[str]:
        """Birth place, mother's name, address, dusun: stripped, never cut."""
        values = [cell.strip() for cell in self.text_cells(row)]
        for (idx, limit), value in zip(self.text_cols, values, strict=True):
            if len(value) > limit:
                errs.append((self.title(idx), value,
                             f"{self.title(idx)} lebih dari {limit} karakter."))
        return values

    def rt_rw(self, row: list) -> tuple[str, str, tuple]:
        """(RT, RW, their problems), remembered for the pair of cells."""
        errs: list[tuple] = []
        value = (self.rt(row, self.i_rt, errs), self.rt(row, self.i_rw, errs), tuple(errs))
        return _remember(self.rt_cache, self.rt_key(row), value, 10 * _CACHE_MAX)

    def rt(self, row: list, idx: int | None, errs: list) -> str:
        """RT or RW: '3' -> '003'; '' when empty."""
        if idx is None:
            return ""
        cell = row[idx]
        value = self.rts.get(cell)
        if value is None:
            value = _remember(self.rts, cell, parse_rt(cell))
        if value == "?":
            errs.append((self.title(idx), cell, f"{self.title(idx)} harus angka 1-999 "
                                                "(mis. 003)."))
        return value

    # -- registry data ----------------------------------------------------

    def padan(self, row: list, errs: list):
        if self.i_padan is None:
            return None
        cell = row[self.i_padan]
        padan = self.padans.get(cell, "?")
        if padan == "?":
            padan = _remember(self.padans, cell, parse_padan(cell))
        if padan == "?":
            errs.append((self.title(self.i_padan), cell, padan_error(cell)))
        return padan

    def flag(self, row: list, idx: int, errs: list):
        cell = row[idx]
        value = self.flags.get(cell)
        if value is None:
            value = _remember(self.flags, cell, parse_flag(cell))
        if value == "?":
            errs.append((self.title(idx), cell, flag_error(self.title(idx), cell)))
        return value

    def flags_of(self, row: list, errs: list) -> tuple:
        """PKH, BPNT, PBI JKN: False when the column is not there."""
        i_pkh, i_bpnt, i_pbi = self.flag_cols
        return (self.flag(row, i_pkh, errs) if i_pkh is not None else False,
                self.flag(row, i_bpnt, errs) if i_bpnt is not None else False,
                self.flag(row, i_pbi, errs) if i_pbi is not None else False)

    def other_programs(self, row: list, errs: list) -> str:
        """The other program columns marked yes, as 'BST, PIP'."""
        labels = [label for idx, label in self.others if self.flag(row, idx, errs) is True]
        if not labels:
            return ""
        other = ", ".join(labels)
        if len(other) > MAX_LEN["other_programs"]:
            errs.append(("", other, "Daftar program lain terlalu panjang."))
        return other

    def decile(self, row: list, errs: list):
        if self.i_dec is None:
            return None
        cell = row[self.i_dec]
        decile = self.deciles.get(cell, "?")
        if decile == "?":
            decile = _remember(self.deciles, cell, parse_decile(cell))
        if decile == "?":
            errs.append((self.title(self.i_dec), cell, f'DESIL "{cell.strip()}" tidak sah '
                                                      "(isi 1-10)."))
        return decile
