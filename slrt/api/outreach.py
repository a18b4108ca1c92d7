"""Outreach (penjangkauan): the facilitator's follow-up list (what *Desa saya*
shows), a visit logged from the field (with its photo, as multipart or
base64), and a resident reported moved or died with the web form's safeguards
(a note, and `confirm` for "Saya yakin"). slrt.outreach.services decides and
cleans the photo (re-encoded, EXIF stripped); this module only parses."""

from __future__ import annotations

import base64
import binascii

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from slrt.api import problems
from slrt.api.complaints import case_for_ref
from slrt.api.core import (
    ApiError,
    accepts_form,
    audit_call,
    blueprint,
    caller,
    parse_public_id,
    public_id,
    text,
)
from slrt.api.idempotency import HEADER, idempotent
from slrt.common.time import WIB, now_utc, today_wib
from slrt.extensions import db
from slrt.outreach import services
from slrt.outreach.models import VISIT_OUTCOMES, FollowUpTask
from slrt.proposals.models import Proposal

bp = blueprint("api_outreach", "/outreach", "Penjangkauan: daftar tindak lanjut, kunjungan, "
                                            "lapor pindah/meninggal")

# A phone photo as base64 is a third larger than the file; the app's
# MAX_CONTENT_LENGTH bounds the whole body before this is read.
PHOTO_B64_MAX = 16 * 1024 * 1024


class ResidentOut(ma.Schema):
    name = ma.fields.String(required=True)
    nik_masked = ma.fields.String(required=True)
    address = ma.fields.String(required=True)
    dusun = ma.fields.String(required=True)
    rt = ma.fields.String(required=True)
    rw = ma.fields.String(required=True)
    phone = ma.fields.String(required=True)


class ReferralOfResident(ma.Schema):
    """A resident's case and the referral the facilitator follows up."""

    case_id = ma.fields.String(required=True)
    case_number = ma.fields.String(required=True)
    referral_number = ma.fields.String(required=True)
    program_code = ma.fields.String(required=True)
    program_name = ma.fields.String(required=True)
    village_code = ma.fields.String(required=True)
    resident = ma.fields.Nested(ResidentOut, required=True)


class TaskOut(ReferralOfResident):
    id = ma.fields.String(required=True, metadata={"description": "Id tugas (opaque)"})
    overdue_since = ma.fields.Date(required=True)
    reason = ma.fields.String(required=True)
    suggested_visit = ma.fields.String(required=True)


class WaitingOut(ReferralOfResident):
    urgency = ma.fields.String(required=True)
    due_date = ma.fields.Date(required=True)
    clock = ma.fields.String(required=True, metadata={"description": "hampir, lewat, eskalasi…"})
    clock_label = ma.fields.String(required=True)
    clock_detail = ma.fields.String(required=True)
    paused_reason = ma.fields.String(allow_none=True)
    resident = ma.fields.Nested(ResidentOut, required=True)


class ProposalBrief(ma.Schema):
    id = ma.fields.String(required=True)
    number = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    status_label = ma.fields.String(required=True)
    village_code = ma.fields.String(required=True)


class FollowUpsOut(ma.Schema):
    today = ma.fields.Date(required=True)
    village_codes = ma.fields.List(ma.fields.String(), required=True)
    tasks = ma.fields.List(ma.fields.Nested(TaskOut), required=True)
    waiting = ma.fields.List(ma.fields.Nested(WaitingOut), required=True)
    proposals = ma.fields.List(ma.fields.Nested(ProposalBrief), required=True)


