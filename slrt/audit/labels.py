"""The audit log's readers: each entry in words, its object named by its
label ('Kasus BH-2611-0004'). They read the objects of every feature, so they
stand with the doors (the pages, the UU PDP report, the request hooks); the
features write through `slrt.audit.services.audit` only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from slrt.audit.services import ACTIONS
from slrt.common.time import WIB
from slrt.extensions import db

OBJECT_TYPES = {
    "case": _l("Kasus"), "referral": _l("Rujukan"), "proposal": _l("Usulan"),
    "musdes": _l("Musdes"), "registry": _l("Data DTKS"), "user": _l("Pengguna"),
    "person": _l("Warga"), "visit": _l("Kunjungan"), "registry_import": _l("Impor DTKS"),
    "laporan": _l("Laporan"), "attachment": _l("Lampiran kasus"),
}
OUTCOMES = {
    "ok": _l("Berhasil"), "gagal": _l("Gagal"), "ditolak": _l("Ditolak"),
    "403": _l("Ditolak (tanpa izin)"), "404": _l("Ditolak (tidak ada atau di luar wilayah)"),
}
DETAIL_LABELS = {
    "nik": _l("NIK"), "ditemukan": _l("Ditemukan di DTKS"), "hasil": _l("Jumlah hasil"),
    "desa": _l("Desa"), "baris": _l("Jumlah baris"), "format": _l("Format"),
    "jumlah": _l("Jumlah"), "daftar": _l("Daftar"), "halaman": _l("Halaman"),
    "aksi": _l("Langkah"), "laporan": _l("Laporan"), "kecamatan": _l("Kecamatan"),
    "dari": _l("Dari"), "sampai": _l("Sampai"), "cakupan": _l("Cakupan"), "program": _l("Program"),
    "tanggal": _l("Tanggal"), "berkas": _l("Berkas"), "periode": _l("Periode"),
    "sumber": _l("Sumber"), "bermasalah": _l("Baris bermasalah"), "baru": _l("Baru"),
    "berubah": _l("Berubah"), "dinonaktifkan": _l("Dinonaktifkan"),
    "sama_dengan_impor": _l("Sama dengan impor"), "username": _l("Nama pengguna"),
    "csv": _l("CSV"),
}
# Written by the code, never meant for a reader: kept in the row, not shown.
HIDDEN_DETAIL = frozenset({"objek", "rincian", "endpoint", "path"})
# Entries of the old request hook named the endpoint; this is what it did.
ENDPOINT_TEXT = {
    "cases.register": _l("Mendaftarkan pengaduan"), "cases.add_note": _l("Menambah catatan kasus"),
    "cases.close": _l("Menutup kasus di desa"), "cases.recheck": _l("Memeriksa ulang DTKS"),
    "cases.add_complaint": _l("Menambah pengaduan pada kasus"),
    "cases.attach": _l("Menambah lampiran kasus"), "admin.letterhead": _l("Mengubah kop surat"),
    "referrals.act": _l("Tindakan rujukan"), "referrals.assign": _l("Menugaskan rujukan"),
    "referrals.bulk": _l("Tindakan massal rujukan"), "referrals.route_case": _l("Merujuk kasus"),
    "referrals.handover": _l("Mencatat serah terima"),
    "reminders.pause": _l("Menjeda waktu layanan"),
    "reminders.resume": _l("Melanjutkan waktu layanan"),
    "proposals.create": _l("Membuat usulan DTKS"),
    "proposals.report_stale": _l("Melaporkan warga pindah/meninggal"),
    "proposals.musdes_new": _l("Mencatat hasil Musdes"),
    "proposals.export": _l("Menandai usulan terkirim"),
    "proposals.detail": _l("Mencatat hasil Kemensos"), "outreach.visit": _l("Mencatat kunjungan"),
    "outreach.contact": _l("Mencatat tindak lanjut"), "admin.create_user": _l("Membuat pengguna"),
    "admin.edit_user": _l("Mengubah pengguna"), "auth.change_password": _l("Mengganti kata sandi"),
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
    from slrt.cases.models import ATTACHMENT_KINDS, Case, CaseAttachment, Person
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

    def fetch(kind, columns, fmt, of_case=False):
        """One query for the objects of a kind: the id first, then what fmt reads
        (a visit or an attachment also reads its case's number)."""
        if kind in wanted:
            stmt = select(*columns).where(columns[0].in_(wanted[kind]))
            if of_case:
                stmt = stmt.join(Case, Case.id == columns[0].class_.case_id)
            for row in db.session.execute(stmt):
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
    fetch("visit", (OutreachVisit.id, OutreachVisit.visited_at, Case.number),
          lambda at, n: f"Kunjungan {at.astimezone(WIB):%d-%m-%Y}, kasus {n}", of_case=True)
    fetch("attachment", (CaseAttachment.id, CaseAttachment.kind, Case.number),
          lambda kind, n: f"Lampiran {ATTACHMENT_KINDS.get(kind, kind)}, kasus {n}",
          of_case=True)
    return out


def describe(entry, labels: dict | None = None) -> dict[str, str]:
    """The entry as a reader sees it: object, details, outcome, role."""
    from slrt.auth.models import ROLES

    detail = entry.detail or {}
    obj = detail.get("objek") or (labels or {}).get((entry.object_type, entry.object_id)) \
        or str(OBJECT_TYPES.get(entry.object_type, ""))
    parts = []
    if detail.get("rincian"):
        parts.append(mask_digits(str(detail["rincian"])))
    elif detail.get("endpoint") in ENDPOINT_TEXT:
        parts.append(str(ENDPOINT_TEXT[detail["endpoint"]]))
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
            "outcome": str(OUTCOMES.get(entry.outcome, entry.outcome)),
            "role": ROLES.get(entry.role, entry.role),
            "action": str(ACTIONS.get(entry.action, entry.action))}


def readable(entries) -> list[tuple]:
    """(entry, described) pairs for a page of the log."""
    entries = list(entries)
    labels = object_labels(entries)
    return [(e, describe(e, labels)) for e in entries]
