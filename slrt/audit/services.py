"""Write the audit log. Called by views and services; flushes with the caller's
transaction, or writes on its own for refusals and reads that commit nothing."""

from __future__ import annotations

import logging

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from slrt.audit.models import AuditEntry
from slrt.common.time import now_utc
from slrt.extensions import db
from slrt.platform.unit_of_work import queue_before_commit

log = logging.getLogger(__name__)

ACTIONS = {
    "login": _l("Masuk"),
    "login_gagal": _l("Gagal masuk"),
    "logout": _l("Keluar"),
    "lihat_kasus": _l("Membuka kasus"),
    "lihat_orang": _l("Membuka data orang"),
    "cari_nama": _l("Mencari nama di DTKS"),
    "cari_nik": _l("Mencari NIK/No KK di kotak pencarian"),
    "ubah": _l("Mengubah data"),
    "ekspor": _l("Mengekspor data"),
    "impor": _l("Mengimpor data"),
    "ditolak": _l("Akses ditolak"),
    "buka_nik": _l("Membuka NIK lengkap"),
    "laporan_pdp": _l("Laporan UU PDP"),
    "lapor_data": _l("Melaporkan warga pindah/meninggal"),
    "cabut_laporan": _l("Mencabut laporan pindah/meninggal"),
    "ubah_ditolak": _l("Perubahan ditolak"),
    "lihat_usulan": _l("Membuka usulan DTKS"),
    "lihat_kunjungan": _l("Membuka kunjungan penjangkauan"),
    "unduh_berkas": _l("Mengunduh foto/berkas"),
    "cek_status_publik": _l("Cek status oleh warga"),
    "api": _l("Memanggil API"),
}


def audit(action: str, *, object_type: str = "", object_id: int | None = None,
          person_id: int | None = None, outcome: str = "ok", detail: dict | None = None,
          user=None, commit: bool = False, required: bool = True) -> None:
    """Append one entry to the caller's unit of work.

    In a request the entry joins the request's transaction: it is written
    when the request commits (slrt.platform.unit_of_work), so a change and
    its entry are kept together or not at all, and a page view holds no
    write lock while it renders. commit=True writes and commits at once (a
    refusal logged by an error handler after the rollback, a command).

    Written with one INSERT rather than through the ORM: every change and
    every view of a case or person writes one, and the flush of an object
    cost several times the statement (measured with bench/load_register.py).

    required=False: the entry of a refusal that changed nothing. When the
    database cannot take it (SQLite's write lock held by a registry apply for
    longer than the busy timeout), the refusal is still answered and the lost
    entry is logged, instead of turning the answer into an error.
    """
    user = user if user is not None else (
        current_user if has_request_context() and current_user.is_authenticated else None)
    row = {
        "at": now_utc(), "actor_id": getattr(user, "id", None),
        "actor_name": getattr(user, "username", "") or (detail or {}).get("username", ""),
        "role": getattr(user, "role", ""), "action": action, "object_type": object_type,
        "object_id": object_id, "person_id": person_id,
        "address": (request.remote_addr or "")[:45] if has_request_context() else "",
        "outcome": outcome, "detail": detail or {}}
    if has_request_context() and not commit:
        queue_before_commit(lambda: _insert(row) if required else _try_insert(row))
        return
    _insert(row)
    if commit:
        db.session.commit()


def _insert(row: dict) -> None:
    db.session.connection().execute(AuditEntry.__table__.insert(), row)


def _try_insert(row: dict) -> None:
    try:
        _insert(row)
    except OperationalError:
        db.session.rollback()
        log.warning("audit entry of a refusal not written (database busy): %s %s",
                    row["action"], row["detail"].get("objek", ""))


# ---------------------------------------------------------------- reading the log
# What a supervisor and a resident (UU PDP Art. 32) read: plain Indonesian, no
# endpoint names, no "#id", no Python values. Entries written before the log
# wrote plain details are rendered the same way.
