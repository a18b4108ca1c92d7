"""Value parsers: the period, dates, sex, RT/RW, yes/no flags, padan, decile.
Each takes a cell as text and gives the stored value, or "?" (or an error
message) when the cell cannot be read. NIK and No KK are parsed by
slrt.identity. No database, no Flask app needed."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from slrt.dtks.importer.base import ImportRefused

_TRUE = {"YA", "Y", "1", "TRUE", "BENAR", "PENERIMA", "V", "ADA", "AKTIF", "\u2713", "\u221a"}
_FALSE = {"", "TIDAK", "T", "0", "FALSE", "SALAH", "BUKAN", "BUKAN PENERIMA", "TIDAK PENERIMA",
          "NON PENERIMA", "-", "N", "NO", "TIDAK ADA", "TIDAK AKTIF"}
_PADAN = {"PADAN": True, "SUDAH PADAN": True, "YA": True, "Y": True, "1": True,
          "TIDAK PADAN": False, "BELUM PADAN": False, "TIDAK": False, "T": False, "0": False,
          "": None, "-": None}
_SEX = {"L": "L", "LAKI-LAKI": "L", "LAKI LAKI": "L", "LAKI": "L", "PRIA": "L", "1": "L",
        "P": "P", "PEREMPUAN": "P", "WANITA": "P", "2": "P"}


_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_DMY_RE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YMD_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")


def period_today(period: str) -> date:
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


def parse_date(value, today: date) -> tuple[str | None, str | None]:
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


def parse_rt(cell: str) -> str:
    """RT / RW: '3' -> '003'; '' -> ''; '?' when it is not a number 1-999."""
    text = cell.strip()
    if not text or text == "-":
        return ""
    if text.isascii() and text.isdigit() and 0 < int(text) <= 999:
        return f"{int(text):03d}"
    return "?"


def parse_flag(cell: str):
    text = " ".join(cell.upper().split())
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return "?"


def flag_error(title: str, cell: str) -> str:
    return f'Nilai "{cell.strip()}" pada kolom {title} tidak dikenal (isi YA atau TIDAK).'


def parse_decile(cell: str):
    text = " ".join(cell.upper().split())
    if text in ("", "-"):
        return None
    if text.startswith("DESIL"):
        text = text[5:].strip()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 10:
        return int(text)
    return "?"


def parse_sex(cell: str) -> str:
    """'L', 'P', '' (empty) or '?'."""
    return _SEX.get(" ".join(cell.upper().split()), "?")


def parse_padan(cell: str):
    """True, False, None (empty) or '?'."""
    return _PADAN.get(" ".join(cell.upper().split()), "?")


def relationship(cell: str) -> str:
    """'KEPALA  KELUARGA' -> 'Kepala Keluarga'."""
    return " ".join(cell.split()).title()


def sex_error(cell: str) -> str:
    return f'JENIS KELAMIN "{cell.strip()}" tidak dikenal (isi LAKI-LAKI atau PEREMPUAN).'


def padan_error(cell: str) -> str:
    return f'KETERANGAN PADAN "{cell.strip()}" tidak dikenal (isi PADAN atau TIDAK PADAN).'
