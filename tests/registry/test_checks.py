"""The row checks of the importer (slrt.dtks.importer.checks and regions),
without a database: NIK and No KK, dates, sex, RT/RW, flags, lengths, region
names resolved with a small in-memory region table, and the repeats inside a
file that the scan hands to the SQL step."""

from __future__ import annotations

from datetime import date

import pytest

from slrt.dtks.importer.checks import RowChecks
from slrt.dtks.importer.columns import STAGE_COLUMNS, STAGE_TYPES
from slrt.dtks.importer.regions import Regions
from slrt.dtks.importer.rows import SkipKey, StageRow
from tests.registry.sample import (
    HEADER,
    PERIOD_END,
    REGIONS,
    SRIDADI,
    cells,
    kk,
    nik,
    person,
    scan,
    write_csv,
)


def make_checks(header=HEADER, scope="15.04", xlsx=False) -> RowChecks:
    return RowChecks(header, Regions(REGIONS, scope), PERIOD_END, xlsx=xlsx)


def check(row: dict, header=HEADER, scope="15.04"):
    """(StageRow or None, [(column, value, message)] or None, SkipKey or None)."""
    line = cells(row, header)
    return make_checks(header, scope).check(2, line, line)


def errors_of(row: dict, **kwargs) -> list[tuple]:
    staged, errs, _ = check(row, **kwargs)
    assert staged is None
    return errs


def test_the_staging_columns_are_the_fields_of_a_stage_row():
    assert STAGE_COLUMNS == StageRow._fields and tuple(STAGE_TYPES) == STAGE_COLUMNS


def test_a_valid_row_becomes_a_stage_row():
    staged, errs, key = check(person(7, RT="3", RW="12", DUSUN=" Dusun  II "))
    assert errs is None and key is None
    assert staged == StageRow(
        row_no=2, registry_id="15040320210000007", nik=nik(7), no_kk=kk(7),
        name="BUDI SANTOSO", name_key=staged.name_key, birth_place="JAMBI",
        birth_date="1975-06-14", sex="L", relationship="Kepala Keluarga", mother_name="SITI",
        address="JL. SULTAN THAHA", dusun="Dusun  II", rt="003", rw="012",
        village_code=SRIDADI, padan=True, decile=None, pkh=False, bpnt=True, pbi=True,
        other_programs="")
    assert staged.name_key  # slrt.dtks.names.name_key of the name


@pytest.mark.parametrize("value, message", [
    ("", "NIK kosong"),
    ("150403140675001", "harus 16 angka; yang diisi 15"),
    ("15040314067500O1", "hanya boleh berisi angka"),
    ("1.50403E+15", "dirusak Excel"),
    ("1504031406750000", None),  # serial 0000: whatever slrt.identity says
])
def test_nik_rules_are_those_of_slrt_identity(value, message):
    from slrt.identity import InvalidNik, parse_nik

    staged, errs, key = check(person(1, NOMOR_NIK=value))
    try:
        parse_nik(value, today=PERIOD_END)
    except InvalidNik as e:
        assert errs == [("NOMOR NIK", value, str(e))]
        assert message is None or message in str(e)
        assert key == SkipKey("15040320210000001", value.replace(".", "") or None)
    else:
        assert errs is None and staged.nik == value


def test_the_nik_gives_birth_date_and_sex_when_they_are_not_given():
    born = date(1990, 2, 3)
    staged, errs, _ = check(person(1, NOMOR_NIK=nik(1, born, "P"), TANGGAL_LAHIR="",
                                   JENIS_KELAMIN="PEREMPUAN"))
    assert errs is None and (staged.birth_date, staged.sex) == ("1990-02-03", "P")
    (err,) = errors_of(person(1, JENIS_KELAMIN=""))  # an empty cell is not a sex
    assert err[:2] == ("JENIS KELAMIN", "")
    header = [t for t in HEADER if t not in ("TANGGAL LAHIR", "JENIS KELAMIN")]
    staged, errs, _ = check(person(1, NOMOR_NIK=nik(1, born, "P")), header=header)
    assert errs is None and (staged.birth_date, staged.sex) == ("1990-02-03", "P")


