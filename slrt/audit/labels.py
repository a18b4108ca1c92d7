"""The audit log's readers: each entry in words, its object named by its
label ('Kasus BH-2611-0004'). They read the objects of every feature, so they
stand with the doors (the pages, the UU PDP report, the request hooks); the
features write through `slrt.audit.services.audit` only."""

from __future__ import annotations

from slrt.audit.services import ACTIONS
from slrt.common.time import WIB
from slrt.extensions import db

OBJECT_TYPES = {
    "case": "Kasus", "referral": "Rujukan", "proposal": "Usulan", "musdes": "Musdes",
    "registry": "Data DTKS", "user": "Pengguna", "person": "Warga", "visit": "Kunjungan",
    "registry_import": "Impor DTKS", "laporan": "Laporan",
}
OUTCOMES = {"ok": "Berhasil", "gagal": "Gagal", "ditolak": "Ditolak",
            "403": "Ditolak (tanpa izin)", "404": "Ditolak (tidak ada atau di luar wilayah)"}
DETAIL_LABELS = {
    "nik": "NIK", "ditemukan": "Ditemukan di DTKS", "hasil": "Jumlah hasil", "desa": "Desa",
    "baris": "Jumlah baris", "format": "Format", "jumlah": "Jumlah", "daftar": "Daftar",
    "halaman": "Halaman", "aksi": "Langkah", "laporan": "Laporan", "kecamatan": "Kecamatan",
    "dari": "Dari", "sampai": "Sampai", "cakupan": "Cakupan", "program": "Program",
    "tanggal": "Tanggal", "berkas": "Berkas", "periode": "Periode", "sumber": "Sumber",
    "bermasalah": "Baris bermasalah", "baru": "Baru", "berubah": "Berubah",
    "dinonaktifkan": "Dinonaktifkan", "sama_dengan_impor": "Sama dengan impor",
    "username": "Nama pengguna", "csv": "CSV",
}
# Written by the code, never meant for a reader: kept in the row, not shown.
HIDDEN_DETAIL = frozenset({"objek", "rincian", "endpoint", "path"})
# Entries of the old request hook named the endpoint; this is what it did.
ENDPOINT_TEXT = {
    "cases.register": "Mendaftarkan pengaduan", "cases.add_note": "Menambah catatan kasus",
    "cases.close": "Menutup kasus di desa", "cases.recheck": "Memeriksa ulang DTKS",
    "cases.add_complaint": "Menambah pengaduan pada kasus", "referrals.act": "Tindakan rujukan",
    "referrals.assign": "Menugaskan rujukan", "referrals.bulk": "Tindakan massal rujukan",
    "referrals.route_case": "Merujuk kasus", "referrals.handover": "Mencatat serah terima",
    "reminders.pause": "Menjeda waktu layanan", "reminders.resume": "Melanjutkan waktu layanan",
    "proposals.create": "Membuat usulan DTKS", "proposals.report_stale":
    "Melaporkan warga pindah/meninggal", "proposals.musdes_new": "Mencatat hasil Musdes",
    "proposals.export": "Menandai usulan terkirim", "proposals.detail": "Mencatat hasil Kemensos",
    "outreach.visit": "Mencatat kunjungan", "outreach.contact": "Mencatat tindak lanjut",
    "admin.create_user": "Membuat pengguna", "admin.edit_user": "Mengubah pengguna",
    "auth.change_password": "Mengganti kata sandi",
}


def mask_digits(text: str) -> str:
    """A NIK or No KK in free text (a flash message, a note) is masked."""
    import re

    return re.sub(r"(?<!\d)(\d{6})\d{6}(\d{4})(?!\d)", r"\1******\2", text)


def _value(key: str, value) -> str:
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if value is None or value == "":
        return "-"
    if isinstance(value, list | tuple | set):
        return ", ".join(_value(key, v) for v in value) or "-"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(k, v)}" for k, v in value.items()) or "-"
    return mask_digits(str(value))


