"""Parsing and validation of Indonesian identity numbers: NIK and Nomor KK.

Pure functions: no database, no Flask. They run in bulk imports (a million
rows), so the happy path avoids regular expressions and exceptions, and the
region check is a single dict lookup in the shipped Kemendagri code list.

Structure of both numbers (16 digits)::

    PP KK CC DD MM YY SSSS
    |  |  |  |  |  |  +-- serial number, 0001-9999 (0000 is invalid)
    |  |  |  +--+--+----- NIK: birth date, day + 40 for women
    |  |  |              No KK: issue date, no +40 rule
    |  |  +-------------- district (kecamatan)
    |  +----------------- regency or city (kabupaten/kota)
    +-------------------- province

Project policy (it overrides other validators' opinions):

* spaces, dots and dashes are ignored, and so are tabs, non-breaking spaces
  and invisible zero-width characters; any other non-digit is an error;
* the year is 20yy unless that date lies after ``today``, then 19yy;
* an unknown province is an error; an unknown regency, an unknown district
  or district ``00`` is only a warning, because regions split over the years
  and a NIK keeps the code of its first registration.

A No KK is a family number: it identifies a household card, never a person.
Error and warning texts are in Indonesian, written for a village operator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from slrt.regions.codes import region_names

__all__ = [
    "InvalidKk",
    "InvalidNik",
    "Nik",
    "NoKk",
    "normalise_digits",
    "parse_kk",
    "parse_nik",
]


class InvalidNik(ValueError):
    """The text is not a valid NIK; ``str(exc)`` is an Indonesian message."""


class InvalidKk(ValueError):
    """The text is not a valid Nomor KK; ``str(exc)`` is an Indonesian message."""


@dataclass(frozen=True, slots=True)
class Nik:
    nik: str
    province_code: str
    regency_code: str
    district_code: str
    birth_date: date
    sex: str  # "L" (laki-laki) or "P" (perempuan)
    serial: str
    warnings: list[str] = field(default_factory=list, hash=False)

    @property
    def masked(self) -> str:
        """'1504034506900001' -> '150403******0001' (hides the birth date)."""
        return _mask(self.nik)


@dataclass(frozen=True, slots=True)
class NoKk:
    no_kk: str
    province_code: str
    regency_code: str
    district_code: str
    issue_date: date
    serial: str
    warnings: list[str] = field(default_factory=list, hash=False)

    @property
    def masked(self) -> str:
        """'1504031501100001' -> '150403******0001' (hides the issue date)."""
        return _mask(self.no_kk)


# --------------------------------------------------------------------------
# Normalisation

# Every character str.isspace() accepts (tab, newline, NBSP, narrow NBSP,
# ideographic space, ...), invisible zero-width characters that come along
# with copy-paste, the dot, and ASCII plus typographic dashes and minus.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_DOTS = "."
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_SEPARATORS = frozenset(_WHITESPACE + _INVISIBLE + _DOTS + _DASHES)
_STRIP_TABLE = dict.fromkeys(map(ord, _SEPARATORS))
_ASCII_DIGITS = frozenset("0123456789")

# Only used on the error path: a NIK that Excel turned into a float and shows
# in scientific notation ("1.50403E+15", Indonesian locale "1,50403E+15").
_EXCEL_SCIENTIFIC = re.compile(r"\s*[0-9]+(?:[.,][0-9]+)?[eE]\+?[0-9]+\s*")


def normalise_digits(text: str | None) -> str:
    """Remove the separators people and spreadsheets put into numbers.

    Spaces, tabs, non-breaking spaces, zero-width characters, dots and dashes
    are dropped; every other character is kept, so the caller still sees
    letters and other junk. ``None`` gives ``""``.
    """
    if text is None:
        return ""
    return text.translate(_STRIP_TABLE)


# --------------------------------------------------------------------------
# Shared parser

_MONTHS_ID = (
    "",
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# "00".."99" -> int: a dict lookup is cheaper than int() on a slice.
_TWO_DIGITS = {f"{i:02d}": i for i in range(100)}
_LOOKALIKES = {"O": "0", "o": "0", "l": "1", "I": "1", "i": "1", "S": "5", "B": "8"}


class _Kind:
    """Wording and rules that differ between NIK and No KK."""

    __slots__ = ("label", "exc", "date_noun", "female_offset", "serial_0000")

    def __init__(
        self,
        label: str,
        exc: type[ValueError],
        date_noun: str,
        female_offset: bool,
        serial_0000: str,
    ):
        self.label = label  # "NIK" / "Nomor KK"
        self.exc = exc
        self.date_noun = date_noun  # "lahir" / "terbit"
        self.female_offset = female_offset  # the +40 rule for women
        self.serial_0000 = serial_0000  # message for serial 0000


_NIK = _Kind("NIK", InvalidNik, "lahir", True, "Nomor urut NIK 0000 tidak sah.")
_KK = _Kind("Nomor KK", InvalidKk, "terbit", False, "Nomor urut 0000 pada Nomor KK tidak sah.")


def mask_nik(number: str | None) -> str:
    """The one mask of a NIK or No KK wherever one is shown or logged without
    the right to see it whole: '1504034506900001' -> '150403******0001'
    (the region stays, the birth or issue date is hidden)."""
    if not number:
        return ""
    return number[:6] + "******" + number[12:] if len(number) == 16 else number


_mask = mask_nik


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in(year: int, month: int) -> int:
    if month == 2 and _is_leap(year):
        return 29
    return _DAYS_IN_MONTH[month]


def _describe_char(ch: str) -> str:
    if ch.isalpha():
        hint = _LOOKALIKES.get(ch)
        extra = f" (mungkin maksudnya angka {hint}?)" if hint else ""
        return f'huruf "{ch}"{extra}'
    if ch.isdigit():
        return f'angka "{ch}" yang bukan angka biasa 0-9'
    if ch.isprintable():
        return f'tanda "{ch}"'
    return f"karakter tak terlihat (U+{ord(ch):04X})"


def _clean(text: object, kind: _Kind) -> str:
    """Slow path: normalise `text` or raise kind.exc with a helpful message."""
    label = kind.label
    if text is None:
        raise kind.exc(f"{label} kosong.")
    if isinstance(text, bool):
        raise kind.exc(f"{label} harus diisi sebagai teks berisi 16 angka.")
    if isinstance(text, int):
        text = str(text)
    elif isinstance(text, float):
        raise kind.exc(
            f"{label} terbaca sebagai bilangan pecahan ({text!r}), sehingga angkanya bisa "
            f"berubah. Atur kolom {label} sebagai Teks, lalu isi ulang {label} lengkap "
            "dari KTP atau KK."
        )
    elif not isinstance(text, str):
        raise kind.exc(f"{label} harus diisi sebagai teks berisi 16 angka.")

    digits = text.translate(_STRIP_TABLE)
    if not digits:
        raise kind.exc(f"{label} kosong.")
    if _EXCEL_SCIENTIFIC.fullmatch(text):
        raise kind.exc(
            f'{label} "{text.strip()}" sudah dirusak Excel: angkanya ditampilkan sebagai '
            f"notasi ilmiah dan sebagian angkanya hilang. Atur kolom {label} sebagai Teks, "
            f"lalu isi ulang {label} lengkap dari KTP atau KK."
        )
    for pos, ch in enumerate(text, start=1):
        if ch not in _ASCII_DIGITS and ch not in _SEPARATORS:
            raise kind.exc(
                f"{label} hanya boleh berisi angka, tetapi ada {_describe_char(ch)} "
                f"di posisi ke-{pos}."
            )
    if len(digits) != 16:
        raise kind.exc(f"{label} harus 16 angka; yang diisi {len(digits)} angka.")
    return digits


def _parse(text: object, today: date | None, kind: _Kind):
    """Return (digits, province, regency, district, date, sex, serial, warnings)."""
    if type(text) is str and len(text) == 16 and text.isdigit() and text.isascii():
        digits = text  # happy path: already clean
    else:
        digits = _clean(text, kind)
    label = kind.label

    # Region: one dict lookup for a known district. Otherwise only the
    # province must be known; regency and district problems become warnings
    # once the rest of the number has been checked.
    codes = _district_index().get(digits[0:6])
    if codes is None:
        province = digits[0:2]
        if province not in region_names():
            raise kind.exc(f"Kode provinsi {province} pada {label} tidak dikenal.")

    # Date: DD MM YY.
    day = _TWO_DIGITS[digits[6:8]]
    month = _TWO_DIGITS[digits[8:10]]
    yy = _TWO_DIGITS[digits[10:12]]
    sex = "L"
    if kind.female_offset:
        if 41 <= day <= 71:
            day -= 40
            sex = "P"
        elif not 1 <= day <= 31:
            raise kind.exc(
                f"Kode tanggal lahir {digits[6:8]} dalam NIK tidak sah: untuk laki-laki "
                "harus 01-31, untuk perempuan 41-71 (tanggal lahir ditambah 40)."
            )
    elif not 1 <= day <= 31:
        raise kind.exc(
            f"Tanggal {kind.date_noun} {digits[6:8]} dalam {label} tidak sah (harus 01-31)."
        )
    if not 1 <= month <= 12:
        raise kind.exc(
            f"Bulan {kind.date_noun} {digits[8:10]} dalam {label} tidak sah (harus 01-12)."
        )
    if today is None:
        today = date.today()
    year = 2000 + yy
    if day <= _DAYS_IN_MONTH[month] or (day == 29 and month == 2 and _is_leap(year)):
        when = date(year, month, day)
        if when > today:
            year -= 100
            # Only 29 February can exist in 20yy but not in 19yy (2000 / 1900).
            if day > _days_in(year, month):
                raise kind.exc(_no_such_date(kind, day, month, year))
            when = date(year, month, day)
    else:
        # The date exists in neither century (leap years only differ for
        # 2000 / 1900, and 2000 is a leap year). Pick the century for the
        # message the way the century rule would for that month.
        if date(year, month, _days_in(year, month)) > today:
            year -= 100
        raise kind.exc(_no_such_date(kind, day, month, year))

    serial = digits[12:16]
    if serial == "0000":
        raise kind.exc(kind.serial_0000)

    if codes is not None:
        return digits, *codes, when, sex, serial, []
    province, regency, district, warnings = _unknown_region(digits, label)
    return digits, province, regency, district, when, sex, serial, warnings


@lru_cache(maxsize=1)
def _district_index() -> dict[str, tuple[str, str, str]]:
    """'150403' -> ('15', '15.04', '15.04.03') for every known district.

    The code strings are shared by all results, which also keeps a million
    parsed rows small in memory.
    """
    index: dict[str, tuple[str, str, str]] = {}
    names = region_names()
    for code in names:
        if code.count(".") == 2:
            province, regency = code[:2], code[:5]
            index[code.replace(".", "")] = (province, regency, code)
    return index


def _unknown_region(digits: str, label: str) -> tuple[str, str, str, list[str]]:
    """Codes and the single warning for a known province with an unknown
    regency, district 00 or an unknown district."""
    names = region_names()
    province = digits[0:2]
    regency = province + "." + digits[2:4]
    district = regency + "." + digits[4:6]
    warnings: list[str] = []
    if regency not in names:
        warnings.append(
            f"Kode kabupaten/kota {regency} pada {label} tidak ada dalam daftar wilayah "
            "Kemendagri 2025 (mungkin kode lama sebelum pemekaran wilayah). "
            f"Cocokkan {label} dengan KTP atau KK."
        )
    elif digits[4:6] == "00":
        warnings.append(
            f"Kode kecamatan pada {label} adalah 00, tidak menunjuk kecamatan mana pun "
            f"di {names[regency]}. Cocokkan {label} dengan KTP atau KK."
        )
    elif district not in names:
        warnings.append(
            f"Kode kecamatan {district} pada {label} tidak ada dalam daftar wilayah "
            f"Kemendagri 2025 untuk {names[regency]} (mungkin kode lama sebelum "
            f"pemekaran wilayah). Cocokkan {label} dengan KTP atau KK."
        )
    return province, regency, district, warnings


def _no_such_date(kind: _Kind, day: int, month: int, year: int) -> str:
    return (
        f"Tanggal {kind.date_noun} dalam {kind.label} tidak ada: {day} {_MONTHS_ID[month]} {year}."
    )


# --------------------------------------------------------------------------
# Public API


def parse_nik(text: str | None, *, today: date | None = None) -> Nik:
    """Parse and validate a NIK (Nomor Induk Kependudukan).

    `today` fixes the reference date for the century rule (default: the
    current date; bulk imports should pass it once rather than pay for
    date.today() on every row). Raises InvalidNik with an Indonesian message;
    unknown regency or district codes only add a warning to `warnings`.
    """
    digits, prov, reg, dist, born, sex, serial, warnings = _parse(text, today, _NIK)
    return Nik(digits, prov, reg, dist, born, sex, serial, warnings)


def parse_kk(text: str | None, *, today: date | None = None) -> NoKk:
    """Parse and validate a Nomor Kartu Keluarga (No KK).

    The date in a No KK is the issue date of the family card, without the
    +40 rule, so day codes 41 and above are invalid. A No KK identifies a
    family card, never a person. `today` as for parse_nik(). Raises InvalidKk
    with an Indonesian message.
    """
    digits, prov, reg, dist, issued, _sex, serial, warnings = _parse(text, today, _KK)
    return NoKk(digits, prov, reg, dist, issued, serial, warnings)
