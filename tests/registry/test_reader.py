"""The importer's reader (slrt.dtks.importer.reader), without a database:
delimiters, encodings, the header and its aliases, a file cut short, Excel's
damage to numbers, .xlsx sheets and zip sizes."""

from __future__ import annotations

import io
import zipfile

import pytest

from slrt.dtks.importer import reader
from slrt.dtks.importer.base import ImportRefused, _Rejected
from slrt.dtks.importer.columns import classify_header
from slrt.dtks.importer.reader import CsvSource, Restart, check_upload, sniff
from tests.registry.sample import HEADER, SRIDADI, cells, nik, person, scan, write_csv


@pytest.mark.parametrize("delimiter, shown", [("|", "|"), (";", ";"), ("\t", "tab"),
                                              (",", ",")])
def test_each_delimiter_is_found_and_named(tmp_path, delimiter, shown):
    path = write_csv(tmp_path / "dtks.csv", [person(1), person(2)], delimiter=delimiter)
    layout = sniff(path)
    assert (layout.kind, layout.delimiter, layout.header_index) == ("csv", delimiter, 0)
    assert layout.describe == f"CSV (pemisah {shown}, UTF-8)"
    valid, problems, _ = scan(path)
    assert problems == [] and [r.village_code for r in valid] == [SRIDADI, SRIDADI]


@pytest.mark.parametrize("encoding, label", [("utf-8", "UTF-8"),
                                             ("utf-8-sig", "UTF-8 dengan BOM"),
                                             ("cp1252", "Windows-1252")])
def test_encodings_are_recognised_and_names_read_right(tmp_path, encoding, label):
    path = write_csv(tmp_path / "dtks.csv", [person(1, NAMA="JOSÉ MUÑOZ")], encoding=encoding)
    layout = sniff(path)
    assert layout.describe == f"CSV (pemisah |, {label})"
    valid, problems, _ = scan(path)
    assert problems == [] and valid[0].name == "JOSÉ MUÑOZ"


def test_windows_1252_after_the_first_64_kb_restarts_the_read(tmp_path):
    rows = [person(i) for i in range(1, 400)] + [person(400, NAMA="MUÑOZ")]
    path = write_csv(tmp_path / "dtks.csv", rows, encoding="cp1252")
    assert path.stat().st_size > reader.SNIFF_BYTES
    layout = sniff(path)
    assert layout.encoding == "utf-8"  # all the sniffer saw was ASCII
    with pytest.raises(Restart):
        scan(path, layout=layout)
    layout.encoding, layout.lossy = "cp1252", True  # what the import does then
    valid, problems, _ = scan(path, layout=layout)
    assert problems == [] and valid[-1].name == "MUÑOZ"


def test_header_aliases_lower_case_and_other_programs():
    header = ["No", "Id DTKS", "Nama Lengkap", "NIK", "No. KK", "Kab/Kota", "Kec.",
              "Desa/Kel", "JK", "Tgl Lahir", "SHDK", "Bansos BST", "PIP", "Keterangan"]
    fields, others, ignored = classify_header(header)
    assert fields == {"registry_id": 1, "name": 2, "nik": 3, "no_kk": 4, "regency": 5,
                      "district": 6, "village": 7, "sex": 8, "birth_date": 9,
                      "relationship": 10}
    assert others == [(11, "BST"), (12, "PIP")]
    assert ignored == ["No", "Keterangan"]


def test_the_header_is_found_below_title_lines(tmp_path):
    path = tmp_path / "dtks.csv"
    body = write_csv(tmp_path / "body.csv", [person(1)], delimiter=";").read_text()
    path.write_text("DATA TERPADU KESEJAHTERAAN SOSIAL\r\nKABUPATEN BATANGHARI\r\n\r\n" + body)
    layout = sniff(path)
    assert (layout.delimiter, layout.header_index) == (";", 3)
    valid, problems, _ = scan(path)
    assert problems == [] and valid[0].row_no == 5  # the spreadsheet row


def test_a_file_without_a_known_header_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("tanggal;jumlah;catatan\r\n2022-07-01;3;-\r\n")
    with pytest.raises(_Rejected, match="tidak dikenali sebagai data DTKS"):
        sniff(path)


def test_binary_data_and_old_excel_files_are_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"ID DTKS|NIK\x00\x00\x00")
    with pytest.raises(_Rejected, match="data biner"):
        sniff(path)
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(_Rejected, match=r"\.xls\) tidak didukung"):
        sniff(path)


def test_a_file_cut_in_its_last_row_is_refused(tmp_path):
    path = write_csv(tmp_path / "dtks.csv", [person(1), person(2)])
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b"|LAKI-LAKI|")])  # stops mid-row, no line end
    assert not CsvSource(path, sniff(path)).ends_with_newline
    with pytest.raises(_Rejected, match=r"Berkas terpotong: baris terakhir \(baris 3\)"):
        scan(path)


def test_a_short_last_row_with_its_line_end_is_read_as_empty_cells(tmp_path):
    path = write_csv(tmp_path / "dtks.csv", [person(1), person(2)])
    lines = path.read_bytes().split(b"\r\n")
    lines[2] = b"|".join(lines[2].split(b"|")[:12])  # up to NAMA: sex, flags... missing
    path.write_bytes(b"\r\n".join(lines))
    valid, problems, _ = scan(path)  # not a cut file: the line ends
    assert [r.row_no for r in valid] == [2]
    assert [(p.row_no, p.column, p.value) for p in problems] == [(3, "JENIS KELAMIN", "")]


def test_an_excel_mangled_nik_in_a_csv_is_a_row_problem(tmp_path):
    path = write_csv(tmp_path / "dtks.csv", [person(1, NOMOR_NIK="1.50403E+15"), person(2)])
    valid, problems, end = scan(path)
    assert [r.row_no for r in valid] == [3]
    (problem,) = problems
    assert (problem.row_no, problem.column, problem.value) == (2, "NOMOR NIK", "1.50403E+15")
    assert "dirusak Excel" in problem.message


def test_an_xlsx_sheet_is_read_and_numeric_ids_refused(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "DTKS"
    sheet.append(["Ekspor SIKS-NG"])  # a title line above the header
    sheet.append(HEADER)
    sheet.append(cells(person(1)))
    number = cells(person(2))
    number[HEADER.index("NOMOR NIK")] = int(nik(2))  # what Excel makes of a typed NIK
    sheet.append(number)
    sheet.append([None] * len(HEADER))  # an empty row is skipped
    path = tmp_path / "dtks.xlsx"
    book.save(path)
    layout = sniff(path)
    assert (layout.kind, layout.header_index, layout.describe) == (
        "xlsx", 1, "Excel .xlsx (lembar DTKS)")
    valid, problems, _ = scan(path)
    assert [r.nik for r in valid] == [nik(1)]
    (problem,) = problems
    assert problem.row_no == 4 and problem.value == int(nik(2))
    assert "tersimpan sebagai angka di Excel" in problem.message


def test_an_xlsx_that_would_unpack_to_too_much_is_refused_before_it_is_read(monkeypatch):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"<row/>" * 50_000)
    stream.seek(0)
    check_upload(stream)  # within the limits
    assert stream.tell() == 0
    monkeypatch.setattr(reader, "XLSX_MAX_UNPACKED", 100_000)
    with pytest.raises(ImportRefused, match="lebih dari batas"):
        check_upload(stream)
    assert stream.tell() == 0
    check_upload(io.BytesIO(b"ID DTKS|NIK\r\n"))  # not a zip: nothing to check
