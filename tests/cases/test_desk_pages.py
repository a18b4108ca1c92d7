"""The front desk through the test client: lookup, register, bad input, list, case page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from slrt.cases.models import Case, Person
from tests.factories import ARO, OLAK, build_nik
from tests.http import login, post

BASE_FORM = {
    "step": "simpan", "village_code": ARO, "category_code": "pbi_tidak_aktif",
    "channel": "datang_langsung", "urgency": "biasa", "reporter_is_beneficiary": "ya",
    "description": "KIS ditolak di puskesmas, katanya tidak aktif.",
}


@pytest.fixture
def operator(client, make_user):
    user = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    login(client, user)
    return user


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_lookup_by_nik_with_separators_shows_registry_status(client, operator, make_registry):
    rec = make_registry("Siti Aminah", sex="P", birth=date(1969, 4, 12), bpnt=True, decile=2)
    spaced = f"{rec.nik[:4]} {rec.nik[4:8]}.{rec.nik[8:12]}-{rec.nik[12:]}"
    resp = post(client, "/kasus/baru", {"step": "cari", "nik": spaced})
    assert resp.status_code == 200
    assert "Terdaftar di DTKS" in resp.text
    assert "BPNT/Sembako" in resp.text and "Juli 2022" in resp.text
    assert 'value="Siti Aminah"' in resp.text  # the complaint form is prefilled


def test_lookup_of_unknown_nik_says_not_in_registry(client, operator, make_registry):
    make_registry("Warga Terdaftar")
    nik = build_nik("15.04.03", date(2001, 9, 30), "P", 12)
    resp = post(client, "/kasus/baru", {"step": "cari", "nik": nik})
    assert "Tidak terdaftar di DTKS/DTSEN" in resp.text
    assert 'value="2001-09-30"' in resp.text  # birth date read from the NIK


@pytest.mark.parametrize("bad, message", [
    ("1504031206", "16 angka"),
    ("1504033202800001", "Kode tanggal lahir 32"),
    ("1504033002800001", "30 Februari 1980"),
    ("1504031202800000", "0000"),
    ("9904031202800001", "provinsi"),
    ("1.50403E+15", "Excel"),
])
def test_lookup_with_malformed_nik_explains_at_the_field(client, operator, bad, message):
    resp = post(client, "/kasus/baru", {"step": "cari", "nik": bad})
    assert resp.status_code == 422
    errors = re.findall(r'<p class="error" id="nik-err">([^<]*)</p>', resp.text)
    assert errors and message in errors[0]
    assert f'value="{bad}"' in resp.text


def test_lookup_by_name_within_village(client, operator, make_registry):
    make_registry("Muhammad Yusuf", village=ARO)
    make_registry("Muhammad Yusuf", village=OLAK)
    resp = post(client, "/kasus/baru", {"step": "cari", "name": "yusuf", "village_code": ARO})
    assert resp.status_code == 200
    assert resp.text.count('name="record_id"') == 1


def test_name_search_cannot_reach_another_village(client, operator, make_registry):
    rec = make_registry("Muhammad Yusuf", village=OLAK)
    resp = post(client, "/kasus/baru", {"step": "cari", "name": "yusuf", "village_code": OLAK})
    assert resp.status_code == 422 and 'name="record_id"' not in resp.text
    resp = post(client, "/kasus/baru", {"step": "pilih", "record_id": str(rec.id)})
    assert resp.status_code == 404


def test_register_walk_in_then_receipt_and_case_page(client, operator, make_registry, db):
    rec = make_registry("Siti Aminah", sex="P", birth=date(1969, 4, 12), pbi=True)
    resp = post(client, "/kasus/baru", {**BASE_FORM, "nik": rec.nik, "name": "Siti Aminah",
                                        "phone": "0812-7455-3120"})
    assert resp.status_code == 302
    case = db.session.scalars(select(Case)).one()
    assert resp.location.endswith(f"/kasus/{case.id}")
    assert case.beneficiary.phone == "081274553120"
    page = client.get(resp.location)
    assert case.number in page.text and "Pengaduan tercatat" in page.text
    assert "Bukti pemeriksaan DTKS/DTSEN" in page.text and "Juli 2022" in page.text
    receipt = client.get(f"/kasus/{case.id}/tanda-terima")
    assert receipt.status_code == 200
    assert "TANDA TERIMA PENGADUAN" in receipt.text and case.number in receipt.text
    assert rec.nik not in receipt.text  # the receipt masks the NIK
    assert f"{rec.nik[:6]}******{rec.nik[-4:]}" in receipt.text


def test_bad_input_keeps_everything_typed_and_saves_nothing(client, operator, db):
    form = {**BASE_FORM, "nik": "1504031202800001", "name": "Budi Santoso",
            "birth_date": "2099-01-01", "phone": "12345", "rt": "12a",
            "description": "x" * 4001, "household_size": "2", "children_count": "3",
            "reporter_is_beneficiary": "tidak", "reporter_name": ""}
    resp = post(client, "/kasus/baru", form)
    assert resp.status_code == 422
    html = resp.text
    for field, text in [("birth_date", "masa depan"), ("phone", "Nomor telepon"),
                        ("rt", "RT/RW"), ("description", "Maksimal 4000"),
                        ("household_size", "melebihi"), ("reporter_name", "Nama pelapor")]:
        assert re.search(rf'id="{field}-err">[^<]*{text}', html), field
    assert 'value="Budi Santoso"' in html and 'value="12345"' in html
    assert "Periksa isian yang ditandai merah." in html
    assert "This field" not in html and "Not a valid" not in html
    assert count(db, Case) == 0 and count(db, Person) == 0


def test_missing_required_fields_are_explained(client, operator, db):
    resp = post(client, "/kasus/baru", {"step": "simpan", "village_code": ARO,
                                        "reporter_is_beneficiary": "ya"})
    assert resp.status_code == 422
    assert re.search(r'id="category_code-err">Pilih kategori', resp.text)
    assert re.search(r'id="description-err">Uraian pengaduan wajib', resp.text)
    assert re.search(r'id="name-err">Nama penerima manfaat wajib', resp.text)
    assert count(db, Case) == 0


def test_unidentified_person_needs_description_and_reporter(client, operator, db):
    form = {**BASE_FORM, "is_unidentified": "y", "category_code": "ppks_lansia_terlantar",
            "reporter_is_beneficiary": "ya"}
    resp = post(client, "/kasus/baru", form)
    assert resp.status_code == 422
    assert "ciri-ciri" in resp.text and "isi data pelapor" in resp.text
    form.update(identifying_notes="Nenek kira-kira 70 tahun, baju batik cokelat.",
                reporter_is_beneficiary="tidak", reporter_name="Pak RT Sahrul",
                reporter_relation="Ketua RT 04", urgency="darurat")
    resp = post(client, "/kasus/baru", form)
    assert resp.status_code == 302
    case = db.session.scalars(select(Case)).one()
    assert case.beneficiary.is_unidentified and case.beneficiary.nik is None
    assert case.reporter_name == "Pak RT Sahrul"


def test_duplicate_warning_offers_to_add_to_open_case(client, operator, make_registry, db):
    rec = make_registry("Rosmawati", sex="P", birth=date(1982, 2, 7))
    form = {**BASE_FORM, "nik": rec.nik, "name": "Rosmawati"}
    assert post(client, "/kasus/baru", form).status_code == 302
    first = db.session.scalars(select(Case)).one()
    again = post(client, "/kasus/baru", {**form, "description": "Masih belum aktif juga."})
    assert again.status_code == 409
    assert first.number in again.text and "Tetap catat sebagai kasus baru" in again.text
    assert 'value="Masih belum aktif juga."' in again.text or "Masih belum aktif juga." in again.text
    add = post(client, f"/kasus/{first.id}/tambah-pengaduan",
               {"description": "Masih belum aktif juga.", "channel": "datang_langsung"})
    assert add.status_code == 302
    assert count(db, Case) == 1
    page = client.get(f"/kasus/{first.id}")
    assert "Masih belum aktif juga." in page.text
    insisted = post(client, "/kasus/baru", {**form, "allow_duplicate": "1"})
    assert insisted.status_code == 302 and count(db, Case) == 2


def test_note_and_close_at_desk(client, operator, register, db):
    case = register(operator, nik=build_nik("15.04.03", date(1970, 1, 1), "L", 1), name="Rahmat")
    assert post(client, f"/kasus/{case.id}/catatan", {"text": ""}).status_code == 422
    assert post(client, f"/kasus/{case.id}/catatan",
                {"text": "Sudah ditelepon ke BPJS."}).status_code == 302
    bad = post(client, f"/kasus/{case.id}/tutup", {"outcome": "", "version": case.version})
    assert bad.status_code == 422 and "Pilih hasil penanganan" in bad.text
    db.session.expire_all()
    current = db.session.get(Case, case.id).version  # the note changed the case
    ok = post(client, f"/kasus/{case.id}/tutup",
              {"outcome": "informasi", "note": "Dijelaskan cara reaktivasi.",
               "version": str(current)})
    assert ok.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "selesai"
    page = client.get(f"/kasus/{case.id}").text
    assert "Sudah ditelepon ke BPJS." in page and "Kasus diselesaikan di desa" in page


def test_close_with_outdated_form_does_not_overwrite(client, operator, register, db, now):
    from slrt.cases import services

    case = register(operator, nik=build_nik("15.04.03", date(1970, 1, 2), "L", 1), name="Rahmat")
    old_version = case.version
    services.add_note(operator, case, "perubahan lain", now=now)
    case.outcome_note = ""
    db.session.commit()
    resp = post(client, f"/kasus/{case.id}/tutup",
                {"outcome": "informasi", "version": str(old_version - 1)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "terbuka"


def test_case_list_search_by_number_nik_and_name(client, operator, register):
    a = register(operator, nik=build_nik("15.04.03", date(1975, 5, 5), "P", 1), name="Siti Aminah")
    b = register(operator, nik=build_nik("15.04.03", date(1980, 8, 8), "L", 2), name="Joko Susilo",
                 category="bansos_tidak_diterima")

    def found(q):
        html = post(client, "/kasus", {"q": q}).text
        return {n for n in re.findall(r">(BH-\d{4}-\d{4})</a>", html)}

    assert found(a.number) == {a.number}
    assert found(a.number.replace("-", "").lower()) == {a.number}
    assert found(b.beneficiary.nik) == {b.number}
    assert found("aminah") == {a.number}
    assert found("") == {a.number, b.number}
    html = client.get("/kasus?category=bansos_tidak_diterima").text
    assert b.number in html and a.number not in html


def test_case_list_never_shows_another_village(client, operator, make_user, register):
    other = make_user("operator", villages=[OLAK])
    theirs = register(other, village=OLAK, nik=build_nik("15.04.03", date(1975, 5, 6), "P", 1),
                      name="Warga Olak")
    listed = re.compile(r">(BH-\d{4}-\d{4})</a>")
    assert theirs.number not in listed.findall(client.get("/kasus").text)
    assert listed.findall(post(client, "/kasus", {"q": theirs.number}).text) == []
    assert client.get(f"/kasus/{theirs.id}").status_code == 404
    assert client.get(f"/kasus/{theirs.id}/tanda-terima").status_code == 404
    assert post(client, f"/kasus/{theirs.id}/catatan", {"text": "x"}).status_code == 404
    assert post(client, f"/kasus/{theirs.id}/tutup", {"outcome": "informasi"}).status_code == 404


def test_case_list_pages_with_keyset(client, operator, register, app):
    app.config["PAGE_SIZE"] = 2
    numbers = [register(operator, nik=build_nik("15.04.03", date(1960, 1, 1 + i), "L", 1),
                        name=f"Warga {i}").number for i in range(5)]
    first = client.get("/kasus").text
    assert re.findall(r">(BH-\d{4}-\d{4})</a>", first) == numbers[::-1][:2]
    before = re.search(r'name="before" value="(\d+)"', first).group(1)
    second = post(client, "/kasus", {"before": before}).text
    assert re.findall(r">(BH-\d{4}-\d{4})</a>", second) == numbers[::-1][2:4]


def test_case_list_query_uses_an_index(db, make_user):
    """A village's list reads an index, not the whole table."""
    from slrt.cases.queries import CaseFilters, list_cases

    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    user = make_user("operator", villages=[ARO])
    from tests.database import statements

    with statements(db.engine) as seen:
        list_cases(user, CaseFilters(status="terbuka"))
    stmt, params = next((s, p) for s, p in seen
                        if s.lstrip().upper().startswith("SELECT") and "FROM cases" in s)
    with db.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + stmt,
                                                                 params))
    assert "USING INDEX ix_cases_village" in plan or "USING COVERING INDEX ix_cases_village" in plan
    assert "SCAN cases" not in plan


