"""The seeded program catalog of the Dinas Sosial (editable by an admin)."""

from __future__ import annotations

from sqlalchemy import select

from slrt.common.permissions import require
from slrt.extensions import db
from slrt.referrals.models import Program

PERLINSOS = "Bidang Perlindungan Sosial"
REHSOS = "Bidang Pemberdayaan dan Rehabilitasi"
BANSOS = f"{PERLINSOS} - Seksi Bantuan Sosial"
JAMSOS = f"{PERLINSOS} - Seksi Perlindungan dan Jaminan Sosial"
FAKIR = f"{PERLINSOS} - Seksi Penanganan Fakir Miskin"
BENCANA = f"{REHSOS} - Seksi Penanganan Bencana"
REHAB = f"{REHSOS} - Seksi Rehabilitasi Sosial"
DAYA = f"{REHSOS} - Seksi Pemberdayaan Sosial"

KTP_KK = ["KTP", "Kartu Keluarga"]
DISASTER = ["Laporan kejadian dari desa/kelurahan", "KTP/KK (bila masih ada)",
            "Foto kejadian"]

# One dict per program; keys are Program attributes.
PROGRAMS = [
    dict(code="PKH", name="Program Keluarga Harapan (PKH)", unit=BANSOS,
         registry_requirement="wajib", service_days=14, max_decile=4,
         eligibility_hint="Keluarga miskin dengan ibu hamil, anak usia dini/sekolah, lansia atau "
                          "penyandang disabilitas berat; desil 1-4 bila desil diketahui.",
         documents=KTP_KK, exclusive_with=["BST"],
         categories=["bansos_tidak_diterima", "ppks_fakir_miskin", "ppks_perempuan_rawan"]),
    dict(code="BPNT", name="BPNT / Program Sembako", unit=BANSOS, registry_requirement="wajib",
         service_days=14, max_decile=4,
         eligibility_hint="Keluarga miskin terdaftar DTKS/DTSEN; desil 1-4 bila desil diketahui.",
         documents=KTP_KK, exclusive_with=["BST"],
         categories=["bansos_tidak_diterima", "ppks_fakir_miskin"]),
    dict(code="BST", name="Bantuan Sosial Tunai (BST)", unit=BANSOS, registry_requirement="wajib",
         service_days=14, documents=KTP_KK, exclusive_with=["PKH", "BPNT"],
         eligibility_hint="Hanya untuk keluarga yang tidak menerima PKH atau BPNT.",
         categories=[]),
    dict(code="PBI_DAFTAR", name="Pendaftaran PBI-JK (KIS)", unit=JAMSOS,
         registry_requirement="wajib", service_days=10, documents=KTP_KK,
         eligibility_hint="NIK harus padan di Dukcapil.",
         categories=["ppks_fakir_miskin", "usulan_masuk_dtks"]),
    dict(code="PBI_AKTIF", name="Reaktivasi PBI-JK (KIS)", unit=JAMSOS,
         registry_requirement="wajib", service_days=5,
         documents=KTP_KK + ["Kartu KIS", "Surat keterangan sakit/rujukan faskes (bila ada)"],
         eligibility_hint="Untuk peserta PBI yang dinonaktifkan; NIK harus padan di Dukcapil.",
         categories=["pbi_tidak_aktif"]),
    dict(code="PIP", name="PIP / KIP", unit=FAKIR, registry_requirement="prioritas",
         service_days=10, documents=KTP_KK + ["Surat keterangan aktif sekolah"],
         eligibility_hint="Anak usia sekolah dari keluarga miskin.", categories=["surat_kip"]),
    dict(code="KIP_KULIAH", name="Surat keterangan KIP Kuliah", unit=FAKIR,
         registry_requirement="prioritas", service_days=3,
         documents=KTP_KK + ["Surat keterangan tidak mampu dari desa",
                             "Bukti diterima di perguruan tinggi"],
         eligibility_hint="Anggota DTKS diprioritaskan; bukan anggota tetap dapat dibuatkan surat "
                          "bahwa akan didaftarkan ke DTKS.",
         categories=["surat_kip"]),
    dict(code="BENCANA_LOG", name="Bantuan logistik korban bencana", unit=BENCANA,
         registry_requirement="tidak_perlu", service_days=1, documents=DISASTER,
         eligibility_hint="Tidak memerlukan DTKS: kartu keluarga bisa ikut terbakar. Logistik "
                          "disesuaikan dengan susunan keluarga.",
         categories=["korban_bencana", "ppks_korban_bencana_alam", "ppks_korban_bencana_sosial"]),
    dict(code="BENCANA_SANTUNAN", name="Santunan korban bencana", unit=BENCANA,
         registry_requirement="tidak_perlu", service_days=14,
         documents=DISASTER + ["Surat keterangan kerusakan/kematian"],
         categories=["korban_bencana", "ppks_korban_bencana_alam", "ppks_korban_bencana_sosial"]),
    dict(code="LANSIA", name="Pelayanan lansia di panti / ATENSI", unit=REHAB,
         registry_requirement="tidak_perlu", service_days=10, min_age=60,
         documents=["Laporan desa/kelurahan", "Hasil asesmen pekerja sosial"],
         eligibility_hint="Lansia 60 tahun ke atas yang terlantar atau tanpa keluarga yang "
                          "merawat; berdasarkan asesmen, tidak memerlukan DTKS.",
         categories=["ppks_lansia_terlantar"]),
    dict(code="DISABILITAS", name="Rehabilitasi sosial penyandang disabilitas", unit=REHAB,
         registry_requirement="tidak_perlu", service_days=10,
         documents=KTP_KK + ["Surat keterangan disabilitas (bila ada)"],
         categories=["ppks_disabilitas", "ppks_anak_disabilitas"]),
    dict(code="ANAK", name="Perlindungan anak terlantar dan anak rentan", unit=REHAB,
         registry_requirement="tidak_perlu", service_days=5,
         documents=["Laporan desa/kelurahan"],
         eligibility_hint="Anak tanpa dokumen tetap dilayani.",
         categories=["ppks_anak_balita_terlantar", "ppks_anak_terlantar", "ppks_anak_jalanan",
                     "ppks_anak_korban_kekerasan", "ppks_anak_perlindungan_khusus"]),
    dict(code="ANAK_ABH", name="Pendampingan anak berhadapan dengan hukum", unit=REHAB,
         registry_requirement="tidak_perlu", service_days=5, documents=["Surat dari kepolisian"],
         categories=["ppks_anak_berhadapan_hukum"]),
    dict(code="TERLANTAR", name="Penanganan orang terlantar", unit=REHAB,
         registry_requirement="tidak_perlu", service_days=3, documents=["Laporan desa/kelurahan"],
         eligibility_hint="Orang terlantar tanpa identitas tetap dilayani.",
         categories=["ppks_gelandangan", "ppks_pengemis", "ppks_pekerja_migran",
                     "ppks_korban_perdagangan_orang", "ppks_korban_kekerasan"]),
    dict(code="RTLH", name="Rehabilitasi rumah tidak layak huni (RTLH)", unit=DAYA,
         registry_requirement="wajib", service_days=30,
         documents=KTP_KK + ["Bukti kepemilikan tanah", "Foto rumah"],
         categories=["rumah_tidak_layak"]),
    dict(code="SKTM", name="Surat Keterangan Tidak Mampu (SKTM)", unit=FAKIR,
         registry_requirement="tidak_perlu", service_days=3,
         documents=KTP_KK + ["Surat pengantar desa"], categories=["sktm"]),
    dict(code="DUKCAPIL", name="Rujukan ke Dukcapil (NIK belum terdaftar / tidak padan)",
         unit="Dinas Kependudukan dan Pencatatan Sipil", registry_requirement="tidak_perlu",
         service_days=10, documents=KTP_KK,
         eligibility_hint="NIK yang belum padan harus diperbaiki di Dukcapil sebelum masuk DTKS.",
         categories=["nik_tidak_padan"]),
    dict(code="USULAN_DTKS", name="Usulan DTKS/DTSEN (pendaftaran, perbaikan, penonaktifan)",
         unit=FAKIR, registry_requirement="tidak_perlu", service_days=30, documents=KTP_KK,
         eligibility_hint="Dibahas di Musdes lalu diinput operator desa di SIKS-NG.",
         categories=["usulan_masuk_dtks", "perbaikan_data_dtks"]),
    dict(code="KBS", name="Kartu Batang Hari Sejahtera (KBS)", unit=BANSOS,
         registry_requirement="wajib", service_days=14, documents=KTP_KK,
         categories=["ppks_fakir_miskin"]),
    dict(code="BH_TANGGUH", name="Beasiswa Batang Hari Tangguh", unit=FAKIR,
         registry_requirement="wajib", service_days=14,
         documents=KTP_KK + ["Surat keterangan aktif kuliah/sekolah"],
         categories=["surat_kip"]),
]