def object_labels(entries) -> dict[tuple[str, int], str]:
    """'Kasus BH-2611-0004', 'Rujukan BH-2611-0004-R1', ... for each object of the entries,
    one query per kind of object."""
    from sqlalchemy import select

    from slrt.auth.models import User
    from slrt.cases.models import Case, Person
    from slrt.dtks.models import RegistryImport, RegistryRecord
    from slrt.outreach.models import OutreachVisit
    from slrt.proposals.models import Musdes, Proposal
    from slrt.referrals.models import Referral

    wanted: dict[str, set[int]] = {}
    for e in entries:
        if e.object_type and e.object_id:
            wanted.setdefault(e.object_type, set()).add(e.object_id)
        same = (e.detail or {}).get("sama_dengan_impor")
        if isinstance(same, int):
            wanted.setdefault("registry_import", set()).add(same)
    out: dict[tuple[str, int], str] = {}
    codes = {str(e.detail["desa"]) for e in entries if (e.detail or {}).get("desa")}
    if codes:
        from slrt.regions.models import Region

        for code, name in db.session.execute(select(Region.code, Region.name)
                                             .where(Region.code.in_(codes))):
            out[("desa", code)] = name

    def fetch(kind, columns, fmt):
        if kind in wanted:
            for row in db.session.execute(select(*columns).where(columns[0].in_(wanted[kind]))):
                out[(kind, row[0])] = fmt(*row[1:])

    fetch("case", (Case.id, Case.number), lambda n: f"Kasus {n}")
    fetch("referral", (Referral.id, Referral.number), lambda n: f"Rujukan {n}")
    fetch("proposal", (Proposal.id, Proposal.number), lambda n: f"Usulan {n}")
    fetch("musdes", (Musdes.id, Musdes.minutes_number, Musdes.held_on),
          lambda n, d: f"Berita acara Musdes {n} ({d:%d-%m-%Y})")
    fetch("registry", (RegistryRecord.id, RegistryRecord.name, RegistryRecord.registry_id),
          lambda n, r: f"Data DTKS {n} (ID {r})")
    fetch("user", (User.id, User.username), lambda n: f"Pengguna {n}")
    fetch("person", (Person.id, Person.name), lambda n: f"Warga {n}")
    fetch("registry_import", (RegistryImport.id, RegistryImport.file_name),
          lambda n: f"Impor DTKS {n}")
    if "visit" in wanted:
        for vid, at, number in db.session.execute(
                select(OutreachVisit.id, OutreachVisit.visited_at, Case.number)
                .join(Case, Case.id == OutreachVisit.case_id)
                .where(OutreachVisit.id.in_(wanted["visit"]))):
            out[("visit", vid)] = f"Kunjungan {at.astimezone(WIB):%d-%m-%Y}, kasus {number}"
    return out


def describe(entry, labels: dict | None = None) -> dict[str, str]:
    """The entry as a reader sees it: object, details, outcome, role."""
    from slrt.auth.models import ROLES

    detail = entry.detail or {}
    obj = detail.get("objek") or (labels or {}).get((entry.object_type, entry.object_id)) \
        or OBJECT_TYPES.get(entry.object_type, "")
    parts = []
    if detail.get("rincian"):
        parts.append(mask_digits(str(detail["rincian"])))
    elif detail.get("endpoint") in ENDPOINT_TEXT:
        parts.append(ENDPOINT_TEXT[detail["endpoint"]])
    for key, value in detail.items():
        if key in HIDDEN_DETAIL or (key == "aksi" and value in ("", "simpan")):
            continue
        if key == "desa" and value:
            value = (labels or {}).get(("desa", str(value)), value)
        if key == "sama_dengan_impor" and value:  # an import's id: named by its file
            value = (labels or {}).get(("registry_import", value), "impor sebelumnya")
        parts.append(f"{DETAIL_LABELS.get(key, key.replace('_', ' ').capitalize())}: "
                     f"{_value(key, value)}")
    return {"object": obj, "detail": "; ".join(parts),
            "outcome": OUTCOMES.get(entry.outcome, entry.outcome),
            "role": ROLES.get(entry.role, entry.role),
            "action": ACTIONS.get(entry.action, entry.action)}


def readable(entries) -> list[tuple]:
    """(entry, described) pairs for a page of the log."""
    entries = list(entries)
    labels = object_labels(entries)
    return [(e, describe(e, labels)) for e in entries]
