"""Name search tolerant of Indonesian spelling variants."""

from __future__ import annotations

import pytest

from slrt.dtks.names import name_key
from slrt.dtks.queries import search_by_name
from tests.factories import ARO, OLAK


@pytest.mark.parametrize("variants", [
    ["Muhammad Yusuf", "Muhamad Yusuf", "M. Yusuf", "Mhd Yusuf", "MOCHAMMAD YUSUF",
     "Mohammad  Yusuf", "muh. yusuf"],
    ["Siti Aminah", "St. Aminah", "SITI AMINAH", "Sitti Aminah"],
    ["Abdul Rahman", "Abd. Rachman", "ABDUL RACHMAN"],
    ["Soekarno", "Sukarno"],
    ["Djoko Tjahjono", "Joko Cahjono"],
    ["Chairul Anwar", "Khairul Anwar", "Hairul Anwar"],
    ["Nur'aini", "Nuraini", "NUR‘AINI"],
])
def test_spelling_variants_share_one_key(variants):
    assert len({name_key(v) for v in variants}) == 1, [name_key(v) for v in variants]


def test_different_names_keep_different_keys():
    assert name_key("Siti Aminah") != name_key("Siti Aisyah")
    assert name_key("Muhammad Yusuf") != name_key("Muhammad Yunus")


def test_search_by_variant_within_the_village(make_registry):
    make_registry("Muhammad Yusuf", village=ARO)
    make_registry("Siti Aminah", village=ARO, sex="P")
    make_registry("Mardiana", village=ARO, sex="P")
    make_registry("Muhamad Yusuf", village=OLAK)
    names = lambda q, v=ARO: sorted(r.name for r in search_by_name([v], q))  # noqa: E731
    assert names("M. Yusuf") == ["Muhammad Yusuf"]
    assert names("muhamad yusuf") == ["Muhammad Yusuf"]
    assert names("St. Aminah") == ["Siti Aminah"]
    assert names("yus") == ["Muhammad Yusuf"]  # a word prefix
    assert names("M") == ["Muhammad Yusuf"]  # the abbreviation is a whole word, not "Mardiana"
    assert names("Yusuf", OLAK) == ["Muhamad Yusuf"]
    assert names("100%_") == []
