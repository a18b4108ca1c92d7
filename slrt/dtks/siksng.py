"""The SIKS-NG export layout, written: what a registry export looks like, for
the tests, the benchmarks and the demo (the importer reads this layout)."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Mapping

from sqlalchemy import select

from slrt.extensions import db

# The SIKS-NG export layout (what write_siksng() writes).
SIKS_NG_COLUMNS = (
    "ID DTKS", "PROVINSI", "KABUPATEN/KOTA", "KECAMATAN", "DESA/KELURAHAN", "ALAMAT", "DUSUN",
    "RT", "RW", "NOMOR KK", "NOMOR NIK", "NAMA", "TANGGAL LAHIR", "TEMPAT LAHIR",
    "JENIS KELAMIN", "NAMA IBU KANDUNG", "HUBUNGAN KELUARGA", "KETERANGAN PADAN",
    "BANSOS BPNT", "BANSOS PKH", "BANSOS BPNT PPKM", "PBI JKN",
)


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
