"""The names of the demo registry (slrt.demo.registry).

Jambi Malay (Melayu Jambi) is the majority; Javanese families, many of them
descendants of transmigrants, are a sizeable minority. Pools are by birth
cohort: before 1965, 1965-1989, 1990-2007, 2008 and later. Names are spelled
now and then the way another operator would, as in registry data.
"""

from __future__ import annotations

import random
from functools import lru_cache

from slrt.dtks.names import name_key


def split_list(text: str) -> tuple[str, ...]:
    """'a, b,c' -> ('a', 'b', 'c')."""
    return tuple(n.strip() for n in text.split(",") if n.strip())


_MALAY_MALE = (
    split_list(
        "Abdul Rahman, Ahmad Yani, Syamsul Bahri, Hasan Basri, Zainal Abidin, Jamaluddin,"
        "Amiruddin, Sulaiman, Ismail, Yusuf, Abdullah, Usman, Ibrahim, Idris, Mahmud, Daud,"
        "Harun, M. Saleh, Ramli, Rusli, Zakaria, Abu Bakar, Hamzah, Bakri, Ja'far,"
        "Abdul Aziz, Marzuki, Tarmizi, Nasir, Yahya, Muhammad Ali, Hasbullah, Kamaruddin,"
        "Nurdin, Abdul Jalil, Hamdan, Kemas Ahmad, Raden Mat, Husin, Muhammad Nur"
    ),
    split_list(
        "Ahmad Fauzi, Syamsul Rizal, Rudi Hartono, Zulkarnain, Hendra, Junaidi, Mukhlis,"
        "Ridwan, Firdaus, Herman, Syafrudin, Nasrul, Masri, Samsudin, Khairul Anwar,"
        "Agus Salim, Darmawan, Effendi, Irwan, Joni Iskandar, Erwin, Azhari, Fahmi, Helmi,"
        "Syahrial, Zulkifli, Abdul Halim, Muhammad Yusuf, Ahmad Rifai, Rahmat, Hasanuddin,"
        "Ilyas, Arpan, Sarpani, Muhammad Amin, Abdul Hadi, Sahrul, Zainuddin, Ahmad Sofyan"
    ),
    split_list(
        "Muhammad Rizky, Aditya Pratama, Fajar Ramadhan, Dimas Saputra, Reza Maulana,"
        "Rizal Firmansyah, Ilham Akbar, Arif Hidayat, Bayu Setiawan, Andika Putra,"
        "Rahmat Hidayat, Doni Saputra, Yoga Pratama, Randi, Rian Hidayat, Febri Yanto,"
        "Heri Kurniawan, Muhammad Iqbal, Ahmad Syahputra, Wahyu Saputra, Riki Ardiansyah,"
        "Deni Irawan, Angga Saputra, Muhammad Fikri, Ahmad Fadli, Rio Febrian, Hafiz"
    ),
    split_list(
        "Muhammad Alfatih, Muhammad Azka, Rafa Alfarizi, Arkan Maulana, Zaki Ramadhan,"
        "Alif Rahman, Farhan Saputra, Muhammad Fadil, Rizky Ananda, Athar Rasyid,"
        "Muhammad Arsyad, Fathan Mubarok, Daffa Pratama, Aqil Ramadhan, Abizar,"
        "Ahmad Zaky, Muhammad Rafif, Gibran Alfarizi, Raihan Akbar, Azam Maulana"
    ),
)
_MALAY_FEMALE = (
    split_list(
        "Siti Aminah, Fatimah, Maimunah, Rohana, Zubaidah, Halimah, Salmah, Jamilah, Asmah,"
        "Rosnani, Rosmawati, Nurhayati, Siti Hajar, Khadijah, Saodah, Rahmah, Nursiah,"
        "Mariam, Zaleha, Hasnah, Siti Rahmah, Aminah, Nurbaya, Zainab, Cik Mas"
    ),
    split_list(
        "Nurhayati, Rosmawati, Yusnidar, Darmawati, Nurjanah, Sri Wahyuni, Yuliana, Erni,"
        "Eli Suryani, Desi Ratnasari, Herlina, Rina Marlina, Lili Suryani, Nurlela, Yanti,"
        "Rosita, Suryani, Hasanah, Mardiana, Yusnita, Fitriani, Nurmala, Rohaya, Elvi Yanti,"
        "Misnawati, Siti Zubaidah, Nur'aini, Rosdiana, Siti Fatimah, Zuraidah"
    ),
    split_list(
        "Putri Ayu, Dewi Lestari, Fitri Handayani, Nurul Hidayah, Siti Nurhaliza,"
        "Nabila Putri, Aulia Rahmah, Annisa Rahmawati, Dinda Permata, Intan Sari,"
        "Yuni Kartika, Wulan Sari, Tiara Anggraini, Rahma Yanti, Lusi Andriani, Megawati,"
        "Novita Sari, Ayu Lestari, Siti Rahmawati, Indah Permata Sari, Melati, Nurul Fadilah"
    ),
    split_list(
        "Aisyah Humaira, Zahra Ramadhani, Salsabila, Khairunnisa, Naura Azzahra, Alya Putri,"
        "Nayla Safitri, Azzahra, Keisya Putri, Syifa Aulia, Humaira, Adiba Khanza,"
        "Nadhira, Shafa Azalea, Anindya, Qonita, Aira Putri, Hafizah, Kayla Anjani"
    ),
)
_JAVANESE_MALE = (
    split_list(
        "Sugeng, Slamet Riyadi, Suparman, Suyono, Wagiman, Paijo, Sukardi, Sutrisno,"
        "Bambang Sutrisno, Joko Santoso, Sumarno, Tukiman, Parjo, Sarimin, Warsito,"
        "Kasimin, Ngadiman, Suroto, Sudarso, Mujiono"
    ),
    split_list(
        "Supriyadi, Edi Susanto, Agus Widodo, Budi Santoso, Eko Prasetyo, Joko Susilo,"
        "Heru Purnomo, Slamet, Sugiyanto, Wahyudi, Purwanto, Mulyono, Suyanto, Triyono,"
        "Bambang Hermanto, Teguh Santoso, Sunardi, Puji Raharjo"
    ),
    split_list(
        "Dwi Cahyono, Eko Saputro, Bagus Setiawan, Adi Nugroho, Tri Wibowo, Yoga Pratama,"
        "Rio Aditya, Fajar Nugroho, Dimas Prasetyo, Bayu Aji, Rizky Kurniawan, Agung Prasetyo"
    ),
    split_list(
        "Muhammad Rizky, Arkan Maulana, Bima Sakti, Galih Prasetyo, Dafa Aditya,"
        "Muhammad Fatih, Rafa Aditya, Satria Wibowo, Bagas Saputro, Ahmad Zaky"
    ),
)
_JAVANESE_FEMALE = (
    split_list(
        "Suparmi, Sukini, Tumini, Warsini, Rukmini, Saminah, Painem, Sarinah, Ngatini,"
        "Suwarni, Tukinem, Kasmini, Marsini, Sumiyati, Sarmi"
    ),
    split_list(
        "Sri Wahyuni, Sumiati, Sri Rahayu, Endang Sulistyowati, Tri Wahyuni, Siti Mulyani,"
        "Sri Lestari, Puji Astuti, Yuli Astuti, Sri Mulyati, Rini Susanti, Dwi Astuti,"
        "Suharti, Wartini, Siti Aminah"
    ),
    split_list(
        "Dwi Rahayu, Ayu Lestari, Eka Wulandari, Fitri Susanti, Rina Anggraini, Novi Astuti,"
        "Dewi Sartika, Ika Puspitasari, Wulan Dari, Indah Sari, Septi Wulandari"
    ),
    split_list(
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
COMPOUND_FIRST = frozenset(
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
JAVANESE_SHARE = {"15.04.03.1003": 0.55, "15.04.03.1005": 0.3, "15.04.03.2007": 0.3}


# Names repeat a lot: compute each search key once.
search_key = lru_cache(maxsize=8192)(name_key)


def _cohort(birth_year: int) -> int:
    if birth_year < 1965:
        return 0
    if birth_year < 1990:
        return 1
    if birth_year < 2008:
        return 2
    return 3


def given_name(name: str) -> str:
    """The given part of a name: 'Muhammad Rizky' stays, 'Rafa Alfarizi' -> 'Rafa'."""
    words = name.split()
    if len(words) > 1 and words[0] in COMPOUND_FIRST:
        return words[0] + " " + words[1]
    return words[0]


def spelling_variant(name: str, rng: random.Random) -> str:
    """Occasionally spell a name the way another operator would."""
    if rng.random() >= 0.08:
        return name
    for prefix, alternatives in _VARIANTS:
        if name.startswith(prefix):
            return rng.choice(alternatives) + name[len(prefix):]
    return name



def pick_name(rng: random.Random, sex: str, birth_year: int, javanese: bool) -> str:
    """A given name of someone of that sex and birth year."""
    return rng.choice(_POOLS[sex, javanese][_cohort(birth_year)])