def test_dtks_check_page_by_nik_and_kk(client, operator, make_registry):
    head = make_registry("Abdul Rahman", no_kk="1504030203160501")
    make_registry("Nurhayati", sex="P", no_kk="1504030203160501", relationship="Istri")
    by_nik = post(client, "/dtks/cek", {"q": head.nik})
    assert "Terdaftar di DTKS" in by_nik.text and "Nurhayati" in by_nik.text
    by_kk = post(client, "/dtks/cek", {"q": "1504 0302 0316 0501"})
    assert "Abdul Rahman" in by_kk.text and "Nurhayati" in by_kk.text
    bad = post(client, "/dtks/cek", {"q": "123"})
    assert "16 angka" in bad.text


def test_wib_dates_with_indonesian_months(client, operator, register):
    from datetime import UTC, datetime

    case = register(operator, nik=build_nik("15.04.03", date(1970, 1, 3), "L", 1), name="Rahmat",
                    when=datetime(2026, 8, 17, 2, 5, tzinfo=UTC))
    page = client.get(f"/kasus/{case.id}").text
    assert "17 Agustus 2026 09.05 WIB" in page


def test_search_form_of_the_list_page_can_be_submitted(client, operator):
    """The list page's own search form carries its CSRF token (a browser uses that one)."""
    from tests.http import csrf_from

    page = client.get("/kasus")
    resp = client.post("/kasus", data={"q": "aminah", "csrf_token": csrf_from(page.text)})
    assert resp.status_code == 200


def test_the_case_page_leads_the_village_to_the_visit_log(app, client, make_user, register):
    facilitator = make_user("fasilitator", villages=[ARO])
    case = register(facilitator, nik=build_nik("15.04.03", date(1961, 4, 2), "P", 41),
                    name="Rosmiati", category="korban_bencana")
    login(client, facilitator)
    page = client.get(f"/kasus/{case.id}").text
    assert f'href="/desa-saya/kasus/{case.id}/kunjungan"' in page
    assert client.get(f"/desa-saya/kasus/{case.id}/kunjungan").status_code == 200
    office = app.test_client()
    login(office, make_user("supervisor"))
    assert "/kunjungan" not in office.get(f"/kasus/{case.id}").text
