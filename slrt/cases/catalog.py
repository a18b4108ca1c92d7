"""The seeded complaint categories: the 26 PPKS kinds and the common requests."""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l
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
    ("bansos_tidak_diterima", _l("Bantuan sosial tidak diterima / terhenti")),
    ("usulan_masuk_dtks", _l("Permohonan masuk DTKS/DTSEN")),
    ("perbaikan_data_dtks", _l("Perbaikan data DTKS/DTSEN (nama, NIK, KK, alamat)")),
    ("pbi_tidak_aktif", _l("PBI-JK/KIS tidak aktif")),
    ("surat_kip", _l("Surat keterangan untuk KIP / KIP Kuliah")),
    ("nik_tidak_padan", _l("NIK tidak padan / tidak terdaftar di Dukcapil")),
    ("korban_bencana", _l("Korban bencana (kebakaran, banjir, angin puting beliung)")),
    ("sktm", _l("Surat Keterangan Tidak Mampu (SKTM)")),
    ("rumah_tidak_layak", _l("Rumah tidak layak huni")),
    ("informasi_program", _l("Permintaan informasi program")),
    ("lainnya", _l("Lainnya")),
]

PPKS = [
    ("ppks_anak_balita_terlantar", _l("Anak balita terlantar")),
    ("ppks_anak_terlantar", _l("Anak terlantar")),
    ("ppks_anak_berhadapan_hukum", _l("Anak berhadapan dengan hukum")),
    ("ppks_anak_jalanan", _l("Anak jalanan")),
    ("ppks_anak_disabilitas", _l("Anak dengan disabilitas")),
    ("ppks_anak_korban_kekerasan", _l("Anak korban kekerasan")),
    ("ppks_anak_perlindungan_khusus", _l("Anak memerlukan perlindungan khusus")),
    ("ppks_lansia_terlantar", _l("Lanjut usia terlantar")),
    ("ppks_disabilitas", _l("Penyandang disabilitas")),
    ("ppks_tuna_susila", _l("Tuna susila")),
    ("ppks_gelandangan", _l("Gelandangan")),
    ("ppks_pengemis", _l("Pengemis")),
    ("ppks_pemulung", _l("Pemulung")),
    ("ppks_kelompok_minoritas", _l("Kelompok minoritas")),
    ("ppks_bekas_warga_binaan", _l("Bekas warga binaan lembaga pemasyarakatan")),
    ("ppks_odha", _l("Orang dengan HIV/AIDS")),
    ("ppks_korban_napza", _l("Korban penyalahgunaan NAPZA")),
    ("ppks_korban_perdagangan_orang", _l("Korban perdagangan orang")),
    ("ppks_korban_kekerasan", _l("Korban tindak kekerasan")),
    ("ppks_pekerja_migran", _l("Pekerja migran bermasalah sosial")),
    ("ppks_korban_bencana_alam", _l("Korban bencana alam")),
    ("ppks_korban_bencana_sosial", _l("Korban bencana sosial")),
    ("ppks_perempuan_rawan", _l("Perempuan rawan sosial ekonomi")),
    ("ppks_fakir_miskin", _l("Fakir miskin")),
    ("ppks_keluarga_bermasalah", _l("Keluarga bermasalah sosial psikologis")),
    ("ppks_komunitas_adat_terpencil", _l("Komunitas adat terpencil")),
]


def load_categories() -> int:
    """Add the seeded categories that are missing; never overwrite an admin's edit."""
    existing = set(db.session.scalars(select(Category.code)))
    added = 0
    for group, items, base in (("layanan", SERVICE_REQUESTS, 0), ("ppks", PPKS, 100)):
        for i, (code, name) in enumerate(items):
            if code not in existing:
                db.session.add(Category(code=code, name=str(name), group=group,
                                        sort_order=base + i))
                added += 1
    db.session.flush()
    reference.forget()
    return added
