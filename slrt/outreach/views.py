"""Desa saya: the facilitator's waiting families, tasks, proposals; visits; contacts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from slrt.audit.services import audit
from slrt.cases import queries as case_queries
from slrt.common.downloads import send_stored
from slrt.common.errors import DomainError
from slrt.common.permissions import can, permission_required
from slrt.common.routing_ids import parse_id
from slrt.common.time import WIB, now_utc, today_wib
from slrt.extensions import db
from slrt.outreach import services
from slrt.outreach.models import VISIT_OUTCOMES, FollowUpTask, OutreachVisit
from slrt.regions.queries import villages_in

bp = Blueprint("outreach", __name__, url_prefix="/desa-saya")


@bp.get("")
@permission_required("outreach.visit")
def my_villages():
    today = today_wib()
    return render_template(
        "outreach/my_villages.html", waiting=services.waiting_referrals(current_user, today),
        tasks=services.open_tasks(current_user),
        proposals=services.pending_proposals(current_user), today=today,
        villages=villages_in(v.village_code for v in current_user.villages))


def _task_for(case, task_id) -> FollowUpTask | None:
    task = db.session.get(FollowUpTask, task_id) if task_id else None
    if task is not None and task.case_id != case.id:
        abort(404)
    return task


@bp.route("/kasus/<id:case_id>/kunjungan", methods=["GET", "POST"])
@permission_required("outreach.visit")
def visit(case_id: int):
    case = case_queries.get_case_for(current_user, case_id)
    values = request.form if request.method == "POST" else {}
    task = _task_for(case, parse_id(request.values.get("task")))
    error, error_field = None, None
    now = now_utc()
    if request.method == "POST":
        try:
            visited_at = datetime.fromisoformat(values.get("visited_at", "")).replace(tzinfo=WIB)
        except ValueError:
            error, error_field = _("Tanggal dan jam kunjungan tidak sah."), "visited_at"
        else:
            upload = request.files.get("photo")
            photo = upload.read() if upload and upload.filename else None
            try:
                v = services.record_visit(
                    current_user, case, outcome=values.get("outcome", ""),
                    visited_at=visited_at, notes=values.get("notes", "")[:4000], now=now,
                    task=task, photo=photo,
                    latitude=values.get("latitude", "")[:20],
                    longitude=values.get("longitude", "")[:20],
                    confirm_stale=values.get("yakin") == "1")
            except DomainError as e:
                db.session.rollback()
                error, error_field = e.message, e.field
            else:
                flash(_("Kunjungan dicatat: %(o)s.", o=v.outcome_label), "success")
                if v.next_visit_hint:
                    flash(_("Kunjungan berikutnya disarankan %(h)s; tugas tetap terbuka.",
                            h=v.next_visit_hint), "info")
                return redirect(url_for("cases.detail", case_id=case.id))
    if request.method == "GET":
        audit("lihat_kunjungan", object_type="case", object_id=case.id,
              person_id=case.beneficiary_id, detail={
                  "objek": _("Kasus %(n)s", n=case.number),
                  "rincian": _("Membuka halaman kunjungan penjangkauan")})
    return render_template(
        "outreach/visit.html", case=case, task=task, outcomes=VISIT_OUTCOMES, values=values,
        error=error, error_field=error_field, visits=services.visits_of(case),
        default_time=now.astimezone(WIB).strftime("%Y-%m-%dT%H:%M")), (422 if error else 200)


@bp.post("/kasus/<id:case_id>/kontak")
@permission_required("outreach.contact")
def contact(case_id: int):
    case = case_queries.get_case_for(current_user, case_id)
    try:
        services.record_contact(current_user, case, request.form.get("text", "")[:4000],
                                now=now_utc())
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "error")
    else:
        flash(_("Tindak lanjut dicatat di riwayat kasus."), "success")
    return redirect(request.form.get("next") == "desa" and url_for("outreach.my_villages")
                    or url_for("outreach.visit", case_id=case.id))


@bp.get("/kunjungan/<id:visit_id>/foto")
@permission_required("outreach.photo")
def photo(visit_id: int):
    v = db.session.get(OutreachVisit, visit_id)
    if v is None or not v.photo_path or not can(current_user, "outreach.photo", v):
        abort(404)
    case = v.case
    audit("unduh_berkas", object_type="visit", object_id=v.id, person_id=case.beneficiary_id,
          detail={"objek": _("Foto kunjungan %(d)s, kasus %(n)s",
                             d=v.visited_at.astimezone(WIB).strftime("%d-%m-%Y"),
                             n=case.number),
                  "rincian": _("Mengunduh foto kunjungan penjangkauan")})
    return send_stored(v.photo_path, mimetype=v.photo_mime,
                       name=f"kunjungan-{v.id}{Path(v.photo_path).suffix}")
