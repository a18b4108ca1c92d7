"""A small registry file and region table for the database-free tests of the
importer's reader and row checks (tests/registry)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from slrt.dtks.importer.reader import Layout, sniff
from slrt.dtks.importer.scan import _ScanParams, scan_rows
from slrt.dtks.siksng import siksng_header
from tests.factories import build_kk, build_nik

# (code, name, level, parent): what the importer reads from the regions table.
REGIONS = [
    ("15", "Jambi", "provinsi", None),
    ("15.04", "Kabupaten Batanghari", "kabupaten", "15"),
    ("15.04.03", "Muara Bulian", "kecamatan", "15.04"),
    ("15.04.03.1001", "Muara Bulian", "kelurahan", "15.04.03"),
    ("15.04.03.1003", "Sridadi", "kelurahan", "15.04.03"),
    ("15.04.08", "Maro Sebo Ilir", "kecamatan", "15.04"),
    ("15.04.08.1001", "Terusan", "kelurahan", "15.04.08"),
    ("15.04.08.2006", "Terusan", "desa", "15.04.08"),
    ("15.05", "Kabupaten Muaro Jambi", "kabupaten", "15"),
    ("15.05.01", "Jambi Luar Kota", "kecamatan", "15.05"),  # its villages not loaded
    ("15.71", "Kota Jambi", "kota", "15"),
    ("15.71.01", "Kota Baru", "kecamatan", "15.71"),
    ("15.71.01.1001", "Simpang III Sipin", "kelurahan", "15.71.01"),
]
SRIDADI = "15.04.03.1003"
PERIOD_END = date(2022, 7, 31)  # reference date of the period 2022-07

HEADER = siksng_header()


def nik(serial: int = 1, birth: date = date(1975, 6, 14), sex: str = "L") -> str:
    return build_nik("15.04.03", birth, sex, serial)


def kk(serial: int = 1) -> str:
    return build_kk("15.04.03", date(2010, 1, 5), serial)


def person(serial: int = 1, **cells: str) -> dict[str, str]:
    """One valid row of the SIKS-NG export, by column title; `cells` replace
    some (keys: the title with "_" for " " and "/", e.g. NOMOR_NIK)."""
    row = {
        "ID DTKS": f"1504032021{serial:07d}", "PROVINSI": "JAMBI",
        "KABUPATEN/KOTA": "BATANGHARI", "KECAMATAN": "MUARA BULIAN",
        "DESA/KELURAHAN": "SRIDADI", "ALAMAT": "JL. SULTAN THAHA", "DUSUN": "",
        "RT": "3", "RW": "1", "NOMOR KK": kk(serial), "NOMOR NIK": nik(serial),
        "NAMA": "BUDI  SANTOSO", "TANGGAL LAHIR": "14-06-1975", "TEMPAT LAHIR": "JAMBI",
        "JENIS KELAMIN": "LAKI-LAKI", "NAMA IBU KANDUNG": "SITI",
        "HUBUNGAN KELUARGA": "KEPALA KELUARGA", "KETERANGAN PADAN": "PADAN",
        "BANSOS BPNT": "YA", "BANSOS PKH": "TIDAK", "BANSOS BPNT PPKM": "TIDAK",
        "PBI JKN": "YA",
    }
    for key, value in cells.items():
        title = next(t for t in row if t.replace(" ", "_").replace("/", "_") == key)
        row[title] = value
    return row


def cells(row: dict[str, str], header: list[str] = HEADER) -> list[str]:
    return [row.get(title, "") for title in header]


def write_csv(path: Path, rows: list[dict], *, delimiter: str = "|", encoding: str = "utf-8",
              header: list[str] = HEADER, newline: str = "\r\n", end: str = "\r\n") -> Path:
    lines = [delimiter.join(header)] + [delimiter.join(cells(r, header)) for r in rows]
    path.write_bytes((newline.join(lines) + end).encode(encoding))
    return path


def scan(path: Path, *, scope: str | None = "15.04", layout: Layout | None = None):
    """(valid StageRows, problems, ScanEnd) of a whole file."""
    layout = layout or sniff(path)
    valid, problems, end = [], [], None
    for event in scan_rows(_ScanParams(str(path), layout, REGIONS, scope, PERIOD_END, True)):
        if hasattr(event, "valid"):
            valid.extend(event.valid)
            problems.extend(event.problems)
        else:
            end = event
    return valid, problems, end


def siksng_xlsx(rows) -> bytes:
    """Registry rows as a real SIKS-NG .xlsx, region names read from the regions
    table (inside an app context)."""
    import io

    from openpyxl import Workbook

    from slrt.dtks.siksng import region_names_for, siksng_row

    names = region_names_for({r["village_code"] for r in rows})
    wb = Workbook()
    ws = wb.active
    ws.title = "DTKS"
    ws.append(siksng_header())
    for row in rows:
        ws.append(siksng_row(row, names))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
