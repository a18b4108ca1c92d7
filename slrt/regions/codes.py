"""The official Kemendagri region codes shipped with the project.

Source: db/wilayah.sql of the public repository cahyadsn/wilayah (MIT License,
Copyright (c) 2017-2025 Cahya DSN), Kepmendagri No. 300.2.2-2138 Tahun 2025,
converted to CSV (code,name,level). See slrt/regions/data/ATTRIBUTION.md.

This module needs no database: parse_nik() uses it to tell known regions from
unknown ones, and `flask regions load` reads the same file.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "wilayah_kemendagri_2025.csv.gz"

LEVELS = ("provinsi", "kabupaten", "kota", "kecamatan", "kelurahan", "desa")


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    name: str
    level: str

    @property
    def parent_code(self) -> str | None:
        return self.code.rsplit(".", 1)[0] if "." in self.code else None


def iter_rows(path: Path = DATA_FILE) -> Iterator[RegionRow]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            yield RegionRow(rec["code"].strip(), rec["name"].strip(), rec["level"].strip())


@lru_cache(maxsize=1)
def region_names() -> dict[str, str]:
    """Code -> name for provinces, regencies/cities and districts (no villages)."""
    return {r.code: r.name for r in iter_rows() if r.code.count(".") < 3}


def region_name(code: str) -> str | None:
    return region_names().get(code)


def dotted(digits: str) -> str:
    """'150403' -> '15.04.03'; '1504032019' -> '15.04.03.2019'."""
    parts = [digits[0:2], digits[2:4], digits[4:6], digits[6:10]]
    return ".".join(p for p in parts if p)
