"""Registry snapshot import (`flask dtks import`, slrt.dtks.importer).

Files are built at run time from the demo registry (slrt.demo.registry) in the
SIKS-NG export layout, then spoiled the way real files are: BOM, Windows-1252,
other separators, Excel-mangled NIK, missing columns, garbage, villages of
another regency. The last test kills an import during its apply phase.
"""

from __future__ import annotations

import csv
import datetime
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from slrt.demo.registry import MUARA_BULIAN_2022_07, generate_registry
from tests.commands import Ran, flask_cli, ran
from tests.factories import IS_PG, OLAK, TENAM

ROOT = Path(__file__).resolve().parents[2]
NAPAL_SISIK = "15.04.03.2009"  # 584 people
PELAYANGAN = "15.04.03.2021"  # 544 people
SRIDADI = "15.04.03.1003"
PROGRAMS = ("BPNT PPKM", "BLT-DD", "PIP")  # BANSOS columns: every demo program round-trips


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def demo():
    """village code -> rows of the demo registry (generated once)."""
    rows: dict[str, list[dict]] = {}
    for row in generate_registry(villages=[NAPAL_SISIK, PELAYANGAN, OLAK, TENAM]):
        rows.setdefault(row["village_code"], []).append(row)
    return rows


def names_for(db, codes) -> dict[str, str]:
    from slrt.dtks.siksng import region_names_for

    return region_names_for(codes)


def write(db, path: Path, rows, **kw) -> Path:
    from slrt.dtks.siksng import write_siksng

    kw.setdefault("programs", PROGRAMS)
    write_siksng(path, rows, names_for(db, {r["village_code"] for r in rows}), **kw)
    return path


