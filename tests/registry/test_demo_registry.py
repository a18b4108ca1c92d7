"""The demo DTKS registry of Kecamatan Muara Bulian (slrt.demo.registry).

No database: the registry is generated once per module and checked as dicts.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

import pytest

from slrt.demo.registry import (
    MUARA_BULIAN_2022_07,
    TOTAL_HOUSEHOLDS,
    TOTAL_INDIVIDUALS,
    generate_registry,
    summary,
)
from slrt.dtks.names import name_key
from slrt.identity import parse_kk, parse_nik
from slrt.regions.codes import iter_rows

AS_OF = datetime.date(2022, 7, 31)

# July 2022 DTKS figures (individuals, households) as given by the Dinas Sosial.
EXPECTED = {
    "Aro": (1231, 430),
    "Bajubang Laut": (1367, 420),
    "Kilangan": (1204, 395),
    "Malapari": (1262, 411),
    "Muara Bulian": (3852, 1275),
    "Muaro Singoan": (965, 324),
    "Napal Sisik": (584, 183),
    "Olak": (914, 309),
    "Pasar Baru": (1851, 553),
    "Pasar Terusan": (1579, 513),
    "Pelayangan": (544, 176),
    "Rambahan": (766, 218),
    "Rantau Puri": (1037, 373),
    "Rengas Condong": (3121, 1032),
    "Simpang Terusan": (1734, 530),
    "Singkawang": (915, 286),
    "Sridadi": (3142, 1025),
    "Sungai Baung": (2141, 666),
    "Sungai Buluh": (1727, 560),
    "Tenam": (1449, 459),
    "Teratai": (2574, 855),
}

ROW_KEYS = {
    "registry_id", "source", "period", "nik", "no_kk", "name", "name_key", "birth_place",
    "birth_date", "sex", "relationship_to_head", "mother_name", "address", "dusun", "rt",
    "rw", "village_code", "padan", "decile", "pkh", "bpnt", "pbi", "other_programs",
    "is_active",
}


def years(earlier: datetime.date, later: datetime.date) -> float:
    return (later - earlier).days / 365.2425


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return list(generate_registry())


@pytest.fixture(scope="module")
def households(rows) -> dict[str, list[dict]]:
    by_kk: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_kk[row["no_kk"]].append(row)
    return by_kk


# -- the table -------------------------------------------------------------


def test_table_matches_the_july_2022_figures():
    assert {name: (p, h) for _, name, p, h in MUARA_BULIAN_2022_07} == EXPECTED
    assert TOTAL_INDIVIDUALS == 33_959 == sum(p for p, _ in EXPECTED.values())
    assert TOTAL_HOUSEHOLDS == 10_993 == sum(h for _, h in EXPECTED.values())
    codes = [code for code, *_ in MUARA_BULIAN_2022_07]
    assert codes == sorted(codes)


def test_village_codes_and_names_are_the_kemendagri_ones():
    villages = {
        r.code: r.name
        for r in iter_rows()
        if r.code.startswith("15.04.03.") and r.code.count(".") == 3
    }
    assert villages == {code: name for code, name, _, _ in MUARA_BULIAN_2022_07}


# -- sizes -------------------------------------------------------------------


def test_every_village_has_exactly_its_individuals_and_households(rows):
    assert summary(rows) == summary()
    assert len(rows) == TOTAL_INDIVIDUALS
    assert len({r["no_kk"] for r in rows}) == TOTAL_HOUSEHOLDS


def test_rows_fit_the_registry_record_model(rows):
    import slrt.models  # noqa: F401  (every model: a mapper is configured with all the others)
    from slrt.dtks.models import RegistryRecord

    attributes = set(RegistryRecord.__mapper__.column_attrs.keys())
    assert ROW_KEYS <= attributes
    for row in rows[:50]:
        assert set(row) == ROW_KEYS
    assert len({r["registry_id"] for r in rows}) == len(rows)
    assert all(len(r["registry_id"]) <= 40 for r in rows)
    assert {r["source"] for r in rows} == {"DTKS"}
    assert {r["period"] for r in rows} == {"2022-07"}
    assert all(r["is_active"] is True for r in rows)
    assert all(r["decile"] is None for r in rows)


# -- identity numbers --------------------------------------------------------


def test_every_nik_is_unique_and_parses_to_the_birth_date_and_sex(rows):
    assert len({r["nik"] for r in rows}) == len(rows)
    for row in rows:
        parsed = parse_nik(row["nik"], today=AS_OF)
        assert (parsed.birth_date, parsed.sex) == (row["birth_date"], row["sex"]), row


def test_nik_districts_are_mostly_muara_bulian_and_all_in_jambi(rows):
    districts = Counter(r["nik"][:6] for r in rows)
    local = districts["150403"] / len(rows)
    assert 0.85 <= local <= 0.95
    assert all(d.startswith("15") for d in districts)
    assert len(districts) > 20


def test_every_no_kk_parses_and_belongs_to_one_household(rows, households):
    for no_kk, members in households.items():
        parsed = parse_kk(no_kk, today=AS_OF)
        assert no_kk.startswith("150403")
        assert datetime.date(2005, 1, 1) <= parsed.issue_date <= AS_OF
        assert parsed.issue_date >= max(m["birth_date"] for m in members)
        assert len({m["village_code"] for m in members}) == 1
        assert len({m["registry_id"][:15] for m in members}) == 1
    assert not {r["no_kk"] for r in rows} & {r["nik"] for r in rows}


# -- households and people ---------------------------------------------------


def test_each_household_has_exactly_one_head_listed_first(households):
    for members in households.values():
        rels = [m["relationship_to_head"] for m in members]
        assert rels[0] == "Kepala Keluarga"
        assert rels.count("Kepala Keluarga") == 1
        assert rels.count("Istri") + rels.count("Suami") <= 1
        assert 1 <= len(members) <= 9


def test_household_sizes_are_realistic(households):
    sizes = Counter(len(m) for m in households.values())
    assert sizes[1] > 0 and sizes[5] > 0
    assert 2 <= max(sizes, key=sizes.get) <= 4


def test_ages_are_plausible(households):
    for members in households.values():
        head = members[0]
        assert 20 <= years(head["birth_date"], AS_OF) <= 86
        for m in members:
            born = m["birth_date"]
            assert born <= AS_OF
            assert years(born, AS_OF) < 96
            rel = m["relationship_to_head"]
            gap = years(head["birth_date"], born)  # > 0: younger than the head
            if rel == "Anak":
                assert gap >= 16, (head, m)
            elif rel == "Cucu":
                assert gap >= 32, (head, m)
            elif rel in ("Orang Tua", "Mertua"):
                assert gap <= -16, (head, m)
            elif rel in ("Istri", "Suami"):
                assert abs(gap) <= 12 and years(born, AS_OF) >= 18, (head, m)
                assert m["sex"] != head["sex"]
        parents = [m for m in members if m["relationship_to_head"] in ("Istri", "Suami")]
        for child in (m for m in members if m["relationship_to_head"] == "Anak"):
            for parent in parents:
                assert years(parent["birth_date"], child["birth_date"]) >= 16


def test_siblings_are_spaced_or_twins(households):
    twins = 0
    for members in households.values():
        born = [m["birth_date"] for m in members if m["relationship_to_head"] == "Anak"]
        assert born == sorted(born)  # the oldest first, as on the family card
        for older, younger in zip(born, born[1:], strict=False):
            if older == younger:
                twins += 1
            else:
                assert years(older, younger) >= 1.2
    assert twins > 0


def test_in_laws_and_grandchildren_fit_the_family(households):
    for members in households.values():
        children = [m for m in members if m["relationship_to_head"] == "Anak"]
        for m in members:
            if m["relationship_to_head"] == "Menantu":
                assert children and years(m["birth_date"], AS_OF) >= 18.9
                assert m["sex"] != children[0]["sex"]  # married to the oldest child
            if m["relationship_to_head"] == "Cucu":
                mothers = [c for c in members if c["name"] == m["mother_name"]
                           and c["relationship_to_head"] in ("Anak", "Menantu")]
                for mother in mothers:
                    assert years(mother["birth_date"], m["birth_date"]) >= 17.9


def test_names_and_addresses(rows):
    for row in rows:
        assert row["name"] and row["mother_name"]
        assert row["name_key"] == name_key(row["name"])
        assert row["sex"] in ("L", "P")
        assert len(row["rt"]) == 3 and row["rt"].isdigit() and row["rt"] != "000"
        assert len(row["rw"]) == 3 and row["rw"].isdigit() and "001" <= row["rw"] <= "005"
        assert row["address"] and row["birth_place"]
        kelurahan = row["village_code"][9] == "1"
        assert (row["dusun"] == "") == kelurahan
    names = Counter(r["name"] for r in rows)
    assert len(names) > 1000
    assert any(n.startswith(("M. ", "Muhamad ", "St. ")) for n in names)  # spelling variants


def test_program_shares(rows, households):
    for members in households.values():
        assert len({m["pkh"] for m in members}) == 1
        assert len({m["bpnt"] for m in members}) == 1
    heads = [m[0] for m in households.values()]
    pkh = sum(h["pkh"] for h in heads) / len(heads)
    bpnt = sum(h["bpnt"] for h in heads) / len(heads)
    pbi = sum(r["pbi"] for r in rows) / len(rows)
    padan = Counter(r["padan"] for r in rows)
    assert 0.20 <= pkh <= 0.30
    assert 0.35 <= bpnt <= 0.45
    assert 0.65 <= pbi <= 0.75
    assert 0.93 <= padan[True] / len(rows) <= 0.97
    assert padan[False] > 0 and padan[None] > 0
    assert Counter(r["other_programs"] for r in rows).most_common(1)[0][0] == ""


# -- determinism and options -------------------------------------------------


def test_two_runs_are_identical(rows):
    assert list(generate_registry()) == rows


def test_a_subset_of_villages_gives_the_same_rows(rows):
    wanted = ["15.04.03.2021", "15.04.03.1003"]  # order of the argument does not matter
    subset = list(generate_registry(villages=wanted))
    assert subset == [r for r in rows if r["village_code"] in wanted]
    assert [r["village_code"] for r in subset][0] == "15.04.03.1003"


def test_other_seed_gives_other_people_with_the_same_sizes(rows):
    other = list(generate_registry(seed=7, villages=["15.04.03.2009"]))
    same = [r for r in rows if r["village_code"] == "15.04.03.2009"]
    assert summary(other) == summary(same)
    assert [r["nik"] for r in other] != [r["nik"] for r in same]


def test_deciles_are_optional_and_change_nothing_else(rows):
    village = "15.04.03.2012"
    with_deciles = list(generate_registry(villages=[village], deciles=True))
    plain = [r for r in rows if r["village_code"] == village]
    assert [{**r, "decile": None} for r in with_deciles] == plain
    deciles = Counter(r["decile"] for r in with_deciles if r["relationship_to_head"] == "Kepala Keluarga")
    assert set(deciles) <= set(range(1, 11))
    assert sum(deciles[d] for d in (1, 2, 3, 4)) / sum(deciles.values()) > 0.7
    by_kk = defaultdict(set)
    for r in with_deciles:
        by_kk[r["no_kk"]].add(r["decile"])
    assert all(len(d) == 1 for d in by_kk.values())


@pytest.mark.parametrize("as_of", [datetime.date(2024, 2, 29), datetime.date(2030, 1, 1)])
def test_other_snapshot_dates_still_round_trip(as_of):
    rows = list(generate_registry(period=as_of.strftime("%Y-%m"), as_of=as_of,
                                  villages=["15.04.03.2016", "15.04.03.2021"]))
    assert len(rows) == 1367 + 544
    for row in rows:
        assert row["birth_date"] <= as_of
        parsed = parse_nik(row["nik"], today=as_of)
        assert (parsed.birth_date, parsed.sex) == (row["birth_date"], row["sex"])
        assert parse_kk(row["no_kk"], today=as_of).issue_date <= as_of


@pytest.mark.parametrize(
    "kwargs",
    [
        {"villages": ["15.04.03.2022"]},
        {"villages": ["15.04.02.2001"]},
        {"period": "2022/07"},
        {"as_of": datetime.date(2100, 1, 1)},
        {"as_of": datetime.date(1999, 12, 31)},
    ],
)
def test_bad_arguments_are_rejected(kwargs):
    with pytest.raises(ValueError):
        next(generate_registry(**kwargs))
