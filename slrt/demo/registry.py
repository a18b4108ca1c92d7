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
from functools import lru_cache

from slrt.dtks.names import name_key
from slrt.regions.codes import region_names

__all__ = [
    "DISTRICT_CODE",
    "MUARA_BULIAN_2022_07",
    "TOTAL_HOUSEHOLDS",
    "TOTAL_INDIVIDUALS",
    "generate_registry",
    "summary",
]

DISTRICT_CODE = "15.04.03"
_DISTRICT_DIGITS = "150403"

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

_MAX_AGE = 95.0
_YEAR = 365.2425
_KK_FIRST_ISSUE = datetime.date(2005, 1, 1).toordinal()

# --------------------------------------------------------------------------
# Names. Jambi Malay (Melayu Jambi) is the majority; Javanese families, many
# of them descendants of transmigrants, are a sizeable minority. Pools are by
# birth cohort: before 1965, 1965-1989, 1990-2007, 2008 and later.


def _split(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


_MALAY_MALE = (
    _split(
        "Abdul Rahman, Ahmad Yani, Syamsul Bahri, Hasan Basri, Zainal Abidin, Jamaluddin,"
        "Amiruddin, Sulaiman, Ismail, Yusuf, Abdullah, Usman, Ibrahim, Idris, Mahmud, Daud,"
        "Harun, M. Saleh, Ramli, Rusli, Zakaria, Abu Bakar, Hamzah, Bakri, Ja'far,"
        "Abdul Aziz, Marzuki, Tarmizi, Nasir, Yahya, Muhammad Ali, Hasbullah, Kamaruddin,"
        "Nurdin, Abdul Jalil, Hamdan, Kemas Ahmad, Raden Mat, Husin, Muhammad Nur"
    ),
    _split(
        "Ahmad Fauzi, Syamsul Rizal, Rudi Hartono, Zulkarnain, Hendra, Junaidi, Mukhlis,"
        "Ridwan, Firdaus, Herman, Syafrudin, Nasrul, Masri, Samsudin, Khairul Anwar,"
        "Agus Salim, Darmawan, Effendi, Irwan, Joni Iskandar, Erwin, Azhari, Fahmi, Helmi,"
        "Syahrial, Zulkifli, Abdul Halim, Muhammad Yusuf, Ahmad Rifai, Rahmat, Hasanuddin,"
        "Ilyas, Arpan, Sarpani, Muhammad Amin, Abdul Hadi, Sahrul, Zainuddin, Ahmad Sofyan"
    ),
    _split(
        "Muhammad Rizky, Aditya Pratama, Fajar Ramadhan, Dimas Saputra, Reza Maulana,"
        "Rizal Firmansyah, Ilham Akbar, Arif Hidayat, Bayu Setiawan, Andika Putra,"
        "Rahmat Hidayat, Doni Saputra, Yoga Pratama, Randi, Rian Hidayat, Febri Yanto,"
        "Heri Kurniawan, Muhammad Iqbal, Ahmad Syahputra, Wahyu Saputra, Riki Ardiansyah,"
        "Deni Irawan, Angga Saputra, Muhammad Fikri, Ahmad Fadli, Rio Febrian, Hafiz"
    ),
    _split(
        "Muhammad Alfatih, Muhammad Azka, Rafa Alfarizi, Arkan Maulana, Zaki Ramadhan,"
        "Alif Rahman, Farhan Saputra, Muhammad Fadil, Rizky Ananda, Athar Rasyid,"
        "Muhammad Arsyad, Fathan Mubarok, Daffa Pratama, Aqil Ramadhan, Abizar,"
        "Ahmad Zaky, Muhammad Rafif, Gibran Alfarizi, Raihan Akbar, Azam Maulana"
    ),
)
_MALAY_FEMALE = (
    _split(
        "Siti Aminah, Fatimah, Maimunah, Rohana, Zubaidah, Halimah, Salmah, Jamilah, Asmah,"
        "Rosnani, Rosmawati, Nurhayati, Siti Hajar, Khadijah, Saodah, Rahmah, Nursiah,"
        "Mariam, Zaleha, Hasnah, Siti Rahmah, Aminah, Nurbaya, Zainab, Cik Mas"
    ),
    _split(
        "Nurhayati, Rosmawati, Yusnidar, Darmawati, Nurjanah, Sri Wahyuni, Yuliana, Erni,"
        "Eli Suryani, Desi Ratnasari, Herlina, Rina Marlina, Lili Suryani, Nurlela, Yanti,"
        "Rosita, Suryani, Hasanah, Mardiana, Yusnita, Fitriani, Nurmala, Rohaya, Elvi Yanti,"
        "Misnawati, Siti Zubaidah, Nur'aini, Rosdiana, Siti Fatimah, Zuraidah"
    ),
    _split(
        "Putri Ayu, Dewi Lestari, Fitri Handayani, Nurul Hidayah, Siti Nurhaliza,"
        "Nabila Putri, Aulia Rahmah, Annisa Rahmawati, Dinda Permata, Intan Sari,"
        "Yuni Kartika, Wulan Sari, Tiara Anggraini, Rahma Yanti, Lusi Andriani, Megawati,"
        "Novita Sari, Ayu Lestari, Siti Rahmawati, Indah Permata Sari, Melati, Nurul Fadilah"
    ),
    _split(
        "Aisyah Humaira, Zahra Ramadhani, Salsabila, Khairunnisa, Naura Azzahra, Alya Putri,"
        "Nayla Safitri, Azzahra, Keisya Putri, Syifa Aulia, Humaira, Adiba Khanza,"
        "Nadhira, Shafa Azalea, Anindya, Qonita, Aira Putri, Hafizah, Kayla Anjani"
    ),
)
_JAVANESE_MALE = (
    _split(
        "Sugeng, Slamet Riyadi, Suparman, Suyono, Wagiman, Paijo, Sukardi, Sutrisno,"
        "Bambang Sutrisno, Joko Santoso, Sumarno, Tukiman, Parjo, Sarimin, Warsito,"
        "Kasimin, Ngadiman, Suroto, Sudarso, Mujiono"
    ),
    _split(
        "Supriyadi, Edi Susanto, Agus Widodo, Budi Santoso, Eko Prasetyo, Joko Susilo,"
        "Heru Purnomo, Slamet, Sugiyanto, Wahyudi, Purwanto, Mulyono, Suyanto, Triyono,"
        "Bambang Hermanto, Teguh Santoso, Sunardi, Puji Raharjo"
    ),
    _split(
        "Dwi Cahyono, Eko Saputro, Bagus Setiawan, Adi Nugroho, Tri Wibowo, Yoga Pratama,"
        "Rio Aditya, Fajar Nugroho, Dimas Prasetyo, Bayu Aji, Rizky Kurniawan, Agung Prasetyo"
    ),
    _split(
        "Muhammad Rizky, Arkan Maulana, Bima Sakti, Galih Prasetyo, Dafa Aditya,"
        "Muhammad Fatih, Rafa Aditya, Satria Wibowo, Bagas Saputro, Ahmad Zaky"
    ),
)
_JAVANESE_FEMALE = (
    _split(
        "Suparmi, Sukini, Tumini, Warsini, Rukmini, Saminah, Painem, Sarinah, Ngatini,"
        "Suwarni, Tukinem, Kasmini, Marsini, Sumiyati, Sarmi"
    ),
    _split(
        "Sri Wahyuni, Sumiati, Sri Rahayu, Endang Sulistyowati, Tri Wahyuni, Siti Mulyani,"
        "Sri Lestari, Puji Astuti, Yuli Astuti, Sri Mulyati, Rini Susanti, Dwi Astuti,"
        "Suharti, Wartini, Siti Aminah"
    ),
    _split(
        "Dwi Rahayu, Ayu Lestari, Eka Wulandari, Fitri Susanti, Rina Anggraini, Novi Astuti,"
        "Dewi Sartika, Ika Puspitasari, Wulan Dari, Indah Sari, Septi Wulandari"
    ),
    _split(
        "Aisyah Putri, Zahra Ayu, Nayla Anindita, Kirana, Alya Rahmadani, Salsabila,"
        "Keysha Aulia, Naura Putri, Sekar Arum, Azzahra"
    ),
)
_POOLS = {  # (sex, javanese) -> cohort pools
    ("L", False): _MALAY_MALE,
    ("P", False): _MALAY_FEMALE,
    ("L", True): _JAVANESE_MALE,
    ("P", True): _JAVANESE_FEMALE,
}
# First words that do not stand alone as a given name.
_COMPOUND_FIRST = frozenset(
    "Muhammad Ahmad Siti Nur Abdul M. Raden Kemas Abu Cik Sri Dwi Tri Eka".split()
)
# Spelling variants as they show up in registry data.
_VARIANTS = (
    ("Muhammad ", ("Muhamad ", "M. ", "Mhd. ", "Mohammad ", "Muhammat ")),
    ("Siti ", ("St. ", "Sitti ")),
    ("Abdul ", ("Abd. ", "Abdoel ")),
    ("Ahmad ", ("Achmad ", "Akhmad ")),
    ("Nur", ("Noer",)),
)
# Share of Javanese families per village (the rest: Jambi Malay).
_JAVANESE_SHARE = {"15.04.03.1003": 0.55, "15.04.03.1005": 0.3, "15.04.03.2007": 0.3}
_JAVANESE_BIRTHPLACES = _split(
    "Wonogiri, Klaten, Purworejo, Kebumen, Banyumas, Sragen, Boyolali, Ponorogo, Kediri"
)
_OTHER_BIRTHPLACES = _split(
    "Muara Tembesi, Jambi, Sarolangun, Palembang, Padang, Bangko, Muara Bungo, Kuala Tungkal"
)

# Street names for the kelurahan (town) addresses; desa addresses are by RT.
_STREETS = _split(
    "Jl. Jenderal Sudirman, Jl. Gajah Mada, Jl. Sultan Thaha, Jl. Ahmad Yani,"
    "Jl. Gatot Subroto, Jl. Pattimura, Jl. Diponegoro, Jl. Kartini, Jl. Pahlawan,"
    "Jl. Pramuka, Jl. Lintas Jambi-Muara Bulian, Jl. Pelabuhan, Jl. Pasar, Jl. Kemuning,"
    "Jl. Melati, Jl. Kenanga, Jl. Anggrek, Jl. Cempaka, Jl. Mawar, Jl. Hasanuddin,"
    "Jl. Sri Soedewi, Jl. Bukit Sulap"
)
_LORONG = _split("Sepakat, Damai, Bahagia, Keluarga, Mesjid, Amal, Harapan, Bersama, Rukun")
_DUSUN_LOCAL = _split(
    "Ilir, Ulu, Tengah, Talang Duku, Pulau Raman, Sungai Puar, Lubuk Kayu Aro,"
    "Kampung Baru, Pematang, Simpang, Sido Makmur, Rejosari, Karya Bakti, Talang Jernih"
)
_ROMAN = ("I", "II", "III", "IV", "V")
_SIBLING_GAP = 1.3  # years, at least, between siblings who are not twins
_OTHER_ORDER = ("Anak", "Menantu", "Cucu", "Orang Tua", "Famili Lain")
# Share of people whose NIK was first issued in another district, by relationship
# (spouses often married in, children were mostly born here); about 10% overall.
_MOVED_IN = {"Kepala Keluarga": 0.12, "Istri": 0.15, "Suami": 0.15, "Anak": 0.04, "Cucu": 0.04}


# Names repeat a lot: compute each search key once.
_name_key = lru_cache(maxsize=8192)(name_key)


def _cohort(birth_year: int) -> int:
    if birth_year < 1965:
        return 0
    if birth_year < 1990:
        return 1
    if birth_year < 2008:
        return 2
    return 3


def _given(name: str) -> str:
    """The given part of a name: 'Muhammad Rizky' stays, 'Rafa Alfarizi' -> 'Rafa'."""
    words = name.split()
    if len(words) > 1 and words[0] in _COMPOUND_FIRST:
        return words[0] + " " + words[1]
    return words[0]


def _variant(name: str, rng: random.Random) -> str:
    """Occasionally spell a name the way another operator would."""
    if rng.random() >= 0.08:
        return name
    for prefix, alternatives in _VARIANTS:
        if name.startswith(prefix):
            return rng.choice(alternatives) + name[len(prefix):]
    return name


@lru_cache(maxsize=1)
def _other_districts() -> tuple[tuple[str, ...], tuple[float, ...], dict[str, str]]:
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


# --------------------------------------------------------------------------
# Household composition


def _household_sizes(rng: random.Random, people: int, households: int) -> list[int]:
    """`households` sizes in 1..9 that sum to exactly `people`."""
    if not households <= people <= 9 * households:
        raise ValueError(f"cannot split {people} people into {households} households")
    # 1 + Binomial(8, p) with the right mean, then nudge to the exact total.
    p = (people / households - 1.0) / 8.0
    pmf = []
    for k in range(9):
        c = 1
        for j in range(k):
            c = c * (8 - j) // (j + 1)
        pmf.append(c * p**k * (1 - p) ** (8 - k))
    sizes = rng.choices(range(1, 10), weights=pmf, k=households)
    diff = people - sum(sizes)
    while diff:
        i = rng.randrange(households)
        if diff > 0 and sizes[i] < 9:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > 1:
            sizes[i] -= 1
            diff += 1
    return sizes


def _village_layout(rng: random.Random, code: str, households: int):
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
        self.javanese_share = _JAVANESE_SHARE.get(code, 0.15)
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
        key = f"{_DISTRICT_DIGITS}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}"
        return key + self._serial(key)

    # -- people ------------------------------------------------------------

    def pick_name(self, sex: str, age: float, javanese: bool) -> str:
        cohort = _cohort(self.as_of_year - int(age))
        return self.rng.choice(_POOLS[sex, javanese][cohort])

    def origin(self, rel: str) -> str:
        """District prefix of the first registration (NIK)."""
        rng = self.rng
        if rng.random() >= _MOVED_IN.get(rel, 0.25):
            return _DISTRICT_DIGITS
        prefixes, cumulative, _ = _other_districts()
        return rng.choices(prefixes, cum_weights=cumulative)[0]

    def birth_place(self, prefix: str, age: float, javanese: bool) -> str:
        rng = self.rng
        if prefix != _DISTRICT_DIGITS:
            return _other_districts()[2][prefix]
        r = rng.random()
        if javanese and age > 40 and r < 0.5:
            return rng.choice(_JAVANESE_BIRTHPLACES)
        if r < 0.45:
            return "Muara Bulian"
        if r < 0.8:
            return self.name
        if r < 0.88:
            return "Batanghari"
        return rng.choice(_OTHER_BIRTHPLACES)

    def members(self, size: int, javanese: bool) -> list[list]:
        """One household as [relationship, sex, age, name, mother_name], head first.

        Ages are in years (float); mother_name None means "make one up".
        """
        rng = self.rng
        married = size >= 2 and rng.random() < 0.84
        others = size - 1 - (1 if married else 0)

        # Decide the other members first: they constrain the head's age.
        kinds: list[str] = []
        for _ in range(others):
            r = rng.random()
            if r < 0.06:
                kinds.append("Orang Tua")
            elif r < 0.14:
                kinds.append("Cucu")
            elif r < 0.17:
                kinds.append("Famili Lain")
            elif r < 0.19:
                kinds.append("Menantu")
            else:
                kinds.append("Anak")
        if "Menantu" in kinds:  # at most one, and only next to a grown child
            kinds = ["Anak" if k == "Menantu" else k for k in kinds]
            if kinds.count("Anak") >= 2:
                kinds[-1 - kinds[::-1].index("Anak")] = "Menantu"
        n_children = kinds.count("Anak")
        has_grandchild = "Cucu" in kinds or "Menantu" in kinds
        has_parent = "Orang Tua" in kinds
        need = 19.0 + 1.5 * n_children  # mother 18+ at first birth, then ~1.5 years apart

        # Head and spouse.
        if size == 1:
            if rng.random() < 0.6:  # widows and widowers living alone
                head_age = rng.uniform(55.0, 85.0)
                head_sex = "P" if rng.random() < 0.6 else "L"
            else:
                head_age = rng.uniform(20.0, 50.0)
                head_sex = "P" if rng.random() < 0.35 else "L"
        else:
            head_age = rng.triangular(21.0, 85.0, 40.0)
            if married:
                head_sex = "P" if rng.random() < 0.02 else "L"
            else:
                head_sex = "P" if rng.random() < 0.7 else "L"
        if has_grandchild and has_parent:
            head_age = rng.uniform(46.0, 58.0)
        elif has_grandchild:
            head_age = max(head_age, rng.uniform(46.0, 72.0))
        elif has_parent:
            head_age = min(head_age, rng.uniform(22.0, 58.0))

        if married:
            gap = max(-3.0, min(10.0, rng.gauss(4.0, 3.5)))  # husband older by `gap`
            if head_sex == "L":
                husband_age, wife_age = head_age, head_age - gap
            else:
                wife_age, husband_age = head_age, head_age + gap
            floor = need if n_children else 20.0
            if min(wife_age, husband_age) < floor:
                shift = floor - min(wife_age, husband_age) + rng.uniform(0.0, 6.0)
                wife_age += shift
                husband_age += shift
            if max(wife_age, husband_age) > 85.0:
                shift = max(wife_age, husband_age) - 85.0
                wife_age -= shift
                husband_age -= shift
            head_age = husband_age if head_sex == "L" else wife_age
            mother_age = wife_age
        else:
            if n_children and head_age < need:
                head_age = need + rng.uniform(0.0, 6.0)
            head_age = max(20.0, min(85.0, head_age))
            if head_sex == "P":
                mother_age = head_age
            else:
                mother_age = max(need, head_age - rng.uniform(0.0, 8.0))
            husband_age = wife_age = head_age

        head_name = self.pick_name(head_sex, head_age, javanese)
        members: list[list] = [["Kepala Keluarga", head_sex, head_age, head_name, None]]
        wife_name = head_name if head_sex == "P" else None
        father_name = head_name if head_sex == "L" else None
        if married:
            if head_sex == "L":
                wife_name = self.pick_name("P", wife_age, javanese)
                members.append(["Istri", "P", wife_age, wife_name, None])
            else:
                father_name = self.pick_name("L", husband_age, javanese)
                members.append(["Suami", "L", husband_age, father_name, None])
        # The children's mother; made up when she is not in the household.
        mother_name = wife_name or self.pick_name("P", mother_age, javanese)

        # Children: born while the mother was 18-45 and at least 17 years after
        # both parents, about 1.3+ years apart (now and then twins); grown
        # children living at home get rarer with age.
        if n_children:
            youngest_parent = min(wife_age, husband_age, head_age, mother_age)
            span = _SIBLING_GAP * (n_children - 1)
            lo = max(0.0, mother_age - 45.0)
            hi = min(youngest_parent - 17.2, max(lo + span + 1.0, rng.uniform(18.0, 40.0)))
            base = sorted(rng.uniform(lo, hi - span) for _ in range(n_children))
            ages = [age + _SIBLING_GAP * i for i, age in enumerate(base)]
            if n_children >= 2 and rng.random() < 0.03:
                ages[1] = ages[0]  # twins
            ages.reverse()  # the oldest first, as on the family card
            # Siblings often share a pattern: the father's last name, or Saputra/Saputri.
            suffix = None
            style = rng.random()
            if style < 0.2 and father_name and " " in father_name:
                last = father_name.split()[-1]
                if last not in _COMPOUND_FIRST and not last.endswith("."):
                    suffix = last
            elif style < 0.35:
                suffix = ""
            used = {m[3] for m in members}
            for age in ages:
                sex = "L" if rng.random() < 0.51 else "P"
                for _ in range(6):  # siblings do not share a name
                    name = self.pick_name(sex, age, javanese)
                    if suffix is not None:
                        given = _given(name)
                        tail = suffix or ("Saputra" if sex == "L" else "Saputri")
                        if not given.endswith(tail):
                            name = f"{given} {tail}"
                    if name not in used:
                        break
                used.add(name)
                members.append(["Anak", sex, age, name, mother_name])

        # Other members, in family-card order: a son- or daughter-in-law (married
        # to the oldest child), grandchildren, parents, other relatives.
        children = members[-n_children:] if n_children else []
        couple = None  # (oldest child, in-law) when a young couple lives here
        for kind in sorted(kinds, key=_OTHER_ORDER.index):
            if kind == "Anak":
                continue
            if kind == "Menantu" and (not children or children[0][2] < 19.0):
                kind = "Famili Lain"
            if kind == "Cucu" and head_age < 40.0:
                kind = "Famili Lain"
            if kind == "Orang Tua" and head_age > _MAX_AGE - 18.5:
                kind = "Famili Lain"
            if kind == "Menantu":
                partner = children[0]
                age = max(19.0, min(partner[2] + rng.uniform(-4.0, 6.0), head_age - 18.0))
                sex = "P" if partner[1] == "L" else "L"
                in_law = [kind, sex, age, self.pick_name(sex, age, javanese), None]
                members.append(in_law)
                couple = (partner, in_law)
            elif kind == "Cucu":
                top = min(18.0, head_age - 36.5)
                mother = None
                if couple is not None:  # the young couple's child
                    top = min(top, couple[0][2] - 18.0, couple[1][2] - 18.0)
                    mother = couple[0][3] if couple[0][1] == "P" else couple[1][3]
                age = rng.triangular(0.0, max(top, 0.5), 0.0)  # mostly small children
                if mother is None:  # a daughter's child, or of a child living elsewhere
                    mother = next(
                        (c[3] for c in children if c[1] == "P" and c[2] >= age + 18.0), None
                    )
                if mother is None:  # a mother living elsewhere: not named like anyone here
                    names = {m[3] for m in members}
                    for _ in range(6):
                        mother = self.pick_name("P", age + 25.0, javanese)
                        if mother not in names:
                            break
                sex = "L" if rng.random() < 0.51 else "P"
                members.append([kind, sex, age, self.pick_name(sex, age, javanese), mother])
            elif kind == "Orang Tua":
                age = min(_MAX_AGE, head_age + rng.uniform(18.5, 34.0))
                sex = "P" if rng.random() < 0.75 else "L"
                rel = "Mertua" if married and rng.random() < 0.35 else "Orang Tua"
                members.append([rel, sex, age, self.pick_name(sex, age, javanese), None])
            else:  # Famili Lain: nephews, nieces, siblings
                age = rng.uniform(3.0, min(70.0, head_age + 10.0))
                sex = "L" if rng.random() < 0.5 else "P"
                members.append([kind, sex, age, self.pick_name(sex, age, javanese), None])
        return members

    # -- rows ---------------------------------------------------------------

    def rows(self, period: str) -> Iterator[dict]:
        rng = self.rng
        sizes = _household_sizes(rng, self.people, self.households)
        layout = _village_layout(rng, self.code, self.households)
        as_of_ord = self.as_of_ord
        decile_rng = self.decile_rng
        street_count = rng.randint(4, 9)
        streets = rng.sample(_STREETS, street_count) if self.kelurahan else []

        for hh_no, (size, (dusun, rw, rt)) in enumerate(zip(sizes, layout, strict=True), 1):
            javanese = rng.random() < self.javanese_share
            members = self.members(size, javanese)

            # Birth dates (never after as_of, never more than _MAX_AGE years ago).
            births = []
            ages = []
            for m in members:
                days = _age_days(min(m[2], _MAX_AGE))
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

            if self.kelurahan:
                street = streets[int(rt) % street_count]
                if rng.random() < 0.35:
                    address = f"{street} Lrg. {rng.choice(_LORONG)}"
                else:
                    address = f"{street} No. {rng.randint(1, 120)}"
            else:
                r = rng.random()
                if r < 0.7:
                    address = f"RT {rt}"
                elif r < 0.85:
                    address = f"Jl. Poros Desa {self.name} RT {rt}"
                else:
                    address = f"Lrg. {rng.choice(_LORONG)} RT {rt}"

            for member_no, (m, born, age) in enumerate(zip(members, births, ages, strict=True), 1):
                rel, sex, _, name, mother = m
                birth = datetime.date.fromordinal(born)
                prefix = self.origin(rel)
                name = _variant(name, rng)
                if mother is None:
                    mother = self.pick_name("P", age + 25.0, javanese)
                mother = _variant(mother, rng)
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
                    "name_key": _name_key(name),
                    "birth_place": self.birth_place(prefix, age, javanese),
                    "birth_date": birth,
                    "sex": sex,
                    "relationship_to_head": rel,
                    "mother_name": mother,
                    "address": address,
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