def test_a_bad_no_kk_is_reported_on_every_row_of_its_household():
    checks = make_checks()
    bad = "15040305011000"
    results = []
    for serial in (1, 2):  # the members of a household follow each other
        line = cells(person(serial, NOMOR_KK=bad))
        results.append(checks.check(1 + serial, line, line))
    for staged, errs, _ in results:
        assert staged is None
        assert errs == [("NOMOR KK", bad, "Nomor KK harus 16 angka; yang diisi 14 angka.")]


@pytest.mark.parametrize("value, stored", [
    ("14-06-1975", "1975-06-14"), ("14/06/1975", "1975-06-14"), ("1975-06-14", "1975-06-14"),
    ("1975-06-14 00:00:00", "1975-06-14"), ("4.6.1975", "1975-06-04"),
])
def test_dates_in_the_usual_forms(value, stored):
    staged, errs, _ = check(person(1, TANGGAL_LAHIR=value))
    assert errs is None and staged.birth_date == stored


@pytest.mark.parametrize("value, message", [
    ("31-02-1990", 'Tanggal lahir "31-02-1990" tidak ada di kalender.'),
    ("01-08-2022", "Tanggal lahir 01-08-2022 jatuh setelah periode data."),
    ("01-01-1850", "Tanggal lahir 01-01-1850 tidak masuk akal."),
    ("kemarin", 'Tanggal lahir "kemarin" tidak terbaca'),
])
def test_impossible_dates_are_refused(value, message):
    (err,) = errors_of(person(1, TANGGAL_LAHIR=value))
    assert err[:2] == ("TANGGAL LAHIR", value) and err[2].startswith(message)


def test_every_problem_of_a_row_is_reported_in_column_order():
    row = person(1, ID_DTKS="", NAMA=" ", JENIS_KELAMIN="X", RT="1000", KETERANGAN_PADAN="?",
                 BANSOS_PKH="MUNGKIN", HUBUNGAN_KELUARGA="A" * 41, ALAMAT="B" * 201)
    staged, errs, key = check(row)
    assert staged is None and key == SkipKey(None, nik(1))
    assert [(col, msg) for col, _, msg in errs] == [
        ("ID DTKS", "ID DTKS kosong."),
        ("NAMA", "NAMA kosong."),
        ("JENIS KELAMIN", 'JENIS KELAMIN "X" tidak dikenal (isi LAKI-LAKI atau PEREMPUAN).'),
        ("HUBUNGAN KELUARGA", "HUBUNGAN KELUARGA lebih dari 40 karakter."),
        ("ALAMAT", "ALAMAT lebih dari 200 karakter."),
        ("RT", "RT harus angka 1-999 (mis. 003)."),
        ("KETERANGAN PADAN", 'KETERANGAN PADAN "?" tidak dikenal (isi PADAN atau TIDAK PADAN).'),
        ("BANSOS PKH", 'Nilai "MUNGKIN" pada kolom BANSOS PKH tidak dikenal (isi YA atau '
                       "TIDAK)."),
    ]


def test_flags_programs_and_deciles():
    header = [*HEADER, "BANSOS BST", "PIP", "DESIL"]
    row = person(1, BANSOS_PKH="ya", BANSOS_BPNT="-", PBI_JKN="\u2713",
                  BANSOS_BPNT_PPKM="PENERIMA") | {"BANSOS BST": "Y", "PIP": "TIDAK",
                                                  "DESIL": "Desil 3"}
    staged, errs, _ = check(row, header=header)
    assert errs is None
    assert (staged.pkh, staged.bpnt, staged.pbi) == (True, False, True)
    assert (staged.other_programs, staged.decile) == ("BPNT PPKM, BST", 3)
    (err,) = errors_of(row | {"DESIL": "11"}, header=header)
    assert err == ("DESIL", "11", 'DESIL "11" tidak sah (isi 1-10).')


