"""The seeded complaint categories: the 26 PPKS kinds and the common requests."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select

from slrt.cases.models import Category
from slrt.extensions import db
from slrt.platform import reference


class CategoryRow(NamedTuple):
    code: str
    name: str
    group: str
    is_active: bool


def categories() -> dict[str, CategoryRow]:
    """Every complaint category, code -> row, in the order of the form (kept per process)."""
    return reference.cached("categories", lambda: {
        code: CategoryRow(code, name, group, bool(active))
        for code, name, group, active in db.session.execute(
            select(Category.code, Category.name, Category.group, Category.is_active)
            .order_by(Category.sort_order, Category.code))})

SERVICE_REQUESTS = [
    ("bansos_tidak_diterima", "Bantuan sosial tidak diterima / terhenti"),
    ("usulan_masuk_dtks", "Permohonan masuk DTKS/DTSEN"),
    ("perbaikan_data_dtks", "Perbaikan data DTKS/DTSEN (nama, NIK, KK, alamat)"),
    ("pbi_tidak_aktif", "PBI-JK/KIS tidak aktif"),
    ("surat_kip", "Surat keterangan untuk KIP / KIP Kuliah"),
    ("nik_tidak_padan", "NIK tidak padan / tidak terdaftar di Dukcapil"),
    ("korban_bencana", "Korban bencana (kebakaran, banjir, angin puting beliung)"),
    ("sktm", "Surat Keterangan Tidak Mampu (SKTM)"),
    ("rumah_tidak_layak", "Rumah tidak layak huni"),
    ("informasi_program", "Permintaan informasi program"),
    ("lainnya", "Lainnya"),
]

PPKS = [
    ("ppks_anak_balita_terlantar", "Anak balita terlantar"),
    ("ppks_anak_terlantar", "Anak terlantar"),
    ("ppks_anak_berhadapan_hukum", "Anak berhadapan dengan hukum"),
    ("ppks_anak_jalanan", "Anak jalanan"),
    ("ppks_anak_disabilitas", "Anak dengan disabilitas"),
    ("ppks_anak_korban_kekerasan", "Anak korban kekerasan"),
    ("ppks_anak_perlindungan_khusus", "Anak memerlukan perlindungan khusus"),
    ("ppks_lansia_terlantar", "Lanjut usia terlantar"),
    ("ppks_disabilitas", "Penyandang disabilitas"),
    ("ppks_tuna_susila", "Tuna susila"),
    ("ppks_gelandangan", "Gelandangan"),
    ("ppks_pengemis", "Pengemis"),
    ("ppks_pemulung", "Pemulung"),
    ("ppks_kelompok_minoritas", "Kelompok minoritas"),
    ("ppks_bekas_warga_binaan", "Bekas warga binaan lembaga pemasyarakatan"),
    ("ppks_odha", "Orang dengan HIV/AIDS"),
    ("ppks_korban_napza", "Korban penyalahgunaan NAPZA"),
    ("ppks_korban_perdagangan_orang", "Korban perdagangan orang"),
    ("ppks_korban_kekerasan", "Korban tindak kekerasan"),
    ("ppks_pekerja_migran", "Pekerja migran bermasalah sosial"),
    ("ppks_korban_bencana_alam", "Korban bencana alam"),
    ("ppks_korban_bencana_sosial", "Korban bencana sosial"),
    ("ppks_perempuan_rawan", "Perempuan rawan sosial ekonomi"),
    ("ppks_fakir_miskin", "Fakir miskin"),
    ("ppks_keluarga_bermasalah", "Keluarga bermasalah sosial psikologis"),
    ("ppks_komunitas_adat_terpencil", "Komunitas adat terpencil"),
]


def load_categories() -> int:
    """Add the seeded categories that are missing; never overwrite an admin's edit."""
    existing = set(db.session.scalars(select(Category.code)))
    added = 0
    for group, items, base in (("layanan", SERVICE_REQUESTS, 0), ("ppks", PPKS, 100)):
        for i, (code, name) in enumerate(items):
            if code not in existing:
                db.session.add(Category(code=code, name=name, group=group, sort_order=base + i))
                added += 1
    db.session.flush()
    reference.forget()
    return added
