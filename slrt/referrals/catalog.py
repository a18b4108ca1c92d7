"""The seeded program catalog of the Dinas Sosial (editable by an admin later)."""

from __future__ import annotations

from sqlalchemy import select

from slrt.extensions import db
from slrt.referrals.models import Program

PERLINSOS = "Bidang Perlindungan Sosial"
REHSOS = "Bidang Pemberdayaan dan Rehabilitasi"

# code, name, unit, registry requirement, service time (working days)
PROGRAMS = [
    ("PKH", "Program Keluarga Harapan (PKH)", f"{PERLINSOS} - Seksi Bantuan Sosial", "wajib", 14),
    ("BPNT", "BPNT / Program Sembako", f"{PERLINSOS} - Seksi Bantuan Sosial", "wajib", 14),
    ("PBI_DAFTAR", "Pendaftaran PBI-JK (KIS)",
     f"{PERLINSOS} - Seksi Perlindungan dan Jaminan Sosial", "wajib", 10),
    ("PBI_AKTIF", "Reaktivasi PBI-JK (KIS)",
     f"{PERLINSOS} - Seksi Perlindungan dan Jaminan Sosial", "wajib", 5),
    ("PIP", "PIP / KIP", f"{PERLINSOS} - Seksi Penanganan Fakir Miskin", "prioritas", 10),
    ("KIP_KULIAH", "Surat keterangan KIP Kuliah",
     f"{PERLINSOS} - Seksi Penanganan Fakir Miskin", "prioritas", 3),
    ("BENCANA_LOG", "Bantuan logistik korban bencana", f"{REHSOS} - Seksi Penanganan Bencana",
     "tidak_perlu", 1),
    ("BENCANA_SANTUNAN", "Santunan korban bencana", f"{REHSOS} - Seksi Penanganan Bencana",
     "tidak_perlu", 14),
    ("LANSIA", "Pelayanan lansia di panti / ATENSI", f"{REHSOS} - Seksi Rehabilitasi Sosial",
     "tidak_perlu", 10),
    ("DISABILITAS", "Rehabilitasi sosial penyandang disabilitas",
     f"{REHSOS} - Seksi Rehabilitasi Sosial", "tidak_perlu", 10),
    ("ANAK", "Perlindungan anak terlantar", f"{REHSOS} - Seksi Rehabilitasi Sosial",
     "tidak_perlu", 5),
    ("ANAK_ABH", "Pendampingan anak berhadapan dengan hukum",
     f"{REHSOS} - Seksi Rehabilitasi Sosial", "tidak_perlu", 5),
    ("TERLANTAR", "Penanganan orang terlantar", f"{REHSOS} - Seksi Rehabilitasi Sosial",
     "tidak_perlu", 3),
    ("RTLH", "Rehabilitasi rumah tidak layak huni (RTLH)",
     f"{REHSOS} - Seksi Pemberdayaan Sosial", "wajib", 30),
    ("SKTM", "Surat Keterangan Tidak Mampu (SKTM)",
     f"{PERLINSOS} - Seksi Penanganan Fakir Miskin", "tidak_perlu", 3),
    ("DUKCAPIL", "Rujukan ke Dukcapil (NIK belum terdaftar / tidak padan)",
     "Dinas Kependudukan dan Pencatatan Sipil", "tidak_perlu", 10),
    ("USULAN_DTKS", "Usulan DTKS/DTSEN (pendaftaran, perbaikan, penonaktifan)",
     f"{PERLINSOS} - Seksi Penanganan Fakir Miskin", "tidak_perlu", 30),
    ("KBS", "Kartu Batang Hari Sejahtera (KBS)", f"{PERLINSOS} - Seksi Bantuan Sosial",
     "wajib", 14),
    ("BH_TANGGUH", "Beasiswa Batang Hari Tangguh", f"{PERLINSOS} - Seksi Penanganan Fakir Miskin",
     "wajib", 14),
]


def load_programs() -> int:
    """Add the seeded programs that are missing; never overwrite an admin's edit."""
    existing = set(db.session.scalars(select(Program.code)))
    added = 0
    for i, (code, name, unit, requirement, days) in enumerate(PROGRAMS):
        if code not in existing:
            db.session.add(Program(code=code, name=name, unit=unit,
                                   registry_requirement=requirement, service_days=days,
                                   sort_order=i))
            added += 1
    db.session.flush()
    return added