def read_lines(path: Path, encoding="utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh, delimiter="|"))


def write_lines(path: Path, lines, delimiter="|", encoding="utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator="\r\n").writerows(lines)
    return path


def dtks(app, path, *args) -> Ran:
    """`flask dtks import PATH ARGS` as the admin runs it: a subprocess on the
    test's database (its scratch folder is the file's)."""
    from slrt.extensions import db

    db.session.remove()
    done = flask_cli(app.config["SQLALCHEMY_DATABASE_URI"], Path(path).parent, "dtks", "import",
                     path, *args, timeout=300)
    return ran(done)


def records(db, **where):
    from slrt.dtks.models import RegistryRecord

    db.session.rollback()
    stmt = select(RegistryRecord)
    for key, value in where.items():
        stmt = stmt.where(getattr(RegistryRecord, key) == value)
    return {r.registry_id: r for r in db.session.scalars(stmt)}


def count(db, model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def report_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def imports(db):
    from slrt.dtks.models import RegistryImport

    db.session.rollback()
    return list(db.session.scalars(select(RegistryImport).order_by(RegistryImport.id)))


# --------------------------------------------------------------------------- happy path


def test_a_siksng_export_round_trips_the_demo_registry(app, db, demo, tmp_path):
    from slrt.dtks.queries import find_by_nik, household

    rows = demo[NAPAL_SISIK] + demo[PELAYANGAN]
    path = write(db, tmp_path / "dtks_2022_07.txt", rows)
    result = dtks(app, path, "--period", "2022-07")
    assert result.exit_code == 0, result.output
    assert "1.128 sah" in result.output and "1.128 baru" in result.output
    assert "(2 desa/kelurahan)" in result.output
    stored = records(db)
    assert len(stored) == len(rows) == 1128
    for row in rows:  # every field as generated, through the file and back
        rec = stored[row["registry_id"]]
        for key, value in row.items():
            assert getattr(rec, key) == value, (key, value, getattr(rec, key))
        assert rec.since_period == "2022-07" and rec.inactive_since is None
    (imp,) = imports(db)
    assert imp.status == "applied" and imp.inserted == 1128 and imp.rows_error == 0
    assert rec.import_id == imp.id and imp.sha256 and imp.file_format.startswith("CSV (pemisah |")
    # the existing read paths see the records
    head = rows[0]
    found = find_by_nik(head["nik"])
    assert found.registry_id == head["registry_id"] and found.evidence()["period"] == "2022-07"
    assert {r.nik for r in household(head["no_kk"])} == {
        r["nik"] for r in rows if r["no_kk"] == head["no_kk"]}
    assert not (tmp_path / "dtks_2022_07-laporan.csv").exists()  # nothing to report
    from slrt.audit.models import AuditEntry

    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "impor"))
    assert (entry.object_type, entry.object_id, entry.outcome) == ("registry_import", imp.id, "ok")
    assert entry.detail["baru"] == 1128 and entry.detail["periode"] == "2022-07"


def test_the_same_file_twice_changes_nothing_and_says_so(app, db, demo, tmp_path):
    path = write(db, tmp_path / "dtks.txt", demo[OLAK])
    assert dtks(app, path, "--period", "2022-07").exit_code == 0
    before = {k: (r.updated_at, r.period) for k, r in records(db).items()}
    again = dtks(app, path, "--period", "2022-07")
    assert again.exit_code == 0, again.output
    assert "sama persis dengan impor #1" in again.output and "tidak ada perubahan" in again.output
    assert {k: (r.updated_at, r.period) for k, r in records(db).items()} == before
    one, two = imports(db)
    assert two.status == "applied" and two.duplicate_of_id == one.id and two.inserted == 0


def test_a_newer_period_updates_adds_deactivates_and_keeps_history(app, db, demo, tmp_path):
    from slrt.dtks.importer import record_as_of, record_history
    from slrt.dtks.models import RegistryRecordHistory
    from slrt.dtks.queries import find_by_nik

    july = demo[NAPAL_SISIK] + demo[PELAYANGAN]
    assert dtks(app, write(db, tmp_path / "2022-07.txt", july), "--period", "2022-07"
                ).exit_code == 0

    # January 2023 lists Napal Sisik only (Pelayangan is not in the file, so it
    # must stay untouched): 3 people gone, 2 changed, 1 new, 1 under a new ID.
    napal = [dict(r) for r in demo[NAPAL_SISIK]]
    gone = napal[10:13]
    kept = napal[:10] + napal[13:]
    kept[0]["pkh"] = not kept[0]["pkh"]
    kept[1]["address"] = "RT 009 (pindah rumah)"
    renamed = kept[2]
    old_id, renamed["registry_id"] = renamed["registry_id"], "DTKS-BARU-0001"
    newcomer = {**kept[3], "registry_id": "150403200999901", "name": "Putri Ayu Lestari",
                "nik": "1504035201230001", "birth_date": datetime.date(2023, 1, 12),
                "relationship_to_head": "Cucu", "name_key": None}
    result = dtks(app, write(db, tmp_path / "2023-01.txt", [*kept, newcomer]),
                  "--period", "2023-01")
    assert result.exit_code == 0, result.output
    assert "1 baru, 3 berubah" in result.output and "3 dinonaktifkan" in result.output

    napal_now = records(db, village_code=NAPAL_SISIK)
    assert len(napal_now) == 584 + 1  # nothing deleted
    assert sum(r.is_active for r in napal_now.values()) == 584 - 3 + 1
    for g in gone:  # inactive, not deleted, the old values still there
        rec = napal_now[g["registry_id"]]
        assert not rec.is_active and rec.inactive_since == "2023-01" and rec.period == "2022-07"
    assert napal_now[kept[0]["registry_id"]].pkh == kept[0]["pkh"]
    assert napal_now[kept[0]["registry_id"]].since_period == "2023-01"
    unchanged = napal_now[kept[5]["registry_id"]]
    assert unchanged.period == "2023-01" and unchanged.since_period == "2022-07"
    assert old_id not in napal_now  # same person (NIK), the record follows the new ID
    moved = find_by_nik(renamed["nik"])
    assert moved.registry_id == "DTKS-BARU-0001" and moved.period == "2023-01"
    assert napal_now["150403200999901"].name_key.strip() == "PUTRI AYU LESTARI"
    assert all(r.period == "2022-07" and r.is_active
               for r in records(db, village_code=PELAYANGAN).values())

    # what the registry said then stays recoverable
    assert count(db, RegistryRecordHistory) == 3 + 3
    (before,) = record_history(napal_now[kept[0]["registry_id"]].id)
    assert before.change == "diubah" and before.pkh == (not kept[0]["pkh"])
    assert before.period == "2022-07" and before.replaced_period == "2023-01"
    (id_change,) = record_history(moved.id)
    assert id_change.registry_id == old_id
    then = record_as_of(kept[1]["nik"], "2022-07")
    assert then["period"] == "2022-07" and then["registry_id"] == kept[1]["registry_id"]
    assert record_as_of(kept[1]["nik"], "2023-01")["registry_id"] == kept[1]["registry_id"]
    assert record_as_of(gone[0]["nik"], "2022-07")["nik"] == gone[0]["nik"]
    assert record_as_of(gone[0]["nik"], "2023-01") is None

    # July 2023: one of the people gone in January is back.
    back = [*kept, newcomer, gone[0]]
    result = dtks(app, write(db, tmp_path / "2023-07.txt", back), "--period", "2023-07")
    assert result.exit_code == 0, result.output
    assert "1 aktif kembali" in result.output
    rec = records(db)[gone[0]["registry_id"]]
    assert rec.is_active and rec.inactive_since is None and rec.since_period == "2023-07"
    assert [h.change for h in record_history(rec.id)] == ["aktif_lagi", "nonaktif"]


def test_an_older_period_never_overwrites_a_newer_one(app, db, demo, tmp_path):
    path = write(db, tmp_path / "dtks.txt", demo[PELAYANGAN])
    assert dtks(app, path, "--period", "2023-01").exit_code == 0
    older = dtks(app, path, "--period", "2022-07")
    assert older.exit_code == 3
    assert "lebih baru dari periode 2022-07" in older.output and "Pelayangan" in older.output
    assert {r.period for r in records(db).values()} == {"2023-01"}


# --------------------------------------------------------------------------- ugly files


@pytest.mark.parametrize("delimiter, encoding, label", [
    ("|", "utf-8-sig", "UTF-8 dengan BOM"),
    (";", "cp1252", "Windows-1252"),
    ("\t", "utf-8", "UTF-8"),
    (",", "utf-8", "UTF-8"),
])
def test_separators_encodings_and_smart_quotes(app, db, demo, tmp_path, delimiter, encoding,
                                               label):
    rows = [dict(r) for r in demo[PELAYANGAN][:40]]
    rows[0]["name"] = "SÜMARNI"
    rows[1]["name"] = "NURJANAH\u2018S"  # a smart quote, byte 0x91 in Windows-1252
    rows[2]["mother_name"] = "Siti \u201cIpah\u201d Aminah"
    rows[3]["address"] = 'Jl. Lintas, RT 004; "Lrg. Damai"'  # separators and quotes inside
    path = write(db, tmp_path / "ugly.csv", rows, delimiter=delimiter, encoding=encoding)
    result = dtks(app, path, "--period", "2022-07")
    assert result.exit_code == 0, result.output
    assert label in result.output
    stored = records(db)
    assert stored[rows[0]["registry_id"]].name == "SÜMARNI"
    assert stored[rows[1]["registry_id"]].name == "NURJANAH\u2018S"
    assert stored[rows[1]["registry_id"]].name_key.strip() == "NURJANAHS"
    assert stored[rows[2]["registry_id"]].mother_name == "Siti \u201cIpah\u201d Aminah"
    assert stored[rows[3]["registry_id"]].address == 'Jl. Lintas, RT 004; "Lrg. Damai"'


def test_cp1252_found_after_the_first_64_kb_is_read_again_as_cp1252(app, db, demo, tmp_path):
    rows = [dict(r) for r in demo[OLAK]]  # 914 rows, ~190 KB
    rows[-1]["name"] = "SÜMARNI"
    path = write(db, tmp_path / "late.csv", rows, encoding="cp1252")
    result = dtks(app, path, "--period", "2022-07")
    assert result.exit_code == 0, result.output
    assert "Windows-1252" in result.output
    assert records(db)[rows[-1]["registry_id"]].name == "SÜMARNI"
    assert count_problems(db) == 0


def count_problems(db):
    from slrt.dtks.models import RegistryImportProblem

    return count(db, RegistryImportProblem)


def test_row_errors_apply_nothing_and_the_report_says_where(app, db, demo, tmp_path):
    rows = [dict(r) for r in demo[PELAYANGAN][:30]]
    path = write(db, tmp_path / "dtks.txt", rows)
    lines = read_lines(path)
    head = lines[0]
    nik_col, date_col = head.index("NOMOR NIK"), head.index("TANGGAL LAHIR")
    lines[3][nik_col] = "1.50403E+15"  # what Excel shows for a NIK kept as a number
    lines[5][date_col] = "31-02-1980"
    lines[6][head.index("JENIS KELAMIN")] = "X"
    lines[7][head.index("BANSOS PKH")] = "MUNGKIN"
    write_lines(path, lines)

    result = dtks(app, path, "--period", "2022-07")
    assert result.exit_code == 1, result.output
    assert "TIDAK ADA YANG DITERAPKAN" in result.output and "--apply-valid" in result.output
    assert "26 sah, 4 bermasalah" in result.output
    assert records(db) == {}
    report = tmp_path / "dtks-laporan.csv"
    assert f"Laporan masalah per baris: {report}" in result.output
    with open(report, encoding="utf-8-sig") as fh:
        assert fh.readline().strip() == "baris,kolom,nilai,keterangan"
    problems = report_rows(report)
    assert [(p["baris"], p["kolom"]) for p in problems] == [
        ("4", "NOMOR NIK"), ("6", "TANGGAL LAHIR"), ("7", "JENIS KELAMIN"), ("8", "BANSOS PKH")]
    assert problems[0]["nilai"] == "1.50403E+15"
    assert "dirusak Excel" in problems[0]["keterangan"]
    assert "tidak ada di kalender" in problems[1]["keterangan"]
    assert (imports(db)[0].status, imports(db)[0].rows_error) == ("rejected", 4)


def test_apply_valid_applies_only_valid_rows_and_protects_the_others(app, db, demo, tmp_path):
    rows = demo[PELAYANGAN]
    assert dtks(app, write(db, tmp_path / "july.txt", rows), "--period", "2022-07"
                ).exit_code == 0
    path = write(db, tmp_path / "jan.txt", rows)
    lines = read_lines(path)
    bad = lines[9]  # row 10: person 9 gets an impossible birth date in January
    bad[lines[0].index("TANGGAL LAHIR")] = "1980-13-01"
    write_lines(path, lines)
    report = tmp_path / "laporan" / "masalah.csv"
    report.parent.mkdir()
    result = dtks(app, path, "--period", "2023-01", "--apply-valid", "--report", report)
    assert result.exit_code == 0, result.output
    assert "1 baris bermasalah tidak diterapkan" in result.output
    assert [(p["baris"], p["kolom"]) for p in report_rows(report)] == [("10", "TANGGAL LAHIR")]
    stored = records(db)
    skipped = stored[rows[8]["registry_id"]]
    # the invalid row changed nothing, and its person was not taken as gone
    assert skipped.is_active and skipped.period == "2022-07"
    assert sum(r.period == "2023-01" for r in stored.values()) == len(rows) - 1
    assert imports(db)[-1].apply_valid is True


def test_a_missing_column_is_named(app, db, demo, tmp_path):
    path = write(db, tmp_path / "dtks.txt", demo[PELAYANGAN][:5])
    lines = read_lines(path)
    drop = lines[0].index("NOMOR NIK")
    write_lines(path, [line[:drop] + line[drop + 1:] for line in lines])
    result = dtks(app, path, "--period", "2022-07")
    assert result.exit_code == 3
    assert "Kolom wajib tidak ada: NOMOR NIK" in result.output
    problems = report_rows(tmp_path / "dtks-laporan.csv")
    assert problems[0]["baris"] == "1" and problems[0]["kolom"] == "NOMOR NIK"
    assert records(db) == {}


@pytest.mark.parametrize("content, message", [
    (b"", "Berkas kosong (0 byte)"),
    (b"\r\n\r\n  \r\n", "Berkas kosong"),
    ("ID DTKS|PROVINSI|KABUPATEN/KOTA|KECAMATAN|DESA/KELURAHAN|NOMOR KK|NOMOR NIK|NAMA\r\n"
     .encode(), "hanya berisi judul kolom"),
])
def test_empty_files_are_refused_clearly(app, db, tmp_path, content, message):
    path = tmp_path / "kosong.csv"
    path.write_bytes(content)
    result = dtks(app, path, "--period", "2022-07")
    assert result.exit_code == 3 and message in result.output
    assert imports(db)[0].status == "rejected"


@pytest.mark.parametrize("kind", ["binary", "text"])
def test_fifty_megabytes_of_garbage_are_refused_at_once(app, db, tmp_path, kind):
    path = tmp_path / "sampah.csv"
    rng = random.Random(7)
    if kind == "binary":
        block = rng.randbytes(1 << 20)
    else:  # printable junk with separators, no header anywhere
        block = "".join(rng.choice("abcdefghij |;,\t0123456789\n") for _ in range(1 << 20)
                        ).encode()
    with open(path, "wb") as fh:
        for _ in range(50):
            fh.write(block)
    result = dtks(app, path, "--period", "2022-07")
    assert result.exit_code == 3
    assert "bukan berkas teks" in result.output or "tidak dikenali" in result.output
    # refused on its first lines: the file was never read through to be hashed
    assert imports(db)[0].status == "rejected" and imports(db)[0].sha256 == ""


def test_villages_of_another_regency_are_row_errors_naming_it(app, db, demo, tmp_path):
    rows = demo[PELAYANGAN][:6]
    path = write(db, tmp_path / "dtks.txt", rows)
    lines = read_lines(path)
    head = lines[0]
    for line in lines[1:4]:  # three rows from Kota Jambi
        line[head.index("KABUPATEN/KOTA")] = "KOTA JAMBI"
        line[head.index("KECAMATAN")] = "TELANAIPURA"
        line[head.index("DESA/KELURAHAN")] = "SUNGAI PUTRI"
    lines[4][head.index("KABUPATEN/KOTA")] = "MUARO JAMBI"
    write_lines(path, lines)
    result = dtks(app, path, "--period", "2022-07")
    assert result.exit_code == 1, result.output
    problems = report_rows(tmp_path / "dtks-laporan.csv")
    assert [p["baris"] for p in problems] == ["2", "3", "4", "5"]
    assert all(p["kolom"] == "KABUPATEN/KOTA" for p in problems)
    assert "berada di Kota Jambi" in problems[0]["keterangan"]
    assert "di luar wilayah Kabupaten Batanghari" in problems[0]["keterangan"]
    assert "Kabupaten Muaro Jambi" in problems[3]["keterangan"]


@pytest.mark.parametrize("regency, district, village, ok", [
    ("BATANG HARI", "MUARA BULIAN", "SRI DADI", True),
    ("kab. batang hari", "kec. muara bulian", "sridadi", True),
    ("Kabupaten Batanghari", "Muara  Bulian", "Kelurahan Sridadi", True),
    ("BATANGHARI", "MUARABULIAN", "SRI-DADI", True),
    ("KOTA BATANG HARI", "MUARA BULIAN", "SRI DADI", False),  # no such city
    ("BATANG HARI", "MUARA BULIAN", "SRI DADDI", False),  # a typo is not guessed
    ("BATANG HARI", "MUARA TEMBESI", "SRI DADI", False),  # not in that district
    ("BATANG HARI", "MARO SEBO ILIR", "TERUSAN", False),  # a desa and a kelurahan
    ("BATANG HARI", "MARO SEBO ILIR", "DESA TERUSAN", True),
])
def test_region_names_are_resolved_never_guessed(app, db, demo, tmp_path, regency, district,
                                                  village, ok):
    rows = demo[PELAYANGAN][:3]
    path = write(db, tmp_path / "dtks.txt", rows)
    lines = read_lines(path)
    head = lines[0]
    for line in lines[1:]:
        line[head.index("KABUPATEN/KOTA")] = regency
        line[head.index("KECAMATAN")] = district
        line[head.index("DESA/KELURAHAN")] = village
    write_lines(path, lines)
    result = dtks(app, path, "--period", "2022-07")
    if ok:
        assert result.exit_code == 0, result.output
        codes = {r.village_code for r in records(db).values()}
        assert codes == ({"15.04.08.2006"} if "TERUSAN" in village else {SRIDADI})
    else:
        assert result.exit_code == 1, result.output
        (problem, *_) = report_rows(tmp_path / "dtks-laporan.csv")
        assert problem["kolom"] in ("KABUPATEN/KOTA", "DESA/KELURAHAN")
        assert "tidak" in problem["keterangan"]
        if village == "TERUSAN":
            assert "Kelurahan Terusan (15.04.08.1008) dan Desa Terusan (15.04.08.2006)" in \
                problem["keterangan"]


def test_duplicates_inside_the_file_are_errors_on_every_row_involved(app, db, demo, tmp_path):
    rows = [dict(r) for r in demo[PELAYANGAN][:8]]
    rows[5]["nik"] = rows[1]["nik"]
    rows[7]["registry_id"] = rows[2]["registry_id"]
    result = dtks(app, write(db, tmp_path / "dtks.txt", rows), "--period", "2022-07")
    assert result.exit_code == 1, result.output
    problems = report_rows(tmp_path / "dtks-laporan.csv")
    assert [(p["baris"], p["kolom"]) for p in problems] == [
        ("3", "NOMOR NIK"), ("4", "ID DTKS"), ("7", "NOMOR NIK"), ("9", "ID DTKS")]
    assert "juga tercantum di baris 7" in problems[0]["keterangan"]


def test_an_xlsx_export_with_dates_numbers_and_a_numeric_nik(app, db, demo, tmp_path):
    from openpyxl import Workbook

    from slrt.dtks.siksng import siksng_header, siksng_row

    rows = demo[PELAYANGAN][:20]
    names = names_for(db, {r["village_code"] for r in rows})
    wb = Workbook()
    ws = wb.active
    ws.title = "DTKS"
    ws.append(["DATA TERPADU KESEJAHTERAAN SOSIAL - KABUPATEN BATANGHARI"])  # a title line
    header = siksng_header(programs=PROGRAMS)
    ws.append(header)
    for i, row in enumerate(rows):
        cells = siksng_row(row, names, programs=PROGRAMS)
        cells[header.index("TANGGAL LAHIR")] = row["birth_date"]  # a real Excel date
        cells[header.index("RT")] = int(row["rt"])  # a number: 3, not "003"
        if i == 4:
            cells[header.index("NOMOR NIK")] = int(row["nik"])  # typed in as a number
        ws.append(cells)
    path = tmp_path / "dtks.xlsx"
    wb.save(path)

    result = dtks(app, path, "--period", "2022-07", "--apply-valid")
    assert result.exit_code == 0, result.output
    assert "Excel .xlsx (lembar DTKS)" in result.output and "19 sah, 1 bermasalah" in result.output
    (problem,) = report_rows(tmp_path / "dtks-laporan.csv")
    assert problem["baris"] == "7" and problem["kolom"] == "NOMOR NIK"  # title, header, 5th row
    assert "tersimpan sebagai angka di Excel" in problem["keterangan"]
    stored = records(db)
    assert len(stored) == 19
    first = stored[rows[0]["registry_id"]]
    assert first.birth_date == rows[0]["birth_date"] and first.rt == rows[0]["rt"]


def test_dtsen_with_deciles_takes_over_dtks_records_by_nik(app, db, demo, tmp_path):
    rows = demo[PELAYANGAN]
    assert dtks(app, write(db, tmp_path / "dtks.txt", rows), "--period", "2024-07"
                ).exit_code == 0
    dtsen = [{**r, "registry_id": "DTSEN-" + r["registry_id"], "decile": 1 + i % 10}
             for i, r in enumerate(rows)]
    result = dtks(app, write(db, tmp_path / "dtsen.txt", dtsen, deciles=True),
                  "--period", "2025-06", "--source", "DTSEN")
    assert result.exit_code == 0, result.output
    assert "0 baru" in result.output and "0 dinonaktifkan" in result.output
    stored = records(db)
    assert len(stored) == len(rows)  # the same records, now DTSEN
    assert {r.source for r in stored.values()} == {"DTSEN"}
    assert stored["DTSEN-" + rows[3]["registry_id"]].decile == 4


# --------------------------------------------------------------------------- service API


def test_validate_then_apply_for_the_upload_page(app, db, demo, tmp_path, make_user):
    from slrt.dtks import importer

    supervisor = make_user("supervisor")

    rows = demo[PELAYANGAN]
    path = write(db, tmp_path / "upload.txt", rows)
    lines = read_lines(path)
    lines[2][lines[0].index("NOMOR KK")] = "150403"
    write_lines(path, lines)
    seen = []
    result = importer.validate_file(path, "2022-07", "DTKS", "15.04", file_name="upload.txt",
                                    created_by_id=supervisor.id,
                                    progress=lambda phase, done, total: seen.append(phase))
    assert (result.status, result.rows_valid, result.rows_error) == ("validated", 543, 1)
    assert not result.ok and "memeriksa" in seen
    polled = importer.get_import(result.import_id)
    assert polled.status == "validated" and polled.progress == 100 and polled.error_count == 1
    (problem,) = importer.import_problems(result.import_id)
    assert (problem.row_no, problem.column) == (3, "NOMOR KK")
    assert "16 angka" in problem.message
    assert records(db) == {}  # validation writes nothing to the registry

    with pytest.raises(importer.ImportRefused, match="1 baris bermasalah"):
        importer.apply_import(result.import_id)  # the page must ask for the valid rows only
    assert importer.get_import(result.import_id).status == "validated" and records(db) == {}
    applied = importer.apply_import(result.import_id, apply_valid=True,
                                    progress=lambda phase, done, total: seen.append(phase))
    assert applied.status == "applied" and applied.inserted == 543 and "menerapkan" in seen
    from slrt.audit.models import AuditEntry

    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "impor")).one()
    assert entry.actor_id == supervisor.id and entry.object_id == result.import_id
    assert len(records(db)) == 543 and importer.get_import(result.import_id).apply_valid
    assert importer.apply_import(result.import_id, apply_valid=True).inserted == 543  # again: same
    with pytest.raises(importer.ImportRefused, match="tidak ditemukan"):
        importer.apply_import(999)

    # the file changed between the check and the apply
    third = importer.validate_file(path, "2022-08", "DTKS", "15.04")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\r\n")
    changed = importer.apply_import(third.import_id, apply_valid=True)
    assert changed.status == "failed" and "berubah sejak diperiksa" in changed.message


