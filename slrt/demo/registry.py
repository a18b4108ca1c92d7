"""A deterministic, realistic demo DTKS registry for Kecamatan Muara Bulian.

The registry covers the 21 villages (5 kelurahan, 16 desa) of Kecamatan
Muara Bulian, Kabupaten Batanghari, Provinsi Jambi (district 15.04.03), with
exactly the number of individuals and households (distinct No KK) of the
July 2022 DTKS snapshot, see ``MUARA_BULIAN_2022_07``. Everything else
(names, dates, family make-up, NIK and No KK, program flags) is invented.

Usage::

    from sqlalchemy import insert
    from slrt.dtks.models import RegistryRecord
    from slrt.demo.registry import generate_registry

    db.session.execute(insert(RegistryRecord), list(generate_registry()))

Every yielded dict uses RegistryRecord attribute names (``relationship_to_head``,
not the column name ``relationship``), so it fits an ORM bulk insert as is.

Determinism: each village has its own random generator, seeded from
``(seed, village_code)``, and its own share of the NIK / No KK serial space:
for each 12-digit region+date key, serial = 21 * n + (position + key) mod 21
+ 1, n = 0, 1, ... So a run restricted to a few villages yields exactly the
rows of the full run for those villages, and NIKs and No KKs stay unique
across the whole registry (no No KK equals a NIK either), whichever villages
are generated together.

Names are in slrt.demo.names, places (layout, addresses, birthplaces, the
districts a NIK may come from) in slrt.demo.places, household make-up in
slrt.demo.households; this module numbers the people and writes the rows.

Identity numbers round-trip through ``slrt.identity``:

* NIK = district of first registration (mostly 150403, about one in ten from
  another district of Provinsi Jambi, taken from ``region_names()``) +
  DDMMYY of birth (day + 40 for women) + serial 0001-9999.
* No KK = 150403 + DDMMYY issue date (between 2005 and ``as_of``, never
  before the birth of the youngest member) + serial 0001-9999.

The century rule of ``parse_nik`` reads YY as 20YY unless that date lies after
``today``, then 19YY. A person born on or before the same day 100 years before
``as_of`` (e.g. 1922-07-31 for as_of 2022-07-31) would therefore parse as a
baby born in 2022. The generator never produces anyone older than 95 years,
so every NIK parses back to the generated birth date and sex; ``as_of`` must
lie in 2006-2099 for the same reason (and for the 2005+ No KK issue dates).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Iterator, Mapping

from slrt.demo.households import MAX_AGE, household_sizes, members
from slrt.demo.names import JAVANESE_SHARE, pick_name, search_key, spelling_variant
from slrt.demo.places import (
    DISTRICT_CODE,
    DISTRICT_DIGITS,
    address,
    birth_place,
    origin,
    village_layout,
    village_streets,
)

__all__ = [
    "DISTRICT_CODE",
    "MUARA_BULIAN_2022_07",
    "TOTAL_HOUSEHOLDS",
    "TOTAL_INDIVIDUALS",
    "generate_registry",
    "summary",
]

# (village code, village name, individuals, households) of the July 2022 DTKS
# snapshot for Kecamatan Muara Bulian, in Kemendagri code order. Codes 1xxx
# are kelurahan, 2xxx are desa.
MUARA_BULIAN_2022_07: list[tuple[str, str, int, int]] = [
    ("15.04.03.1001", "Muara Bulian", 3852, 1275),
    ("15.04.03.1002", "Teratai", 2574, 855),
    ("15.04.03.1003", "Sridadi", 3142, 1025),
    ("15.04.03.1004", "Pasar Baru", 1851, 553),
    ("15.04.03.1005", "Rengas Condong", 3121, 1032),
    ("15.04.03.2006", "Pasar Terusan", 1579, 513),
    ("15.04.03.2007", "Simpang Terusan", 1734, 530),
    ("15.04.03.2008", "Malapari", 1262, 411),
    ("15.04.03.2009", "Napal Sisik", 584, 183),
    ("15.04.03.2010", "Rambahan", 766, 218),
    ("15.04.03.2011", "Olak", 914, 309),
    ("15.04.03.2012", "Muaro Singoan", 965, 324),
    ("15.04.03.2013", "Aro", 1231, 430),
    ("15.04.03.2014", "Rantau Puri", 1037, 373),
    ("15.04.03.2015", "Sungai Baung", 2141, 666),
    ("15.04.03.2016", "Bajubang Laut", 1367, 420),
    ("15.04.03.2017", "Singkawang", 915, 286),
    ("15.04.03.2018", "Tenam", 1449, 459),
    ("15.04.03.2019", "Sungai Buluh", 1727, 560),
    ("15.04.03.2020", "Kilangan", 1204, 395),
    ("15.04.03.2021", "Pelayangan", 544, 176),
]

TOTAL_INDIVIDUALS = sum(v[2] for v in MUARA_BULIAN_2022_07)  # 33,959
TOTAL_HOUSEHOLDS = sum(v[3] for v in MUARA_BULIAN_2022_07)  # 10,993

_VILLAGE_INDEX = {v[0]: i for i, v in enumerate(MUARA_BULIAN_2022_07)}
_STRIDE = len(MUARA_BULIAN_2022_07)  # serial interleaving, see module docstring

_YEAR = 365.2425
_KK_FIRST_ISSUE = datetime.date(2005, 1, 1).toordinal()


def _age_days(age: float) -> int:
    return int(age * _YEAR)


class _Village:
    """Generator state for one village."""

    def __init__(self, seed: int, index: int, as_of: datetime.date, deciles: bool):
        code, name, people, households = MUARA_BULIAN_2022_07[index]
        self.code = code
        self.name = name
        self.digits = code.replace(".", "")
        self.index = index
        self.people = people
        self.households = households
        self.as_of_ord = as_of.toordinal()
        self.as_of_year = as_of.year
        # Seeded on purpose (the same demo registry every time); nothing secret.
        self.rng = random.Random(f"slrt-demo-dtks:{seed}:{code}")  # noqa: S311
        # A separate stream, so that asking for deciles changes nothing else.
        self.decile_rng = (random.Random(f"slrt-demo-dtks-decile:{seed}:{code}")  # noqa: S311
                           if deciles else None)
        self.kelurahan = code[9] == "1"
        self.javanese_share = JAVANESE_SHARE.get(code, 0.15)
        # Serials handed out per 12-digit region+date key. NIK and No KK share
        # it, so that no No KK is ever equal to a NIK.
        self.counter: dict[str, int] = {}

    # -- numbers -----------------------------------------------------------

    def _serial(self, key: str) -> str:
        n = self.counter.get(key, 0)
        self.counter[key] = n + 1
        # Every village owns one residue class modulo 21 per key; which one
        # depends on the key, so that serials do not all end alike.
        serial = n * _STRIDE + (self.index + int(key)) % _STRIDE + 1
        if serial > 9999:  # pragma: no cover - needs > 470 people per birth date
            raise RuntimeError(f"serials exhausted for {key}")
        return f"{serial:04d}"

    def nik(self, prefix: str, birth: datetime.date, sex: str) -> str:
        day = birth.day + 40 if sex == "P" else birth.day
        key = f"{prefix}{day:02d}{birth.month:02d}{birth.year % 100:02d}"
        return key + self._serial(key)

    def no_kk(self, issued: datetime.date) -> str:
        key = f"{DISTRICT_DIGITS}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}"
        return key + self._serial(key)

    # -- people ------------------------------------------------------------

    def pick_name(self, sex: str, age: float, javanese: bool) -> str:
        return pick_name(self.rng, sex, self.as_of_year - int(age), javanese)

    # -- rows ---------------------------------------------------------------

    def rows(self, period: str) -> Iterator[dict]:
        rng = self.rng
        sizes = household_sizes(rng, self.people, self.households)
        layout = village_layout(rng, self.code, self.households)
        as_of_ord = self.as_of_ord
        decile_rng = self.decile_rng
        streets = village_streets(rng, self.kelurahan)

        for hh_no, (size, (dusun, rw, rt)) in enumerate(zip(sizes, layout, strict=True), 1):
            javanese = rng.random() < self.javanese_share
            people = members(rng, size, javanese, self.pick_name)

            # Birth dates (never after as_of, never more than MAX_AGE years ago).
            births = []
            ages = []
            for m in people:
                days = _age_days(min(m[2], MAX_AGE))
                ages.append(days / _YEAR)
                births.append(as_of_ord - days)
            # The card was (re)issued after the birth of its youngest member.
            lo = max(_KK_FIRST_ISSUE, max(births))
            issued = datetime.date.fromordinal(
                lo + int((as_of_ord - lo) * rng.random() ** 0.6)
            )
            no_kk = self.no_kk(issued)

            # Household-level programs.
            eligible = any(a < 18.0 or a >= 60.0 for a in ages)
            pkh = rng.random() < (0.30 if eligible else 0.07)
            bpnt = rng.random() < (0.85 if pkh else 0.26)
            pbi_household = rng.random() < 0.71
            blt_dd = (not self.kelurahan and not pkh and not bpnt and rng.random() < 0.08)
            decile = None
            if decile_rng is not None:
                weights = (30, 25, 18, 12, 6, 4, 2, 1.5, 1, 0.5) if not pkh else (
                    45, 30, 15, 6, 2, 1, 0.5, 0.3, 0.1, 0.1)
                decile = decile_rng.choices(range(1, 11), weights=weights)[0]

            home = address(rng, streets, self.name, rt)

            for member_no, (m, born, age) in enumerate(zip(people, births, ages, strict=True), 1):
                rel, sex, _, name, mother = m
                birth = datetime.date.fromordinal(born)
                prefix = origin(rng, rel)
                name = spelling_variant(name, rng)
                if mother is None:
                    mother = self.pick_name("P", age + 25.0, javanese)
                mother = spelling_variant(mother, rng)
                r = rng.random()
                padan = True if r < 0.95 else (False if r < 0.99 else None)
                pbi = pbi_household if rng.random() >= 0.05 else not pbi_household
                programs = []
                if blt_dd:
                    programs.append("BLT-DD")
                if rel in ("Anak", "Cucu") and 6.0 <= age < 19.0 and (
                    rng.random() < (0.45 if pkh else 0.06)
                ):
                    programs.append("PIP")
                yield {
                    "registry_id": f"{self.digits}{hh_no:05d}{member_no:02d}",
                    "source": "DTKS",
                    "period": period,
                    "nik": self.nik(prefix, birth, sex),
                    "no_kk": no_kk,
                    "name": name,
                    "name_key": search_key(name),
                    "birth_place": birth_place(rng, prefix, age, javanese, self.name),
                    "birth_date": birth,
                    "sex": sex,
                    "relationship_to_head": rel,
                    "mother_name": mother,
                    "address": home,
                    "dusun": dusun,
                    "rt": rt,
                    "rw": rw,
                    "village_code": self.code,
                    "padan": padan,
                    "decile": decile,
                    "pkh": pkh,
                    "bpnt": bpnt,
                    "pbi": pbi,
                    "other_programs": ", ".join(programs),
                    "is_active": True,
                }


# --------------------------------------------------------------------------
# Public API


def generate_registry(
    *,
    period: str = "2022-07",
    seed: int = 2022,
    villages: Iterable[str] | None = None,
    as_of: datetime.date = datetime.date(2022, 7, 31),
    deciles: bool = False,
) -> Iterator[dict]:
    """Yield one RegistryRecord row dict per person, village by village.

    `villages` restricts the output to some village codes (dotted, e.g.
    "15.04.03.2013"); their rows are identical to those of a full run. Rows
    come in village code order, households in RT order, the head first.
    `as_of` is the snapshot date: nobody is born after it and every NIK and
    No KK parses with ``today=as_of``. DTKS carried no welfare decile, so
    ``decile`` is None unless `deciles` is true (then 1-10 per household,
    mostly 1-4; the other fields stay the same).
    """
    if len(period) != 7 or period[4] != "-" or not (period[:4] + period[5:]).isascii() or not (period[:4] + period[5:]).isdigit():
        raise ValueError(f"period must look like YYYY-MM, not {period!r}")
    if not 2006 <= as_of.year <= 2099:
        raise ValueError("as_of must lie in 2006-2099 (century rule of NIK dates)")
    if isinstance(villages, str):
        villages = [villages]
    if villages is None:
        indexes = range(len(MUARA_BULIAN_2022_07))
    else:
        wanted = set(villages)
        unknown = wanted - _VILLAGE_INDEX.keys()
        if unknown:
            raise ValueError(f"not a village of Kecamatan Muara Bulian: {sorted(unknown)}")
        indexes = sorted(_VILLAGE_INDEX[c] for c in wanted)
    for index in indexes:
        yield from _Village(seed, index, as_of, deciles).rows(period)


def summary(rows: Iterable[Mapping] | None = None) -> dict[str, tuple[int, int]]:
    """village_code -> (individuals, households).

    Without `rows`: the July 2022 figures of ``MUARA_BULIAN_2022_07``. With
    `rows` (e.g. the output of generate_registry()): counted from them,
    households being distinct No KK.
    """
    if rows is None:
        return {code: (people, hh) for code, _, people, hh in MUARA_BULIAN_2022_07}
    people: dict[str, int] = {}
    cards: dict[str, set[str]] = {}
    for row in rows:
        code = row["village_code"]
        people[code] = people.get(code, 0) + 1
        cards.setdefault(code, set()).add(row["no_kk"])
    return {code: (people[code], len(cards[code])) for code in sorted(people)}
