"""Disaster aid matched to the household (the Batang Hari goods list, seed Table 1.3).

A household's composition proposes a package: no school uniforms or kids'
items without children, baby clothing only with an infant. The handler
adjusts the quantities and records what was handed over.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from math import ceil

# code, name, unit: the goods catalog of the Dinas Sosial's disaster section.
AID_ITEMS = [
    ("tenda_gulung", "Tenda gulung", "lembar"),
    ("matras", "Matras", "lembar"),
    ("daster_dewasa", "Daster dewasa", "potong"),
    ("selimut_bergaris", "Selimut bergaris", "potong"),
    ("seragam_sd_laki", "Seragam SD laki-laki", "potong"),
    ("seragam_sd_perempuan", "Seragam SD perempuan", "potong"),
    ("family_kit", "Family kit", "paket"),
    ("kids_ware", "Kids ware", "paket"),
    ("food_ware", "Food ware", "paket"),
    ("selimut_woll", "Selimut woll", "lembar"),
    ("paket_sandang", "Paket sandang", "paket"),
    ("paket_lauk_siap_saji", "Paket lauk siap saji", "paket"),
    ("paket_siap_saji", "Paket siap saji", "paket"),
    ("peralatan_dapur", "Peralatan dapur keluarga", "paket"),
    ("air_minum", "Air minum kemasan", "dus"),
    ("kasur", "Kasur", "unit"),
    ("sandang_bayi", "Sandang bayi", "paket"),
]
ITEMS = {code: (name, unit) for code, name, unit in AID_ITEMS}

COMPOSITION_LABELS = {
    "infants": "Bayi (0-2 tahun)",
    "young_children": "Anak balita dan pra-sekolah (3-6 tahun)",
    "school_boys": "Anak laki-laki usia SD (7-12 tahun)",
    "school_girls": "Anak perempuan usia SD (7-12 tahun)",
    "teens": "Remaja (13-17 tahun)",
    "adult_men": "Laki-laki dewasa (18-59 tahun)",
    "adult_women": "Perempuan dewasa (18-59 tahun)",
    "elderly": "Lansia (60 tahun ke atas)",
}


@dataclass
class Composition:
    infants: int = 0
    young_children: int = 0
    school_boys: int = 0
    school_girls: int = 0
    teens: int = 0
    adult_men: int = 0
    adult_women: int = 0
    elderly: int = 0

    @property
    def members(self) -> int:
        return sum(asdict(self).values())

    @property
    def children(self) -> int:
        return (self.infants + self.young_children + self.school_boys + self.school_girls
                + self.teens)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Composition:
        return cls(**{k: int(data.get(k) or 0) for k in COMPOSITION_LABELS})


def propose_package(c: Composition) -> dict[str, int]:
    """Quantities per item for a household; every item listed, zero where it does not fit."""
    if c.members <= 0:
        return {code: 0 for code in ITEMS}
    pairs = ceil(c.members / 2)
    return {
        "tenda_gulung": 1,
        "matras": pairs,
        "daster_dewasa": c.adult_women + c.elderly,
        "selimut_bergaris": c.members - c.infants,
        "seragam_sd_laki": 2 * c.school_boys,
        "seragam_sd_perempuan": 2 * c.school_girls,
        "family_kit": 1,
        "kids_ware": 1 if c.children - c.infants > 0 else 0,
        "food_ware": 1,
        "selimut_woll": c.infants + c.elderly,
        "paket_sandang": 1,
        "paket_lauk_siap_saji": pairs,
        "paket_siap_saji": pairs,
        "peralatan_dapur": 1,
        "air_minum": pairs,
        "kasur": pairs,
        "sandang_bayi": c.infants,
    }