def test_two_imports_in_background_threads_both_complete(app, db, demo, tmp_path):
    """The upload page runs imports in threads; two at once take turns to apply."""
    import threading

    from slrt.dtks import importer

    paths = [write(db, tmp_path / f"{code}.txt", demo[code]) for code in (OLAK, TENAM)]
    results, errors = {}, []

    def work(path):
        try:
            with app.app_context():
                results[path.name] = importer.import_file(path, "2022-07", "DTKS", "15.04")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and {r.status for r in results.values()} == {"applied"}
    assert len(records(db)) == len(demo[OLAK]) + len(demo[TENAM])
    assert {r.status for r in imports(db)} == {"applied"}


def test_command_usage_errors_are_in_indonesian(app, tmp_path):
    assert "Periode wajib diisi" in dtks(app, tmp_path / "x.csv").output
    bad = dtks(app, tmp_path / "x.csv", "--period", "2022-13")
    assert bad.exit_code == 2 and "tahun-bulan" in bad.output
    missing = dtks(app, tmp_path / "tidak-ada.csv", "--period", "2022-07")
    assert missing.exit_code == 3 and "Berkas tidak ditemukan" in missing.output


# --------------------------------------------------------------------------- a kill


def _scaled_rows(copies: int, base: list[dict]):
    """The demo registry (`base`) moved into `copies` districts of Batanghari
    (NIK / No KK district codes swapped, serials spread: all unique, all valid)."""
    districts = [f"15.04.{d:02d}" for d in (3, 1, 2, 4, 5, 6, 7, 8)][:copies]
    from slrt.regions.codes import iter_rows

    villages: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    for r in iter_rows():
        if r.code[:5] == "15.04" and r.code.count(".") == 3:
            villages.setdefault(r.code[:8], []).append(r.code)
            names.setdefault(r.code[:8], []).append(r.name.upper())
    for d in villages:  # Terusan is a desa and a kelurahan: leave both out
        villages[d] = [c for c, n in zip(villages[d], names[d], strict=True)
                       if names[d].count(n) == 1]
    index = {v[0]: i for i, v in enumerate(MUARA_BULIAN_2022_07)}
    for k, district in enumerate(districts):
        digits = district.replace(".", "")

        def move(number, digits=digits, k=k):
            prefix = {"150403": digits, digits: "150403"}.get(number[:6], number[:6])
            return f"{prefix}{number[6:12]}{(int(number[12:]) - 1) * 8 + k + 1:04d}"

        for row in base:
            i = index[row["village_code"]]
            code = villages[district][i % len(villages[district])]
            yield {**row, "village_code": code, "nik": move(row["nik"]),
                   "no_kk": move(row["no_kk"]),
                   "registry_id": f"{code.replace('.', '')}{i:02d}{row['registry_id'][10:]}"}


