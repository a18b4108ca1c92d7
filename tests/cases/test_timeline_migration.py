"""Migration 0012: the timeline's old sentences are read back into facts and
show the same words; the table stays append-only on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.database import app_before, revision_before, upgrade_old_world
from tests.factories import ARO, PASSWORD, build_nik

BEFORE = revision_before("0012_timeline")


@pytest.fixture
def old_app(tmp_path):
    """An app on a database built up to the revision before the timeline kept facts."""
    with app_before("0012_timeline", tmp_path / "lama.db") as app:
        yield app


def _world():
    """A case and a referral made through the services, as any database has them."""
    from slrt.auth.services import create_user
    from slrt.cases import services
    from slrt.extensions import db
    from slrt.referrals import services as referrals

    op = create_user("operator1", "operator", password=PASSWORD, kabupaten="15.04",
                     villages=[ARO], programs=[], full_name="Rina Marlina")
    db.session.commit()
    now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    case = services.register_case(
        op, services.PersonInput(name="Syamsul Bahri",
                                 nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3)),
        services.ComplaintInput(village_code=ARO, category_code="korban_bencana",
                                description="Rumah terbakar.", channel="datang_langsung"),
        now=now, case_prefix="BH")
    db.session.commit()
    (ref,) = referrals.refer(op, case, ["BENCANA_LOG"], "Rumah terbakar.", now=now)
    db.session.commit()
    return op, case, ref


def _old_rows(case, ref):
    """(kind, message, data) as the earlier code wrote them, one or more per kind."""
    p = ref.program
    n = ref.number
    rid = ref.id
    return [
        ("dibuat", "Pengaduan dicatat (Datang langsung); pelapor: penerima manfaat sendiri.",
         {"channel": "datang_langsung", "urgency": "biasa"}),
        ("dibuat", "Pengaduan dicatat (WhatsApp); pelapor: Budi Santoso (anak).",
         {"channel": "whatsapp", "urgency": "segera"}),
        ("cek_dtks", "Pemeriksaan DTKS: terdaftar (data periode Juli 2022).",
         {"found": True, "period": "2022-07"}),
        ("cek_dtks", "Pemeriksaan DTSEN: tercatat tidak aktif (data periode Desember 2025).",
         {"found": True, "period": "2025-12"}),
        ("cek_dtks", "Pemeriksaan DTKS: tidak terdaftar (data periode Juli 2022).",
         {"found": False, "period": "2022-07"}),
        ("cek_dtks", "Pemeriksaan DTKS: tidak terdaftar (belum ada data DTKS yang dimuat).",
         {"found": False, "period": ""}),
        ("cek_dtks", "DTKS tidak diperiksa: identitas penerima manfaat tidak diketahui.",
         {"found": False, "period": "2022-07"}),
        ("pengaduan_tambahan", "Pengaduan tambahan (Telepon): KIS masih ditolak (lagi): RSUD.",
         {}),
        ("catatan", "Warga datang lagi.\nMembawa KK.", {}),
        ("ditutup", "Kasus diselesaikan di desa: Lainnya (lihat catatan). Catatan: Dibantu "
                    "tetangga.\nSelesai.", {"outcome": "lainnya"}),
        ("ditutup", "Kasus diselesaikan di desa: Informasi/penjelasan diberikan.",
         {"outcome": "informasi"}),
        ("ditutup", "Semua rujukan selesai; kasus ditutup otomatis.", {}),
        ("dibuka_kembali", "Tidak ada rujukan yang terbuka atau berhasil; kasus kembali ke "
                           "meja Puskesos untuk ditindaklanjuti.", {}),
        ("rujukan", f"Dirujuk ke {p.name} ({p.unit}), batas layanan 04-12-2026. Alasan: "
                    "Rumah terbakar. Mohon segera.", {"referral_id": rid, "program": p.code}),
        ("rujukan", f"Diteruskan ke {p.name} ({p.unit}), batas layanan 07-12-2026.",
         {"referral_id": rid, "program": p.code}),
        ("rujukan_terima", f"{n} ({p.name}): Dikirim, menunggu diterima → Diterima.",
         {"referral_id": rid, "action": "terima", "status": "diterima"}),
        ("rujukan_minta_info", f"{n} ({p.name}): Diterima → Dikembalikan: perlu informasi. "
                               "Pertanyaan untuk desa: Berapa orang: dewasa?",
         {"referral_id": rid, "action": "minta_info", "status": "perlu_info"}),
        ("rujukan_tolak", f"{n} ({p.name}): Sedang diproses → Ditolak. Alasan penolakan: "
                          "Bukan korban.", {"referral_id": rid, "action": "tolak",
                                            "status": "ditolak"}),
        ("rujukan_tugas", f"{n} ditugaskan kepada Dedi Irawan.", {"referral_id": rid}),
        ("rujukan_tugas", f"{n} dilepas dari petugas.", {"referral_id": rid}),
        ("serah_terima", f"Serah terima barang BAST/{n} kepada Siti Aminah: 10 kg beras, 2 "
                         "lembar selimut.", {"referral_id": rid}),
        ("rujukan_jeda", f"{n}: waktu layanan dijeda. Alasan: Menunggu surat keterangan",
         {"referral_id": rid, "action": "jeda"}),
        ("rujukan_lanjut", f"{n}: jeda selesai setelah 3 hari kerja; batas layanan 19 Januari "
                           "2027. Keterangan: Surat sudah ada",
         {"referral_id": rid, "action": "lanjut", "old_due": "2027-01-14", "due": "2027-01-19"}),
        ("rujukan_lanjut", f"{n}: jeda selesai setelah 0 hari kerja; batas layanan 1 Mei 2027.",
         {"referral_id": rid, "action": "lanjut", "old_due": "2027-05-01", "due": "2027-05-01"}),
        ("kunjungan", "Kunjungan penjangkauan 12 Januari 2026 09.00 WIB: Tidak di rumah. "
                      "Catatan: Rumah kosong. Kunjungan berikutnya disarankan 12 Januari 2026 "
                      "15.30 WIB (warga biasanya di kebun pagi sampai siang; coba sore hari).",
         {"visit_id": 1, "outcome": "tidak_di_rumah"}),
        ("kunjungan", "Kunjungan penjangkauan 12 Januari 2026 14.10 WIB: Tidak di rumah. "
                      "Kunjungan berikutnya disarankan 13 Januari 2026 06.30 WIB (coba pagi "
                      "hari sebelum warga berangkat ke kebun).",
         {"visit_id": 2, "outcome": "tidak_di_rumah"}),
        ("kunjungan", "Kunjungan penjangkauan 12 Januari 2026 11.00 WIB: Meninggal. Catatan: "
                      "Meninggal 3 Januari 2026 Usulan penonaktifan DTKS US-2601-0001 masuk "
                      "pra-daftar Musdes.", {"visit_id": 3, "outcome": "meninggal"}),
        ("kunjungan", "Kunjungan penjangkauan 12 Januari 2026 11.00 WIB: Pindah. Warga tidak "
                      "tercatat aktif di DTKS; tidak ada usulan penonaktifan.",
         {"visit_id": 4, "outcome": "pindah", "latitude": -1.7123, "longitude": 103.2}),
        ("kunjungan", "Kunjungan penjangkauan 12 Januari 2026 08.00 WIB: Bertemu warga.",
         {"visit_id": 5, "outcome": "bertemu"}),
        ("tindak_lanjut", "Tindak lanjut: Menelepon petugas; bantuan Jumat.", {}),
        ("usulan", "Usulan DTKS US-2601-0001 dibuat: Penonaktifan.", {"proposal_id": 1}),
        ("usulan", "Laporan \"dilaporkan meninggal\" atas Ahmad Yani dicabut; usulan "
                   "US-2601-0001 dicabut.", {"proposal_id": 1}),
        ("usulan", "Musdes 03-02-2026: usulan US-2601-0001 ditunda ke musdes berikutnya.",
         {"proposal_id": 1}),
        ("usulan", "Usulan US-2601-0001 dikirim ke SIKS-NG.", {"proposal_id": 1}),
        ("usulan", "Usulan US-2601-0001: diterima kemensos.", {"proposal_id": 1}),
        ("rujukan", "Dirujuk ke Logistik bencana (nama lama) (Dinas Sosial), batas layanan "
                    "04-12-2026. Alasan: Kebakaran.", {"referral_id": rid, "program": p.code}),
    ]


# Rows whose sentence the migration cannot read back: kept as written.
UNREADABLE = [
    ("rujukan", "Dirujuk ke program yang sudah dihapus, tanpa batas layanan.",
     {"referral_id": 999, "program": "HAPUS"}),
    ("jenis_lama", "Peristiwa dari versi lama.", {}),
    ("ditutup", "Kasus ditutup oleh admin (versi lama).", {}),
]


def _insert(case, op, rows) -> list[int]:
    from slrt.cases.models import CaseEvent
    from slrt.extensions import db

    table = CaseEvent.__table__
    ids = [db.session.execute(table.insert(), dict(
        case_id=case.id, at=datetime(2026, 11, 28, 3, 0, tzinfo=UTC), actor_id=op.id,
        kind=kind, message=message, data=data)).inserted_primary_key[0]
        for kind, message, data in rows]
    db.session.commit()
    return ids


def test_old_sentences_become_facts_and_read_the_same(old_app):
    from flask_migrate import downgrade

    from slrt.cases.models import Case, CaseEvent
    from slrt.extensions import db

    op, case, ref = _world()
    old = _old_rows(case, ref)
    ids = _insert(case, op, old + UNREADABLE)
    case_id, program = case.id, (ref.program.name, ref.program.unit)
    db.session.remove()

    upgrade_old_world()

    events = {e.id: e for e in db.session.query(CaseEvent).filter(CaseEvent.id.in_(ids))}
    for row_id, (kind, message, data) in zip(ids[:len(old) - 1], old[:-1], strict=True):
        ev = events[row_id]
        assert (ev.kind, ev.message) == (kind, ""), message
        assert ev.text == message
        assert {k: v for k, v in ev.data.items() if k in data} == data  # nothing lost
    for row_id, (_kind, message, data) in zip(ids[len(old):], UNREADABLE, strict=True):
        ev = events[row_id]
        assert (ev.message, ev.data, ev.text) == (message, data, message)
    # Renamed since: the event keeps the name of its day and shows today's.
    renamed = events[ids[len(old) - 1]]
    assert renamed.data["program_name"] == "Logistik bencana (nama lama)"
    renamed_text = renamed.text
    assert renamed_text == f"Dirujuk ke {program[0]} ({program[1]}), batas layanan " \
                           "04-12-2026. Alasan: Kebakaran."
    # The case and referral written at 0010 by the new code read as before.
    texts = [e.text for e in db.session.get(Case, case_id).events if e.id not in ids]
    assert texts == [
        "Pengaduan dicatat (Datang langsung); pelapor: penerima manfaat sendiri.",
        "Pemeriksaan DTKS: tidak terdaftar (belum ada data DTKS yang dimuat).",
        f"Dirujuk ke {program[0]} ({program[1]}), batas layanan 30-11-2026. Alasan: "
        "Rumah terbakar."]

    # Still append-only, with the triggers 0001 made.
    for stmt in ("UPDATE case_events SET message = 'diubah' WHERE id = :i",
                 "DELETE FROM case_events WHERE id = :i"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(stmt), {"i": ids[0]})
        db.session.rollback()
    db.session.remove()

    # Down again: the earlier code shows `message`, so every row has its sentence.
    downgrade(revision=BEFORE)
    restored = dict(db.session.execute(text(
        "SELECT id, message FROM case_events")).all())
    expected = [m for _k, m, _d in old + UNREADABLE]
    expected[len(old) - 1] = renamed_text  # today's name of the renamed program
    assert [restored[i] for i in ids] == expected
    assert all(restored.values())
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM case_events"))
    db.session.rollback()
    db.session.remove()
