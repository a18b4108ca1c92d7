"""Disaster aid matched to the household (the Batang Hari goods list, seed Table 1.3).

A household's composition proposes a package: no school uniforms or kids'
items without children, baby clothing only with an infant. The handler
adjusts the quantities and records what was handed over.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from math import ceil

from flask_babel import lazy_gettext as _l

# code, name, unit: the goods catalog of the Dinas Sosial's disaster section.
AID_ITEMS = [
    ("tenda_gulung", _l("Tenda gulung"), _l("lembar")),
    ("matras", _l("Matras"), _l("lembar")),
    ("daster_dewasa", _l("Daster dewasa"), _l("potong")),
    ("selimut_bergaris", _l("Selimut bergaris"), _l("potong")),
    ("seragam_sd_laki", _l("Seragam SD laki-laki"), _l("potong")),
    ("seragam_sd_perempuan", _l("Seragam SD perempuan"), _l("potong")),
    ("family_kit", _l("Paket perlengkapan keluarga"), _l("paket")),
    ("kids_ware", _l("Paket perlengkapan anak"), _l("paket")),
    ("food_ware", _l("Paket perlengkapan makan"), _l("paket")),
    ("selimut_woll", _l("Selimut woll"), _l("lembar")),
    ("paket_sandang", _l("Paket sandang"), _l("paket")),
    ("paket_lauk_siap_saji", _l("Paket lauk siap saji"), _l("paket")),
    ("paket_siap_saji", _l("Paket siap saji"), _l("paket")),
    ("peralatan_dapur", _l("Peralatan dapur keluarga"), _l("paket")),
    ("air_minum", _l("Air minum kemasan"), _l("dus")),
    ("kasur", _l("Kasur"), _l("unit")),
    ("sandang_bayi", _l("Sandang bayi"), _l("paket")),
]
ITEMS = {code: (name, unit) for code, name, unit in AID_ITEMS}
# The names the goods had before they were worded in Indonesian, as they are
# written on earlier handovers: shown with today's name.
FORMER_NAMES = {"Family kit": "family_kit", "Kids ware": "kids_ware",
                "Food ware": "food_ware"}


def item_name(code: str | None, written: str) -> str:
    """The name of a good as shown today, from its code (or its old name)."""
    code = code if code in ITEMS else FORMER_NAMES.get(written)
    return str(ITEMS[code][0]) if code else written


def quantity_text(quantity: int, unit: str, name: str) -> str:
    """"2 lembar matras", "1 paket sandang" (never "1 paket paket sandang")."""
    from slrt.common.time import format_number_id

    name = name.lower()
    if unit and name.split(" ", 1)[0] == unit.lower():
        return f"{format_number_id(quantity)} {name}"
    return f"{format_number_id(quantity)} {unit} {name}".replace("  ", " ")

COMPOSITION_LABELS = {
    "infants": _l("Bayi (0-2 tahun)"),
    "young_children": _l("Anak balita dan pra-sekolah (3-6 tahun)"),
    "school_boys": _l("Anak laki-laki usia SD (7-12 tahun)"),
    "school_girls": _l("Anak perempuan usia SD (7-12 tahun)"),
    "teens": _l("Remaja (13-17 tahun)"),
    "adult_men": _l("Laki-laki dewasa (18-59 tahun)"),
    "adult_women": _l("Perempuan dewasa (18-59 tahun)"),
    "elderly": _l("Lansia (60 tahun ke atas)"),
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