def test_a_killed_import_leaves_the_previous_snapshot_and_a_rerun_completes_it(
        app, db, db_url, tmp_path):
    from slrt.dtks.models import RegistryRecord, RegistryRecordHistory
    from slrt.dtks.queries import find_by_nik
    from slrt.dtks.siksng import siksng_header, siksng_row
    from slrt.regions.codes import iter_rows

    names = {r.code: r.name for r in iter_rows() if r.code.startswith("15")}
    base = list(generate_registry())
    big = tmp_path / "dtks_2023_01.txt"
    rows = 0
    with open(big, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="|", lineterminator="\r\n")
        w.writerow(siksng_header(programs=PROGRAMS))
        for row in _scaled_rows(6, base):
            w.writerow(siksng_row(row, names, programs=PROGRAMS))
            rows += 1
    assert rows == 6 * 33959

    # The previous snapshot: Pelayangan, July 2022.
    small = [r for r in _scaled_rows(1, base) if r["village_code"] == PELAYANGAN]
    assert dtks(app, write(db, tmp_path / "july.txt", small), "--period", "2022-07"
                ).exit_code == 0
    before = {k: (r.period, r.pkh, r.is_active) for k, r in records(db).items()}
    assert len(before) == 544

    env = {**os.environ, "DATABASE_URL": db_url, "SLRT_CONFIG": "testing",
           "SLRT_INSTANCE_PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "dtks", "import", str(big),
         "--period", "2023-01"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    engine = create_engine(db.engine.url)
    status = None
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            with engine.connect() as conn:
                status = conn.execute(text(
                    "SELECT status FROM registry_imports ORDER BY id DESC LIMIT 1")).scalar()
            if status == "applying":
                time.sleep(0.3)  # well inside the apply transaction
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        output = proc.stdout.read().decode()
        proc.stdout.close()
        engine.dispose()
    assert status == "applying", output
    assert proc.returncode == -signal.SIGKILL, "the import ended before it could be killed"

    # The previous snapshot is intact and usable.
    db.session.rollback()
    if not IS_PG:
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert {k: (r.period, r.pkh, r.is_active) for k, r in records(db).items()} == before
    assert count(db, RegistryRecordHistory) == 0
    assert find_by_nik(small[0]["nik"]).period == "2022-07"
    assert imports(db)[-1].status == "applying"  # what a page polling it saw

    # Running it again completes it.
    result = dtks(app, big, "--period", "2023-01")
    assert result.exit_code == 0, result.output
    killed, rerun = imports(db)[-2:]
    assert killed.status == "failed" and "terhenti sebelum selesai" in killed.message
    assert rerun.status == "applied" and rerun.inserted == rows - 544
    assert count(db, RegistryRecord) == rows
    assert find_by_nik(small[0]["nik"]).period == "2023-01"


def test_the_command_line_says_which_village_an_ambiguous_name_means(app, db, demo, tmp_path):
    rows = demo[PELAYANGAN][:3]
    path = write(db, tmp_path / "dtks.txt", rows)
    lines = read_lines(path)
    head = lines[0]
    for line in lines[1:]:
        line[head.index("KECAMATAN")] = "MARO SEBO ILIR"
        line[head.index("DESA/KELURAHAN")] = "TERUSAN"
    write_lines(path, lines)
    wrong = dtks(app, path, "--period", "2022-07", "--desa", SRIDADI)
    assert wrong.exit_code == 2 and "tidak perlu dipilih" in wrong.output
    result = dtks(app, path, "--period", "2022-07", "--desa", "15.04.08.1008")
    assert result.exit_code == 0, result.output
    assert {r.village_code for r in records(db).values()} == {"15.04.08.1008"}
    [record] = imports(db)
    assert record.village_choices == {"15.04.08|TERUSAN": "15.04.08.1008"}