# The programs of one regency's own budget: seeded for that regency only.
LOCAL_PROGRAMS = {"KBS": "15.04", "BH_TANGGUH": "15.04"}
CODE_MAX = 20  # programs.code


def code_in(code: str, regency: str, default_regency: str) -> str:
    """A seeded program's code in a regency: its own in the default regency
    ("PKH"), with the regency's digits in another ("PKH_1505"), since a
    program's code is unique in the installation."""
    if regency == default_regency:
        return code
    suffix = "_" + regency.replace(".", "")
    return code[:CODE_MAX - len(suffix)] + suffix


FILLABLE = ("eligibility_hint", "documents", "exclusive_with", "categories", "min_age",
            "max_decile")


def load_programs(regency: str | None = None) -> int:
    """Add the seeded programs that are missing and fill fields left empty;
    never overwrite what an admin has set. New programs belong to `regency`
    (default: the installation's default regency, SLRT_KABUPATEN)."""
    from flask import current_app

    default = current_app.config["SLRT_KABUPATEN"]
    regency = regency or default
    existing = {p.code: p for p in db.session.scalars(select(Program))}
    added = 0
    for i, seeded in enumerate(PROGRAMS):
        if LOCAL_PROGRAMS.get(seeded["code"], regency) != regency:
            continue
        spec = dict(seeded, code=code_in(seeded["code"], regency, default),
                    exclusive_with=[code_in(c, regency, default)
                                    for c in seeded.get("exclusive_with", [])])
        program = existing.get(spec["code"])
        if program is None:
            db.session.add(Program(**spec, sort_order=i, regency_code=regency))
            added += 1
            continue
        for attr in FILLABLE:
            if spec.get(attr) and not getattr(program, attr):
                setattr(program, attr, spec[attr])
    db.session.flush()
    return added


EDITABLE = ("name", "unit", "registry_requirement", "service_days", "min_age", "max_decile",
            "eligibility_hint", "is_active")


def update_program(actor, program: Program, *, categories: list[str],
                   exclusive_with: list[str], documents: list[str], **values) -> Program:
    """An admin changes a program of his regency: its names, unit, rules and
    service time (EDITABLE); the categories it serves (known ones only), the
    programs of the same regency it excludes, the documents it asks for."""
    from slrt.cases.models import Category

    require(actor, "admin.programs", program)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for attr, value in values.items():
        setattr(program, attr, value)
    program.eligibility_hint = program.eligibility_hint or ""
    program.is_active = bool(program.is_active)
    known_categories = set(db.session.scalars(select(Category.code)))
    neighbours = set(db.session.scalars(select(Program.code).where(
        Program.regency_code == program.regency_code, Program.code != program.code)))
    program.categories = [c for c in dict.fromkeys(categories) if c in known_categories]
    program.exclusive_with = [c for c in dict.fromkeys(exclusive_with) if c in neighbours]
    program.documents = [line.strip() for line in documents if line.strip()]
    db.session.flush()
    return program