@pytest.mark.parametrize("regency, district, village, code", [
    ("BATANG HARI", "MUARA BULIAN", "SRI DADI", SRIDADI),
    ("kab. batang hari", "kec. muara bulian", "sridadi", SRIDADI),
    ("Kabupaten Batanghari", "Muara  Bulian", "Kelurahan Sridadi", SRIDADI),
    ("BATANGHARI", "MUARABULIAN", "SRI-DADI", SRIDADI),
    ("BATANG HARI", "MARO SEBO ILIR", "DESA TERUSAN", "15.04.08.2006"),
    ("BATANG HARI", "MARO SEBO ILIR", "KEL. TERUSAN", "15.04.08.1001"),
])
def test_region_names_resolve_in_any_spelling(regency, district, village, code):
    staged, errs, _ = check(person(1, KABUPATEN_KOTA=regency, KECAMATAN=district,
                                   DESA_KELURAHAN=village))
    assert errs is None and staged.village_code == code


@pytest.mark.parametrize("province, regency, district, village, column, message", [
    ("JAMBI", "KOTA BATANG HARI", "MUARA BULIAN", "SRIDADI", "KABUPATEN/KOTA",
     'Kabupaten/kota "KOTA BATANG HARI" tidak dikenal.'),
    ("JAMBI", "BATANG HARI", "MUARA BULIAN", "SRI DADDI", "DESA/KELURAHAN",
     'Desa/kelurahan "SRI DADDI" tidak ditemukan di Kecamatan Muara Bulian'),
    ("JAMBI", "BATANG HARI", "MARO SEBO ILIR", "TERUSAN", "DESA/KELURAHAN",
     'Nama "TERUSAN" dipakai oleh Kelurahan Terusan (15.04.08.1001) dan Desa Terusan'),
    ("JAMBI", "BATANG HARI", "", "SRIDADI", "KECAMATAN", "KECAMATAN kosong."),
    ("JAMBI", "KOTA JAMBI", "KOTA BARU", "SIMPANG III SIPIN", "KABUPATEN/KOTA",
     "Desa/kelurahan ini berada di Kota Jambi"),
    ("RIAU", "BATANG HARI", "MUARA BULIAN", "SRIDADI", "PROVINSI",
     'Provinsi "RIAU" tidak dikenal.'),
])
def test_region_names_are_never_guessed(province, regency, district, village, column,
                                        message):
    (err,) = errors_of(person(1, PROVINSI=province, KABUPATEN_KOTA=regency,
                              KECAMATAN=district, DESA_KELURAHAN=village))
    assert err[0] == column and err[2].startswith(message)


def test_a_regency_without_villages_loaded_says_how_to_load_them():
    (err,) = errors_of(person(1, KABUPATEN_KOTA="MUARO JAMBI", KECAMATAN="JAMBI LUAR KOTA",
                              DESA_KELURAHAN="SENGETI"), scope="15")
    assert err[0] == "DESA/KELURAHAN"
    assert err[2].endswith("flask regions load --kabupaten 15.05")


def test_repeats_inside_the_file_are_flagged_for_the_sql_step(tmp_path):
    twice = person(3, ID_DTKS="15040320210000001")  # the ID DTKS of row 2 again
    path = write_csv(tmp_path / "dtks.csv", [person(1), person(2), twice])
    valid, problems, end = scan(path)
    assert problems == [] and len(valid) == 3  # each row is valid on its own...
    assert end.repeated() == ["registry_id"]  # ...the staging step looks them up in SQL
    path = write_csv(tmp_path / "dtks.csv", [person(1), person(2, NOMOR_NIK=nik(1))])
    assert scan(path)[2].repeated() == ["nik"]
    path = write_csv(tmp_path / "dtks.csv", [person(1), person(2)])
    assert scan(path)[2].repeated() == []
    assert scan(path)[2].villages == [SRIDADI]


@pytest.mark.parametrize("rt, decile", [("\u00b2", "\u00b3"), ("\u0663", "\u0665"), ("\u2460", "DESIL \u00b9")])
def test_digits_that_are_not_0_to_9_are_refused_not_crashed_on(rt, decile):
    """Superscript and Arabic-Indic digits pass str.isdigit() but are not RT or
    decile numbers; a spreadsheet pasted from elsewhere carries them."""
    header = [*HEADER, "DESIL"]
    errs = errors_of(person(1, RT=rt) | {"DESIL": decile}, header=header)
    assert [(col, value) for col, value, _ in errs] == [("RT", rt), ("DESIL", decile)]
    assert errs[0][2] == "RT harus angka 1-999 (mis. 003)."
    assert errs[1][2] == f'DESIL "{decile}" tidak sah (isi 1-10).'
