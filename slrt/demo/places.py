"""The places of the demo registry (slrt.demo.registry): the villages' dusun,
RW and RT, addresses, birthplaces, and the other districts of Provinsi Jambi
a resident's NIK may have been first issued in."""

from __future__ import annotations

import random
from functools import lru_cache

from slrt.demo.names import split_list
from slrt.regions.codes import region_names

DISTRICT_CODE = "15.04.03"
DISTRICT_DIGITS = "150403"

JAVANESE_BIRTHPLACES = split_list(
    "Wonogiri, Klaten, Purworejo, Kebumen, Banyumas, Sragen, Boyolali, Ponorogo, Kediri"
)
OTHER_BIRTHPLACES = split_list(
    "Muara Tembesi, Jambi, Sarolangun, Palembang, Padang, Bangko, Muara Bungo, Kuala Tungkal"
)

# Street names for the kelurahan (town) addresses; desa addresses are by RT.
_STREETS = split_list(
    "Jl. Jenderal Sudirman, Jl. Gajah Mada, Jl. Sultan Thaha, Jl. Ahmad Yani,"
    "Jl. Gatot Subroto, Jl. Pattimura, Jl. Diponegoro, Jl. Kartini, Jl. Pahlawan,"
    "Jl. Pramuka, Jl. Lintas Jambi-Muara Bulian, Jl. Pelabuhan, Jl. Pasar, Jl. Kemuning,"
    "Jl. Melati, Jl. Kenanga, Jl. Anggrek, Jl. Cempaka, Jl. Mawar, Jl. Hasanuddin,"
    "Jl. Sri Soedewi, Jl. Bukit Sulap"
)
_LORONG = split_list("Sepakat, Damai, Bahagia, Keluarga, Mesjid, Amal, Harapan, Bersama, Rukun")
_DUSUN_LOCAL = split_list(
    "Ilir, Ulu, Tengah, Talang Duku, Pulau Raman, Sungai Puar, Lubuk Kayu Aro,"
    "Kampung Baru, Pematang, Simpang, Sido Makmur, Rejosari, Karya Bakti, Talang Jernih"
)
_ROMAN = ("I", "II", "III", "IV", "V")
# Share of people whose NIK was first issued in another district, by relationship
# (spouses often married in, children were mostly born here); about 10% overall.
MOVED_IN = {"Kepala Keluarga": 0.12, "Istri": 0.15, "Suami": 0.15, "Anak": 0.04, "Cucu": 0.04}


@lru_cache(maxsize=1)
def other_districts() -> tuple[tuple[str, ...], tuple[float, ...], dict[str, str]]:
    """Other districts of Provinsi Jambi a NIK may come from, weighted.

    Nearby districts (the rest of Batanghari, Kota Jambi, Muaro Jambi) are
    more likely. Returns (digit prefixes, cumulative weights, prefix -> place).
    """
    names = region_names()
    prefixes: list[str] = []
    weights: list[float] = []
    places: dict[str, str] = {}
    for code in sorted(names):
        if code.count(".") != 2 or not code.startswith("15.") or code == DISTRICT_CODE:
            continue
        regency = code[:5]
        weight = {"15.04": 4.0, "15.71": 3.0, "15.05": 2.0, "15.03": 1.0, "15.02": 1.0}.get(
            regency, 0.5
        )
        digits = code.replace(".", "")
        prefixes.append(digits)
        weights.append(weight)
        # Kota Jambi residents write "Jambi"; elsewhere the district's town.
        places[digits] = "Jambi" if regency == "15.71" else names[code]
    cumulative: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    return tuple(prefixes), tuple(cumulative), places


def village_layout(rng: random.Random, code: str, households: int):
    """Return a list of (dusun, rw, rt) of length `households`, in RT order."""
    kelurahan = code[9] == "1"
    n_rt = min(30, max(4, round(households / 45)))
    if kelurahan:
        # Kelurahan are organised in RW and RT; they have no dusun.
        n_group = min(5, max(2, n_rt // 5))
        group_names = [""] * n_group
    else:
        n_group = min(5, max(2, n_rt // 3))
        if rng.random() < 0.5:
            group_names = [f"Dusun {_ROMAN[i]}" for i in range(n_group)]
        else:
            group_names = [f"Dusun {n}" for n in rng.sample(_DUSUN_LOCAL, n_group)]
    slots = []
    for rt in range(n_rt):
        group = rt * n_group // n_rt
        slots.append((group_names[group], f"{group + 1:03d}", f"{rt + 1:03d}"))
    # Households spread over RTs (RTs differ somewhat in size).
    weights = [0.6 + rng.random() for _ in range(n_rt)]
    total = sum(weights)
    layout = []
    start = 0.0
    for slot, w in zip(slots, weights, strict=True):
        end = start + w / total * households
        layout.extend([slot] * (round(end) - round(start)))
        start = end
    return layout



def origin(rng: random.Random, relationship: str) -> str:
    """District prefix (digits) of a person's first registration (NIK)."""
    if rng.random() >= MOVED_IN.get(relationship, 0.25):
        return DISTRICT_DIGITS
    prefixes, cumulative, _ = other_districts()
    return rng.choices(prefixes, cum_weights=cumulative)[0]


def birth_place(rng: random.Random, prefix: str, age: float, javanese: bool,
                village_name: str) -> str:
    if prefix != DISTRICT_DIGITS:
        return other_districts()[2][prefix]
    r = rng.random()
    if javanese and age > 40 and r < 0.5:
        return rng.choice(JAVANESE_BIRTHPLACES)
    if r < 0.45:
        return "Muara Bulian"
    if r < 0.8:
        return village_name
    if r < 0.88:
        return "Batanghari"
    return rng.choice(OTHER_BIRTHPLACES)


def village_streets(rng: random.Random, kelurahan: bool) -> list[str]:
    """The streets of a kelurahan's addresses (4 to 9); a desa's are by RT."""
    street_count = rng.randint(4, 9)
    return rng.sample(_STREETS, street_count) if kelurahan else []


def address(rng: random.Random, streets: list[str], village_name: str, rt: str) -> str:
    """A household's address: on one of `streets` in a kelurahan, by RT in a desa."""
    if streets:
        street = streets[int(rt) % len(streets)]
        if rng.random() < 0.35:
            return f"{street} Lrg. {rng.choice(_LORONG)}"
        return f"{street} No. {rng.randint(1, 120)}"
    r = rng.random()
    if r < 0.7:
        return f"RT {rt}"
    if r < 0.85:
        return f"Jl. Poros Desa {village_name} RT {rt}"
    return f"Lrg. {rng.choice(_LORONG)} RT {rt}"
