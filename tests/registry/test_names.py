"""Name search tolerant of Indonesian spelling variants."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from slrt.dtks.names import name_key
from slrt.dtks.queries import name_search, search_by_name
from tests.factories import ARO, IS_PG, OLAK


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


def test_search_across_every_village_finds_each_variant(make_registry):
    make_registry("Muhammad Yusuf", village=ARO)
    make_registry("Mhd. Yusuf Harahap", village=OLAK)
    make_registry("Yusnita Siregar", village=OLAK, sex="P")
    make_registry("Rahmat Hidayat", village=ARO)
    assert sorted(r.name for r in search_by_name(None, "muhamad yusuf")) == [
        "Mhd. Yusuf Harahap", "Muhammad Yusuf"]
    assert sorted(r.name for r in search_by_name(None, "yus")) == [
        "Mhd. Yusuf Harahap", "Muhammad Yusuf", "Yusnita Siregar"]
    assert search_by_name(None, "  ") == []


def _trigram_index(db) -> str | None:
    if not IS_PG:
        return None
    return db.session.execute(text(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_registry_records_name_trgm'"
    )).scalar()


@pytest.mark.skipif(not IS_PG, reason="pg_trgm is PostgreSQL's; on SQLite migration 0020 "
                    "makes nothing (see the test below), and this one runs on PostgreSQL")
def test_postgresql_answers_a_name_search_across_villages_from_the_trigram_index(
        db, make_registry):
    assert "gin (name_key gin_trgm_ops)" in _trigram_index(db)
    for i, name in enumerate(["Siti Aminah", "Nurhayati Nasution", "Ahmad Saputra"]):
        make_registry(name, village=ARO if i % 2 else OLAK, sex="P")
    db.session.flush()
    stmt = name_search(None, "Aminah")
    sql = stmt.compile(dialect=db.engine.dialect)
    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # three rows: force the choice
    plan = "\n".join(db.session.connection().exec_driver_sql(f"EXPLAIN {sql}", sql.params)
                     .scalars())
    assert "ix_registry_records_name_trgm" in plan, plan
    assert [r.name for r in db.session.scalars(stmt)] == ["Siti Aminah"]


@pytest.mark.skipif(IS_PG, reason="the no-op on SQLite; the index on PostgreSQL is the "
                    "test above")
def test_sqlite_has_no_trigram_index_and_searches_the_same(db, make_registry):
    indexes = {r[0] for r in db.session.execute(text(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'registry_records'"))}
    assert "ix_registry_records_name_trgm" not in indexes
    assert "ix_registry_records_village_name" in indexes
    make_registry("Siti Aminah", village=OLAK, sex="P")
    assert [r.name for r in search_by_name(None, "St. Aminah")] == ["Siti Aminah"]
