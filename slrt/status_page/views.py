"""Public status page: case number + last four NIK digits -> status and next step.

No login, no personal data in the answer (no name, NIK, address); a few
attempts per minute per address, counted in the database so every worker
sees the same count.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from slrt.audit.services import audit
from slrt.cases.models import Case, Person
from slrt.common.time import format_date_id, now_utc, today_wib
from slrt.extensions import db
from slrt.platform.unit_of_work import remember_refusal
from slrt.reminders import status as st
from slrt.reminders.models import StatusLookup

bp = Blueprint("status_page", __name__)

CASE_NUMBER_RE = re.compile(r"^[A-Z]{1,6}-\d{4}-\d{1,6}$")


def _address() -> str:
    return (request.remote_addr or "")[:45]


def throttled(address: str, now) -> bool:
    limit = current_app.config.get("STATUS_PAGE_ATTEMPTS_PER_MINUTE", 5)
    recent = db.session.scalar(select(func.count()).select_from(StatusLookup).where(
        StatusLookup.address == address, StatusLookup.at > now - timedelta(minutes=1)))
    return recent >= limit


def next_step(referral, today) -> str:
    program = referral.program.name
    due = format_date_id(referral.due_date)
    clock = st.referral_clock(referral, today)
    s = referral.status
    if s in ("tersalurkan",):
        return _("Bantuan dari %(p)s sudah disalurkan.", p=program)
    if s == "selesai":
        return _("Layanan %(p)s sudah selesai.", p=program)
    if s == "ditolak":
        return _("Rujukan ke %(p)s tidak dapat dipenuhi. Tanyakan alasannya dan pilihan lain "
                 "ke Puskesos desa Anda.", p=program)
    if s == "diteruskan":
        return _("Rujukan ke %(p)s diteruskan ke program lain yang lebih sesuai.", p=program)
    if s == "dibatalkan":
        return _("Rujukan ke %(p)s dibatalkan. Tanyakan ke Puskesos desa Anda bila masih "
                 "memerlukan bantuan.", p=program)
    if clock.state == "paused":
        return _("Rujukan ke %(p)s menunggu kelengkapan dokumen atau keterangan dari Anda. "
                 "Silakan hubungi Puskesos desa Anda.", p=program)
    if s == "perlu_info":
        return _("Petugas %(p)s memerlukan keterangan tambahan. Silakan hubungi Puskesos desa "
                 "Anda.", p=program)
    if clock.state in ("overdue", "escalated"):
        return _("Rujukan ke %(p)s sudah melewati batas layanan (%(due)s). Petugas dan "
                 "atasannya sudah diingatkan; fasilitator desa akan menindaklanjuti.",
                 p=program, due=due)
    if s == "dikirim":
        return _("Rujukan sudah dikirim ke %(p)s dan menunggu diterima petugas. Batas layanan "
                 "%(due)s.", p=program, due=due)
    return _("Sedang ditangani petugas %(p)s. Batas layanan %(due)s.", p=program, due=due)


def answer_for(case: Case, today) -> dict:
    steps = [{"program": r.program.name, "status": r.status_label, "next": next_step(r, today)}
             for r in case.referrals]
    if not case.referrals:
        summary = (_("Pengaduan sudah selesai ditangani di desa.") if case.status == "selesai"
                   else _("Pengaduan tercatat dan sedang ditangani Puskesos desa."))
    elif case.status == "selesai":
        summary = _("Semua rujukan sudah selesai.")
    else:
        summary = _("Pengaduan sedang dirujuk ke program Dinas Sosial.")
    return {"number": case.number, "registered": format_date_id(case.created_at),
            "status": case.status_label, "summary": summary, "steps": steps}


@bp.route("/cek-status", methods=["GET", "POST"])
def lookup():
    if request.method == "GET":
        return render_template("status/lookup.html", answer=None, error=None, number="")
    now = now_utc()
    address = _address()
    number = re.sub(r"\s+", "", request.form.get("number", ""))[:30].upper()
    digits = request.form.get("nik4", "").strip()[:8]
    if throttled(address, now):
        return render_template(
            "status/lookup.html", answer=None, number=number,
            error=_("Terlalu banyak percobaan. Tunggu satu menit lalu coba lagi.")), 429
    db.session.execute(delete(StatusLookup).where(StatusLookup.at < now - timedelta(hours=1)))
    db.session.add(StatusLookup(address=address, at=now))
    remember_refusal()  # every try counts, also one answered "not found"
    case = None
    if CASE_NUMBER_RE.match(number) and re.fullmatch(r"\d{4}", digits):
        case = db.session.scalars(select(Case).join(Person, Case.beneficiary_id == Person.id)
                                  .where(Case.number == number,
                                         Person.nik.is_not(None))).first()
        if case is not None and case.beneficiary.nik[-4:] != digits:
            case = None
    if case is None:
        return render_template(
            "status/lookup.html", answer=None, number=number,
            error=_("Nomor kasus dan empat angka terakhir NIK tidak cocok. Periksa tanda terima "
                    "Anda, atau tanyakan ke Puskesos desa.")), 404
    audit("cek_status_publik", object_type="case", object_id=case.id,
          person_id=case.beneficiary_id)
    return render_template("status/lookup.html", answer=answer_for(case, today_wib(now)),
                           error=None, number=number)
