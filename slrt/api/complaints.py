"""Complaints (kasus): register (Idempotency-Key), read, list, add a note,
close at the desk. The desk's own form checks the fields (slrt.cases.forms)
and the same services decide; a case outside the caller's villages is a 404."""

from __future__ import annotations

import base64
import binascii

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from slrt.api.core import ApiError, audit_call, blueprint, caller, parse_public_id, public_id, text
from slrt.api.idempotency import idempotent
from slrt.api.schemas import RecordOut
from slrt.cases import queries, services
from slrt.cases.forms import MAX_TEXT, CaseForm, CloseForm, NoteForm
from slrt.cases.models import CHANNELS, DESK_OUTCOMES, SEXES, URGENCIES
from slrt.cases.workflow import CASE_FLOW
from slrt.common.errors import DomainError
from slrt.common.time import now_utc
from slrt.extensions import db

bp = blueprint("api_complaints", "/complaints", "Pengaduan: catat, baca, daftar, catatan, tutup")

COUNT = ma.validate.Range(min=0, max=30, error=_l("Antara 0 dan 30."))


class ComplaintIn(ma.Schema):
    village_code = text(13, required=True, metadata={"example": "15.04.03.2013"})
    category_code = text(40, required=True, metadata={"example": "pbi_tidak_aktif"})
    description = text(MAX_TEXT, required=True)
    channel = ma.fields.String(load_default="laporan_desa",
                               validate=ma.validate.OneOf(list(CHANNELS)))
    urgency = ma.fields.String(load_default="biasa", validate=ma.validate.OneOf(list(URGENCIES)))
    incident_date = ma.fields.Date(allow_none=True)
    name = text(120, metadata={"description": "Nama penerima manfaat"})
    nik = text(40)
    no_kk = text(40)
    birth_place = text(80)
    birth_date = ma.fields.Date(allow_none=True)
    sex = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(list(SEXES)))
    address = text(200)
    dusun = text(60)
    rt = text(3)
    rw = text(3)
    phone = text(20)
    household_size = ma.fields.Integer(allow_none=True, strict=True, validate=ma.validate.Range(
        min=1, max=30, error=_l("Antara 1 dan 30.")))
    children_count = ma.fields.Integer(allow_none=True, strict=True, validate=COUNT)
    elderly_count = ma.fields.Integer(allow_none=True, strict=True, validate=COUNT)
    disabled_count = ma.fields.Integer(allow_none=True, strict=True, validate=COUNT)
    is_unidentified = ma.fields.Boolean(load_default=False)
    identifying_notes = text(MAX_TEXT)
    reporter_is_beneficiary = ma.fields.Boolean(load_default=True)
    reporter_name = text(120)
    reporter_relation = text(80)
    reporter_phone = text(20)
    allow_duplicate = ma.fields.Boolean(load_default=False, metadata={
        "description": "Catat walau ada kasus terbuka dengan kategori yang sama"})


class NoteIn(ma.Schema):
    text = text(MAX_TEXT, required=True)


class CloseIn(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(list(DESK_OUTCOMES)))
    note = text(MAX_TEXT)
    version = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(
        min=1, max=2_147_483_647, error=_l("Versi tidak sah.")))


class ListArgs(ma.Schema):
    q = text(120, metadata={"description": "Nomor kasus atau nama"})
    status = ma.fields.String(validate=ma.validate.OneOf(list(CASE_FLOW.states)))
    category = text(40)
    village = text(13)
    date_from = ma.fields.Date()
    date_to = ma.fields.Date()
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
    cursor = text(100)


class EvidenceOut(ma.Schema):
    checked_at = ma.fields.DateTime(required=True)
    method = ma.fields.String(required=True)
    found = ma.fields.Boolean(required=True)
    source = ma.fields.String(required=True)
    period = ma.fields.String(required=True)
    result = ma.fields.Dict(required=True)


class ReferralBrief(ma.Schema):
    program_code = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    status_label = ma.fields.String(required=True)


