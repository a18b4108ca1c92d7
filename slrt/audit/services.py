"""Write the audit log. Called by views and services; flushes with the caller's
transaction, or writes on its own for refusals and reads that commit nothing."""

from __future__ import annotations

import logging

from flask import has_request_context, request
from flask_login import current_user

from slrt.audit.models import AuditEntry
from slrt.common.time import now_utc
from slrt.extensions import db

log = logging.getLogger(__name__)

ACTIONS = {
    "login": "Masuk",
    "login_gagal": "Gagal masuk",
    "logout": "Keluar",
    "lihat_kasus": "Membuka kasus",
    "lihat_orang": "Membuka data orang",
    "cari_nama": "Mencari nama di DTKS",
    "ubah": "Mengubah data",
    "ekspor": "Mengekspor data",
    "impor": "Mengimpor data",
    "ditolak": "Akses ditolak",
    "buka_nik": "Membuka NIK lengkap",
    "laporan_pdp": "Laporan UU PDP",
    "lapor_data": "Melaporkan warga pindah/meninggal",
    "cabut_laporan": "Mencabut laporan pindah/meninggal",
}


def audit(action: str, *, object_type: str = "", object_id: int | None = None,
          person_id: int | None = None, outcome: str = "ok", detail: dict | None = None,
          user=None, commit: bool = False) -> None:
    """Append one entry, in the caller's transaction (commit=True: commit it).

    Written with one INSERT rather than through the unit of work: every change
    and every view of a case or person writes one, and the flush of an object
    cost several times the statement (measured with bench/load_register.py).
    """
    user = user if user is not None else (
        current_user if has_request_context() and current_user.is_authenticated else None)
    db.session.connection().execute(AuditEntry.__table__.insert(), {
        "at": now_utc(), "actor_id": getattr(user, "id", None),
        "actor_name": getattr(user, "username", "") or (detail or {}).get("username", ""),
        "role": getattr(user, "role", ""), "action": action, "object_type": object_type,
        "object_id": object_id, "person_id": person_id,
        "address": (request.remote_addr or "")[:45] if has_request_context() else "",
        "outcome": outcome, "detail": detail or {}})
    if commit:
        db.session.commit()
