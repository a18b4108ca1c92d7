"""The case timeline: each kind's sentence written from its stored facts,
through gettext, at the time it is shown."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from slrt.cases.timeline import render
from tests.commands import command

LOG = "BENCANA_LOG"

# kind, stored facts, the sentence the earlier code wrote for them.
CASES = [
    ("dibuat", dict(channel="datang_langsung", urgency="biasa", reporter_is_beneficiary=True,
                    reporter_name="", reporter_relation=""),
     "Pengaduan dicatat (Datang langsung); pelapor: penerima manfaat sendiri."),
    ("dibuat", dict(channel="whatsapp", urgency="segera", reporter_is_beneficiary=False,
                    reporter_name="Budi Santoso", reporter_relation="anak"),
     "Pengaduan dicatat (WhatsApp); pelapor: Budi Santoso (anak)."),
    ("dibuat", dict(channel="telepon", reporter_is_beneficiary=False,
                    reporter_name="Budi Santoso", reporter_relation=""),
     "Pengaduan dicatat (Telepon); pelapor: Budi Santoso."),
    ("cek_dtks", dict(checked=True, found=True, source="DTKS", active=True, period="2022-07"),
     "Pemeriksaan DTKS: terdaftar (data periode Juli 2022)."),
    ("cek_dtks", dict(checked=True, found=True, source="DTSEN", active=False, period="2025-12"),
     "Pemeriksaan DTSEN: tercatat tidak aktif (data periode Desember 2025)."),
    ("cek_dtks", dict(checked=True, found=False, period="2022-07"),
     "Pemeriksaan DTKS: tidak terdaftar (data periode Juli 2022)."),
    ("cek_dtks", dict(checked=True, found=False, period=""),
     "Pemeriksaan DTKS: tidak terdaftar (belum ada data DTKS yang dimuat)."),
    ("cek_dtks", dict(checked=False, found=False, period="2022-07"),
     "DTKS tidak diperiksa: identitas penerima manfaat tidak diketahui."),
    ("pengaduan_tambahan", dict(channel="telepon", text="KIS masih ditolak di RSUD."),
     "Pengaduan tambahan (Telepon): KIS masih ditolak di RSUD."),
    ("catatan", dict(text="Warga datang lagi.\nMembawa KK."), "Warga datang lagi.\nMembawa KK."),
    ("ditutup", dict(outcome="informasi", note=""),
     "Kasus diselesaikan di desa: Informasi/penjelasan diberikan."),
    ("ditutup", dict(outcome="lainnya", note="Dibantu tetangga."),
     "Kasus diselesaikan di desa: Lainnya (lihat catatan). Catatan: Dibantu tetangga."),
    ("ditutup", dict(outcome="rujukan_selesai"), "Semua rujukan selesai; kasus ditutup otomatis."),
    ("dibuka_kembali", {}, "Tidak ada rujukan yang terbuka atau berhasil; kasus kembali ke meja "
                           "Puskesos untuk ditindaklanjuti."),
    ("rujukan", dict(referral_id=1, program=LOG, program_name="x", unit="y", due="2026-12-04",
                     reason="Rumah terbakar."),
     "Dirujuk ke {name} ({unit}), batas layanan 04-12-2026. Alasan: Rumah terbakar."),
    ("rujukan", dict(referral_id=2, program=LOG, program_name="x", unit="y", due="2026-12-07",
                     forwarded=True),
     "Diteruskan ke {name} ({unit}), batas layanan 07-12-2026."),
    ("rujukan_terima", dict(referral_id=1, action="terima", status="diterima", old="dikirim",
                            number="BH-2611-0001-R1", program=LOG, reason=""),
     "BH-2611-0001-R1 ({name}): Dikirim, menunggu diterima → Diterima."),
    ("rujukan_minta_info", dict(referral_id=1, action="minta_info", status="perlu_info",
                                old="diterima", number="BH-2611-0001-R1", program=LOG,
                                reason="Berapa anggota keluarga?"),
     "BH-2611-0001-R1 ({name}): Diterima → Dikembalikan: perlu informasi. "
     "Pertanyaan untuk desa: Berapa anggota keluarga?"),
    ("rujukan_tugas", dict(referral_id=1, number="BH-2611-0001-R1", handler="Dedi Irawan"),
     "BH-2611-0001-R1 ditugaskan kepada Dedi Irawan."),
    ("rujukan_tugas", dict(referral_id=1, number="BH-2611-0001-R1", handler=None),
     "BH-2611-0001-R1 dilepas dari petugas."),
    ("serah_terima", dict(referral_id=1, number="BAST/BH-2611-0001-R1", recipient="Siti Aminah",
                          items=[[10, "kg", "Beras"], [2, "lembar", "Selimut"]]),
     "Serah terima barang BAST/BH-2611-0001-R1 kepada Siti Aminah: 10 kg beras, 2 lembar "
     "selimut."),
    ("serah_terima", dict(number="BAST/BH-2611-0001-R1", recipient="Siti Aminah",
                          items_text="10 kg beras"),
     "Serah terima barang BAST/BH-2611-0001-R1 kepada Siti Aminah: 10 kg beras."),
    ("rujukan_jeda", dict(referral_id=1, action="jeda", number="BH-2611-0001-R1",
                          reason="Menunggu surat keterangan"),
     "BH-2611-0001-R1: waktu layanan dijeda. Alasan: Menunggu surat keterangan"),
    ("rujukan_lanjut", dict(referral_id=1, action="lanjut", number="BH-2611-0001-R1", days=3,
                            old_due="2027-01-14", due="2027-01-19", note=""),
     "BH-2611-0001-R1: jeda selesai setelah 3 hari kerja; batas layanan 19 Januari 2027."),
    ("rujukan_lanjut", dict(number="BH-2611-0001-R1", days=0, due="2027-01-19",
                            note="Surat sudah ada"),
     "BH-2611-0001-R1: jeda selesai setelah 0 hari kerja; batas layanan 19 Januari 2027. "
     "Keterangan: Surat sudah ada"),
    ("kunjungan", dict(visited_at="2026-01-12T02:00:00+00:00", outcome="tidak_di_rumah",
                       notes="Rumah kosong.", next_visit="2026-01-12T15:30:00+07:00",
                       next_visit_why="sore"),
     "Kunjungan penjangkauan 12 Januari 2026 09.00 WIB: Tidak di rumah. Catatan: Rumah kosong. "
     "Kunjungan berikutnya disarankan 12 Januari 2026 15.30 WIB (warga biasanya di kebun pagi "
     "sampai siang; coba sore hari)."),
    ("kunjungan", dict(visited_at="2026-01-12T04:00:00+00:00", outcome="meninggal",
                       notes="", stale_proposal="US-2601-0001"),
     "Kunjungan penjangkauan 12 Januari 2026 11.00 WIB: Meninggal. Usulan penonaktifan DTKS "
     "US-2601-0001 masuk pra-daftar Musdes."),
    ("kunjungan", dict(visited_at="2026-01-12T04:00:00+00:00", outcome="pindah",
                       notes="Ke Jambi", stale_none=True),
     "Kunjungan penjangkauan 12 Januari 2026 11.00 WIB: Pindah. Catatan: Ke Jambi Warga tidak "
     "tercatat aktif di DTKS; tidak ada usulan penonaktifan."),
    ("tindak_lanjut", dict(text="Menelepon petugas; bantuan Jumat."),
     "Tindak lanjut: Menelepon petugas; bantuan Jumat."),
    ("usulan", dict(proposal_id=1, step="dibuat", number="US-2601-0001", proposal_kind="nonaktif"),
     "Usulan DTKS US-2601-0001 dibuat: Penonaktifan."),
    ("usulan", dict(proposal_id=1, step="dicabut", flag="meninggal", name="Ahmad",
                    number="US-2601-0001"),
     "Laporan \"dilaporkan meninggal\" atas Ahmad dicabut; usulan US-2601-0001 dicabut."),
    ("usulan", dict(proposal_id=1, step="musdes", date="2026-02-03", number="US-2601-0001",
                    status="disetujui"),
     "Musdes 03-02-2026: usulan US-2601-0001 disetujui musdes."),
    ("usulan", dict(proposal_id=1, step="dikirim", number="US-2601-0001"),
     "Usulan US-2601-0001 dikirim ke SIKS-NG."),
    ("usulan", dict(proposal_id=1, step="kemensos", number="US-2601-0001",
                    status="ditolak_kemensos"),
     "Usulan US-2601-0001: ditolak kemensos."),
]


def _program_words(db):
    from slrt.referrals.models import Program

    program = db.session.get(Program, LOG)
    return {"name": program.name, "unit": program.unit}


@pytest.mark.parametrize("kind,data,expected", CASES,
                         ids=[f"{k}-{i}" for i, (k, _d, _e) in enumerate(CASES)])
def test_each_kind_renders_its_sentence_from_its_facts(db, kind, data, expected):
    assert render(kind, data) == expected.format(**_program_words(db))


def test_a_legacy_row_and_an_unknown_kind_show_the_stored_text(db):
    assert render("rujukan", {"referral_id": 1}, "Dirujuk ke PKH (lama).") == \
        "Dirujuk ke PKH (lama)."
    assert render("jenis_lama", {}, "Teks lama.") == "Teks lama."
    # Facts that do not make a sentence (a kind this code does not know, facts
    # missing) fall back to the stored text rather than failing the page.
    assert render("jenis_lama", {"a": 1}) == ""
    assert render("tindak_lanjut", {}) == ""


def test_a_renamed_program_shows_on_old_events(db):
    from slrt.referrals.models import Program

    data = dict(referral_id=1, program=LOG, program_name="Nama lama", unit="Unit lama",
                due="2026-12-04", reason="R.")
    db.session.get(Program, LOG).name = "Logistik bencana (nama baru)"
    assert render("rujukan", data).startswith("Dirujuk ke Logistik bencana (nama baru) (")
    # A program no longer in the table: the names stored with the event.
    gone = {**data, "program": "HAPUS"}
    assert render("rujukan", gone).startswith("Dirujuk ke Nama lama (Unit lama), ")


def test_services_store_facts_not_sentences(db, make_user, register, now):
    from slrt.cases import services

    op = make_user("operator")
    case = register(op, nik="1504035406780002")
    services.add_note(op, case, "Membawa KK.", now=now)
    services.close_at_desk(op, case, "lainnya", "Dibantu desa.", now=now)
    db.session.commit()
    events = case.events
    assert [e.message for e in events] == ["", "", "", ""]
    assert events[-1].data == {"outcome": "lainnya", "note": "Dibantu desa."}
    assert [e.text for e in events[-2:]] == [
        "Membawa KK.",
        "Kasus diselesaikan di desa: Lainnya (lihat catatan). Catatan: Dibantu desa."]


def _english_catalogue(tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="en")
    catalog.add("Kasus diselesaikan di desa: %(outcome)s.", "Case settled in the village: "
                "%(outcome)s.")
    catalog.add("Lainnya (lihat catatan)", "Other (see the note)")
    catalog.add("Catatan: %(note)s", "Note: %(note)s")
    catalog.add("Pengaduan dicatat (%(channel)s); pelapor: %(reporter)s.",
                "Complaint recorded (%(channel)s); reported by: %(reporter)s.")
    catalog.add("penerima manfaat sendiri", "the beneficiary")
    catalog.add("Datang langsung", "Walk-in")
    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as out:
        write_mo(out, catalog)
    return tmp_path


def test_another_language_changes_the_words_not_the_rows(app, db, make_user, register, now,
                                                         tmp_path):
    from flask_babel import Domain, force_locale

    from slrt.cases import services
    from slrt.cases.models import CaseEvent

    op = make_user("operator")
    case = register(op, nik="1504035406780002")
    services.close_at_desk(op, case, "lainnya", "Dibantu desa.", now=now)
    db.session.commit()
    rows = lambda: [(e.kind, e.message, e.data) for e in db.session.scalars(  # noqa: E731
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]
    before = rows()
    first, last = case.events[0], case.events[-1]
    domain = Domain(translation_directories=[str(_english_catalogue(tmp_path))])
    with app.test_request_context():
        domain.as_default()
        assert last.text == ("Kasus diselesaikan di desa: Lainnya (lihat catatan). "
                             "Catatan: Dibantu desa.")
        with force_locale("en"):
            assert last.text == "Case settled in the village: Other (see the note). " \
                                "Note: Dibantu desa."
            assert first.text == "Complaint recorded (Walk-in); reported by: the beneficiary."
    db.session.expire_all()
    assert rows() == before


def test_the_pages_show_the_rendered_sentence(client, db, make_user, register):
    from tests.http import login

    op = make_user("operator")
    case = register(op, nik="1504035406780002")
    login(client, op)
    html = client.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert "Pengaduan dicatat (Datang langsung); pelapor: penerima manfaat sendiri." in html


def test_every_event_the_demo_writes_has_facts_that_make_its_sentence(db, db_url, tmp_path):
    """The services through the demo load (registrations, desk closings,
    referrals and their moves, proposals, pauses): each event stores no
    sentence and its facts make one (a missing fact would show nothing)."""
    from slrt.cases.models import CaseEvent

    command(db_url, tmp_path, "demo", "load", "--quiet", timeout=300)
    db.session.remove()
    events = db.session.scalars(select(CaseEvent)).all()
    assert {e.kind for e in events} >= {"dibuat", "cek_dtks", "ditutup", "rujukan",
                                         "rujukan_terima", "rujukan_minta_info",
                                         "rujukan_jeda", "usulan"}
    assert {e.message for e in events} == {""}
    assert [(e.kind, e.data) for e in events if not e.text] == []


def test_the_other_kinds_written_by_the_services_make_their_sentences(db, make_user, register):
    """Every kind the demo does not write, through its service."""
    from datetime import UTC, datetime

    from slrt.cases import services as cases
    from slrt.outreach import services as outreach
    from slrt.referrals import pauses
    from slrt.referrals import services as referrals
    from slrt.referrals.aid import Composition

    now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    op = make_user("operator")
    fas = make_user("fasilitator")
    handler = make_user("handler", programs=["BENCANA_LOG"], full_name="Dedi Irawan")
    case = register(op, nik="1504035406780002", category="korban_bencana", name="Sahril")
    cases.add_to_open_case(op, case, "Atap juga rusak.", "telepon", now=now)
    cases.add_note(op, case, "Membawa KK.", now=now)
    outreach.record_contact(fas, case, "Menelepon petugas.", now=now)
    outreach.record_visit(fas, case, outcome="tidak_di_rumah", visited_at=now, notes="",
                          now=now)
    (ref,) = referrals.refer(op, case, ["BENCANA_LOG"], "Rumah terbakar.", now=now)
    referrals.move(handler, ref, "terima", now=now)
    referrals.assign(handler, ref, handler.id, now=now)
    referrals.assign(handler, ref, None, now=now)
    referrals.record_handover(handler, ref, Composition(adult_men=1), {"matras": 1}, "Sahril",
                              "", now=now)
    pauses.pause(handler, ref, "Menunggu surat.", now=now)
    pauses.resume(handler, ref, now=now, note="Surat ada.")
    referrals.move(handler, ref, "teruskan", "Butuh santunan.", now=now,
                   target_program="BENCANA_SANTUNAN")
    db.session.commit()
    texts = {e.kind: e.text for e in case.events}
    assert {e.message for e in case.events} == {""}
    number = ref.number
    assert texts["pengaduan_tambahan"] == "Pengaduan tambahan (Telepon): Atap juga rusak."
    assert texts["catatan"] == "Membawa KK."
    assert texts["tindak_lanjut"] == "Tindak lanjut: Menelepon petugas."
    assert texts["kunjungan"].startswith("Kunjungan penjangkauan 27 November 2026 10.00 WIB: "
                                         "Tidak di rumah. Kunjungan berikutnya disarankan 27 "
                                         "November 2026 15.30 WIB (")
    assert texts["rujukan_tugas"] == f"{number} dilepas dari petugas."
    assert texts["serah_terima"].startswith(f"Serah terima barang BAST/{number} kepada "
                                            "Sahril: 1 ")
    assert texts["rujukan_jeda"] == f"{number}: waktu layanan dijeda. Alasan: Menunggu surat."
    assert texts["rujukan_lanjut"].startswith(f"{number}: jeda selesai setelah 0 hari kerja; "
                                              "batas layanan ")
    assert texts["rujukan_lanjut"].endswith(". Keterangan: Surat ada.")
    assert texts["rujukan_teruskan"].endswith(
        "Diterima → Diteruskan ke program lain. Alasan diteruskan: Butuh santunan.")
    assert texts["rujukan"].startswith("Diteruskan ke Santunan korban bencana (")
    assigned = [e.text for e in case.events if e.kind == "rujukan_tugas"][0]
    assert assigned == f"{number} ditugaskan kepada Dedi Irawan."