class CaseOut(RecordOut):
    category_code = ma.fields.String(required=True)
    channel = ma.fields.String(required=True)
    urgency = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    incident_date = ma.fields.Date(allow_none=True)
    beneficiary_name = ma.fields.String(required=True)
    beneficiary_nik_masked = ma.fields.String(required=True)
    closed_at = ma.fields.DateTime(allow_none=True)
    outcome = ma.fields.String(allow_none=True)
    outcome_label = ma.fields.String(required=True)
    registry_checks = ma.fields.List(ma.fields.Nested(EvidenceOut))
    referrals = ma.fields.List(ma.fields.Nested(ReferralBrief))


class CasePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CaseOut), required=True)
    next_cursor = ma.fields.String(allow_none=True)


class NoteOut(ma.Schema):
    at = ma.fields.DateTime(required=True)
    text = ma.fields.String(required=True)


def case_json(case, user, *, full: bool = True) -> dict:
    person = case.beneficiary_for(user)
    out = {"id": public_id("case", case.id), "number": case.number, "status": case.status,
           "status_label": case.status_label, "village_code": case.village_code,
           "category_code": case.category_code, "channel": case.channel,
           "urgency": case.urgency, "description": case.description,
           "incident_date": case.incident_date, "beneficiary_name": person.display_name,
           "beneficiary_nik_masked": person.masked_nik, "created_at": case.created_at,
           "updated_at": case.updated_at, "closed_at": case.closed_at, "outcome": case.outcome,
           "outcome_label": case.outcome_label, "version": case.version}
    if full:
        out["registry_checks"] = [
            {"checked_at": c.checked_at, "method": c.method, "found": c.found,
             "source": c.source, "period": c.period, "result": _masked(c.result)}
            for c in case.registry_checks]
        out["referrals"] = [{"program_code": r.program_code, "status": r.status,
                             "status_label": r.status_label} for r in case.referrals]
    return out


def _masked(result: dict) -> dict:
    from slrt.identity import mask_nik

    result = dict(result or {})
    if result.get("nik"):
        result["nik"] = mask_nik(result["nik"])
    return result


def _form_errors(form) -> list[dict]:
    return [{"field": name, "message": str(m)} for name, messages in form.errors.items()
            for m in messages]


def _formdata(data: dict) -> MultiDict:
    """The JSON body as the desk's form would post it."""
    out = MultiDict()
    for key, value in data.items():
        if value is None or value is False:
            continue
        if key == "reporter_is_beneficiary":
            out[key] = "ya" if value else "tidak"
        elif value is True:
            out[key] = "y"
        elif hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        else:
            out[key] = str(value)
    if not data.get("reporter_is_beneficiary", True):
        out["reporter_is_beneficiary"] = "tidak"
    return out


def case_for_ref(case_ref: str):
    from werkzeug.exceptions import NotFound

    number = parse_public_id("case", case_ref)
    try:
        return queries.get_case_for(caller().user, number)
    except NotFound:
        raise ApiError(404) from None


@bp.post("")
@bp.arguments(ComplaintIn)
@bp.alt_response(201, schema=CaseOut, description="Pengaduan tercatat", success=True)
@bp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                     "schema": {"type": "string", "maxLength": 200},
                     "description": "Kunci unik per pengaduan: permintaan ulang dengan kunci "
                                    "yang sama mendapat jawaban pertama"}])
@idempotent
def register(data):
    """Catat pengaduan baru, dengan bukti DTKS per NIK seperti di meja layanan."""
    user = caller().user
    form = CaseForm(formdata=_formdata(data), meta={"csrf": False})
    form.village_code.choices = [(data["village_code"], data["village_code"])]
    form.category_code.choices = [(data["category_code"], data["category_code"])]
    if not form.validate():
        raise ApiError(422, errors=_form_errors(form))
    person, complaint = form.person_input(), form.complaint_input()
    try:
        case = services.register_case(user, person, complaint, now=now_utc(),
                                      allow_duplicate=data["allow_duplicate"])
    except services.DuplicateOpenCase as dup:
        raise ApiError(409, dup.message, errors=[{"field": dup.field, "message": dup.message}],
                       existing_case=public_id("case", dup.case.id)) from None
    db.session.flush()
    audit_call("ubah", object_type="case", object_id=case.id, person_id=case.beneficiary_id,
               objek=f"Kasus {case.number}", rincian="Pengaduan dicatat melalui API")
    return CaseOut().dump(case_json(case, user)), 201


