"""Public status page: case number + the check code on the receipt -> status and next step.

No login, no personal data in the answer (no name, NIK, address); a few
attempts per minute per address and per hour per case number, counted in the
database so every worker sees the same count (slrt/status_page/services.py).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _

from slrt.audit.services import audit
from slrt.cases.models import Case
from slrt.common.time import format_date_id, now_utc, today_wib
from slrt.notifications import status as st
from slrt.platform.unit_of_work import remember_refusal
from slrt.status_page import services

bp = Blueprint("status_page", __name__)


def _address() -> str:
    return (request.remote_addr or "")[:45]


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
        summary = (_("Pengaduan sudah selesai ditangani di desa.") if not case.is_open
                   else _("Pengaduan tercatat dan sedang ditangani Puskesos desa."))
    elif not case.is_open:
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
    number = services.normalise_number(request.form.get("number", ""))
    result = services.lookup(number, request.form.get("code", ""), _address(), now)
    remember_refusal()  # every try counts, also one answered "not found" or "too many"
    if result.refused == "address":
        return render_template(
            "status/lookup.html", answer=None, number=number,
            error=_("Terlalu banyak percobaan. Tunggu satu menit lalu coba lagi.")), 429
    if result.refused == "number":
        return render_template(
            "status/lookup.html", answer=None, number=number,
            error=_("Terlalu banyak percobaan untuk nomor kasus ini. Coba lagi satu jam lagi, "
                    "atau tanyakan ke Puskesos desa.")), 429
    case = result.case
    if case is None:
        return render_template(
            "status/lookup.html", answer=None, number=number,
            error=_("Nomor kasus dan kode cek status tidak cocok. Periksa tanda terima "
                    "Anda, atau tanyakan ke Puskesos desa.")), 404
    audit("cek_status_publik", object_type="case", object_id=case.id,
          person_id=case.beneficiary_id)
    return render_template("status/lookup.html", answer=answer_for(case, today_wib(now)),
                           error=None, number=number)


@bp.app_template_global()
def status_page_url() -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if base:
        return base + url_for("status_page.lookup")
    return url_for("status_page.lookup", _external=True)