class VisitIn(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(list(VISIT_OUTCOMES)))
    visited_at = ma.fields.AwareDateTime(required=True, default_timezone=WIB, metadata={
        "description": "Waktu kunjungan; tanpa zona waktu dibaca sebagai WIB"})
    notes = text(4000, metadata={"description": "Wajib untuk pindah/meninggal: kapan dan "
                                                "dari siapa kabar itu diketahui"})
    task_id = text(100, allow_none=True, metadata={"description": "Id tugas tindak lanjut"})
    latitude = ma.fields.Float(allow_none=True, allow_nan=False,
                               validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(allow_none=True, allow_nan=False,
                                validate=ma.validate.Range(min=-180, max=180))
    confirm = ma.fields.Boolean(load_default=False, metadata={
        "description": "\"Saya yakin\": wajib true untuk melaporkan pindah/meninggal"})
    photo_base64 = ma.fields.String(allow_none=True, validate=ma.validate.Length(
        max=PHOTO_B64_MAX, error=_l("Foto terlalu besar.")), metadata={
        "description": "Foto JPG/PNG dalam base64 (atau kirim multipart dengan berkas `photo`)"})


class VisitForm(VisitIn):
    photo = ma.fields.Raw(metadata={"type": "string", "format": "binary"})


class VisitOut(ma.Schema):
    id = ma.fields.String(required=True)
    case_id = ma.fields.String(required=True)
    outcome = ma.fields.String(required=True)
    outcome_label = ma.fields.String(required=True)
    visited_at = ma.fields.DateTime(required=True)
    notes = ma.fields.String(required=True)
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    has_photo = ma.fields.Boolean(required=True)
    next_visit = ma.fields.String(required=True, metadata={
        "description": "Saran kunjungan berikutnya setelah \"tidak di rumah\" ('' bila tidak ada)"})
    proposal_number = ma.fields.String(allow_none=True, metadata={
        "description": "Usulan penonaktifan DTKS yang timbul dari laporan pindah/meninggal"})
    created_at = ma.fields.DateTime(required=True)


def _resident(case, user) -> dict:
    p = case.beneficiary_for(user)
    return {"name": p.display_name, "nik_masked": p.masked_nik, "address": p.address or "",
            "dusun": p.dusun or "", "rt": p.rt or "", "rw": p.rw or "",
            "phone": p.phone or case.reporter_phone or ""}


@bp.get("/follow-ups")
@bp.response(200, FollowUpsOut)
def follow_ups():
    """Daftar tindak lanjut di desa-desa Anda (seperti halaman *Desa saya*): tugas
    kunjungan, warga yang rujukannya terlambat, usulan DTKS yang berjalan."""
    body = follow_up_lists(caller().user)
    audit_call("api", rincian=f"Daftar tindak lanjut ({len(body['tasks'])} tugas, "
                              f"{len(body['waiting'])} rujukan menunggu)")
    return body


def follow_up_lists(user, cases: dict | None = None) -> dict:
    """The body of the follow-up list (also the heart of the field app's snapshot);
    `cases` (case id -> case), when given, receives the cases it names."""
    today = today_wib()
    cases = {} if cases is None else cases
    open_tasks = services.open_tasks(user)
    cases.update((t.case_id, t.case) for t in open_tasks)
    tasks = [{
        "id": public_id("task", t.id), "case_id": public_id("case", t.case_id),
        "case_number": t.case.number, "referral_number": t.referral.number,
        "program_code": t.referral.program_code, "program_name": t.referral.program.name,
        "village_code": t.village_code, "overdue_since": t.due_date, "reason": t.reason or "",
        "suggested_visit": t.suggested_visit, "resident": _resident(t.case, user)}
        for t in open_tasks]
    waiting = []
    for w in services.waiting_referrals(user, today):
        r = w.referral
        cases[r.case_id] = r.case
        waiting.append({
            "case_id": public_id("case", r.case_id), "case_number": r.case.number,
            "referral_number": r.number, "program_code": r.program_code,
            "program_name": r.program.name, "village_code": r.village_code,
            "urgency": r.urgency, "due_date": r.due_date, "clock": w.clock.state,
            "clock_label": w.clock.label, "clock_detail": w.clock.detail,
            "paused_reason": r.pause_reason if r.paused_at else None,
            "resident": _resident(r.case, user)})
    proposals = [{"id": public_id("proposal", p.id), "number": p.number, "kind": p.kind,
                  "status": p.status, "status_label": p.status_label,
                  "village_code": p.village_code} for p in services.pending_proposals(user)]
    return {"today": today, "village_codes": sorted(user.village_codes), "tasks": tasks,
            "waiting": waiting, "proposals": proposals}


def _visit_input() -> tuple[dict, bytes | None]:
    """The body as JSON (photo in base64) or as multipart/form-data (photo as a file)."""
    upload = None
    if request.is_json:
        raw = request.get_json(silent=True)
        if not isinstance(raw, dict):
            raise ApiError(422, errors=[{"field": None, "message": _("Harus berupa objek JSON.")}])
        schema = VisitIn()
    elif request.mimetype == "multipart/form-data":
        raw = {k: v for k, v in request.form.items() if v != ""}
        upload = request.files.get("photo")
        schema = VisitIn()
    else:
        raise ApiError(415, _("Kirim application/json atau multipart/form-data."))
    try:
        data = schema.load(raw)
    except ma.ValidationError as e:
        raise ApiError(422, errors=problems.field_errors(e.messages)) from None
    photo = None
    if data.get("photo_base64"):
        encoded = "".join(data["photo_base64"].split())
        if encoded.startswith("data:"):
            encoded = encoded.partition(",")[2]
        try:
            photo = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            message = _("Foto base64 tidak sah.")
            raise ApiError(422, message, errors=[{"field": "photo_base64", "message": message}]
                           ) from None
    elif upload is not None and upload.filename:
        photo = upload.read()
    return data, photo


def _task(case, task_ref: str | None) -> FollowUpTask | None:
    if not task_ref:
        return None
    task = db.session.get(FollowUpTask, parse_public_id("task", task_ref))
    if task is None or task.case_id != case.id:
        raise ApiError(404)
    return task


def visit_json(v) -> dict:
    return {"id": public_id("visit", v.id), "case_id": public_id("case", v.case_id),
            "outcome": v.outcome, "outcome_label": v.outcome_label,
            "visited_at": v.visited_at, "notes": v.notes, "latitude": v.latitude,
            "longitude": v.longitude, "has_photo": bool(v.photo_path),
            "next_visit": v.next_visit_hint,
            "proposal_number": (db.session.get(Proposal, v.proposal_id).number
                                if v.proposal_id else None),
            "created_at": v.created_at}


@bp.post("/cases/<case_ref>/visits")
@bp.alt_response(201, schema=VisitOut, description="Kunjungan tercatat", success=True)
@bp.doc(requestBody={"required": True, "content": {
    "application/json": {"schema": VisitIn},
    "multipart/form-data": {"schema": VisitForm}}},
    parameters=[{"in": "header", "name": HEADER, "required": False,
                 "schema": {"type": "string", "maxLength": 200},
                 "description": "Kunci unik per kunjungan: aplikasi lapangan yang mengirim "
                                "ulang mendapat jawaban pertama"}])
@accepts_form
@idempotent
def log_visit(case_ref):
    """Catat kunjungan ke warga sebuah kasus: hasil, catatan, waktu, GPS, foto.
    Hasil `pindah` atau `meninggal` melaporkan data DTKS warga itu (usulan
    penonaktifan) dengan pengaman yang sama dengan formulir web: catatan wajib
    dan `confirm: true`. Foto disimpan ulang tanpa EXIF (lokasi, ponsel)."""
    user = caller().user
    case = case_for_ref(case_ref)  # out of scope: 404 before anything else is said
    data, photo = _visit_input()
    task = _task(case, data.get("task_id"))
    visit = services.record_visit(
        user, case, outcome=data["outcome"], visited_at=data["visited_at"],
        notes=data.get("notes") or "", now=now_utc(), task=task, photo=photo,
        latitude=data.get("latitude"), longitude=data.get("longitude"),
        confirm_stale=data["confirm"])
    audit_call("ubah", object_type="case", object_id=case.id, person_id=case.beneficiary_id,
               objek=f"Kasus {case.number}",
               rincian=f"Kunjungan penjangkauan dicatat melalui API ({visit.outcome})")
    return VisitOut().dump(visit_json(visit)), 201