@bp.get("")
@bp.arguments(ListArgs, location="query")
@bp.response(200, CasePage)
def list_(args):
    """Pengaduan di wilayah Anda, terbaru dulu; lanjutkan dengan `cursor`."""
    user = caller().user
    before = _cursor_id(args.get("cursor"))
    f = queries.CaseFilters(q=args.get("q", ""), status=args.get("status", ""),
                            category=args.get("category", ""), village=args.get("village", ""),
                            date_from=args.get("date_from"), date_to=args.get("date_to"))
    rows, next_id = queries.list_cases(user, f, before_id=before, limit=args["limit"])
    audit_call("api", rincian=f"Daftar pengaduan ({len(rows)})")
    return {"items": [case_json(c, user, full=False) for c in rows],
            "next_cursor": _cursor_for(next_id) if next_id else None}


def _cursor_for(case_id: int) -> str:
    return base64.urlsafe_b64encode(f"sebelum:{case_id}".encode()).decode().rstrip("=")


def _cursor_id(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    kind, _sep, number = raw.partition(":")
    if kind != "sebelum" or not number.isdigit() or not 0 < int(number) <= 2_147_483_647:
        message = _("Kursor tidak sah; mulai lagi dari halaman pertama.")
        raise ApiError(422, message, errors=[{"field": "cursor", "message": message}])
    return int(number)


@bp.get("/<case_ref>")
@bp.response(200, CaseOut)
def read(case_ref):
    """Satu pengaduan: status, bukti DTKS bertanggal, rujukannya."""
    case = case_for_ref(case_ref)
    audit_call("lihat_kasus", object_type="case", object_id=case.id,
               person_id=case.beneficiary_id, objek=f"Kasus {case.number}")
    return case_json(case, caller().user)


@bp.post("/<case_ref>/notes")
@bp.arguments(NoteIn)
@bp.response(201, NoteOut)
def add_note(data, case_ref):
    """Tambahkan catatan pada pengaduan."""
    case = case_for_ref(case_ref)
    form = NoteForm(formdata=MultiDict({"text": data["text"]}), meta={"csrf": False})
    if not form.validate():
        raise ApiError(422, errors=_form_errors(form))
    event = services.add_note(caller().user, case, form.text.data, now=now_utc())
    audit_call("ubah", object_type="case", object_id=case.id, person_id=case.beneficiary_id,
               objek=f"Kasus {case.number}", rincian="Catatan ditambahkan melalui API")
    return {"at": event.at, "text": form.text.data}


@bp.post("/<case_ref>/close")
@bp.arguments(CloseIn)
@bp.response(200, CaseOut)
def close(data, case_ref):
    """Selesaikan pengaduan di meja layanan. `version` adalah versi yang Anda baca:
    bila kasus telah berubah, jawabannya 409 dengan keadaan terkini."""
    user = caller().user
    case = case_for_ref(case_ref)
    form = CloseForm(formdata=MultiDict({"outcome": data["outcome"],
                                         "note": data.get("note") or ""}), meta={"csrf": False})
    if not form.validate():
        raise ApiError(422, errors=_form_errors(form))
    if data["version"] != case.version:
        raise ApiError(409, _("Kasus ini baru saja diubah; periksa keadaan terkini lalu ulangi."),
                       current=_jsonable(case_json(case, user)))
    try:
        services.close_at_desk(user, case, form.outcome.data, form.note.data or "",
                               now=now_utc(), expected_version=data["version"])
    except DomainError as e:
        raise ApiError(422, e.message, errors=[{"field": e.field, "message": e.message}]) \
            from None
    audit_call("ubah", object_type="case", object_id=case.id, person_id=case.beneficiary_id,
               objek=f"Kasus {case.number}", rincian="Diselesaikan di meja melalui API")
    return case_json(case, user)


def _jsonable(body: dict) -> dict:
    return CaseOut().dump(body)


