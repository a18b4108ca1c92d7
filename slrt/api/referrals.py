"""Referrals (rujukan): the routing options of a case with their reasons,
refer, the handler's queue, one referral, and every move of the life cycle
with the version read (optimistic locking: a stale version is a 409 with the
referral as it is now). The services decide who may do what."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from slrt.api.complaints import case_for_ref
from slrt.api.core import ApiError, audit_call, blueprint, caller, parse_public_id, public_id, text
from slrt.api.schemas import RecordOut
from slrt.cases.forms import MAX_TEXT
from slrt.common.errors import DomainError
from slrt.common.time import now_utc, today_wib
from slrt.referrals import queries, routing, services
from slrt.referrals.workflow import MOVES, STATUSES, allowed_moves

bp = blueprint("api_referrals", "", "Rujukan: pilihan program, rujuk, antrean, langkah")


class SuggestionOut(ma.Schema):
    program_code = ma.fields.String(required=True)
    program_name = ma.fields.String(required=True)
    suggested = ma.fields.Boolean(required=True)
    blocked = ma.fields.Boolean(required=True)
    reasons = ma.fields.List(ma.fields.String(), required=True)
    then = ma.fields.List(ma.fields.String(), required=True)


class ReferIn(ma.Schema):
    programs = ma.fields.List(text(20), required=True, validate=ma.validate.Length(
        min=1, max=10, error=_l("Pilih 1 sampai 10 program.")))
    reason = text(MAX_TEXT, required=True)


class ReferralOut(RecordOut):
    case_id = ma.fields.String(required=True)
    program_code = ma.fields.String(required=True)
    urgency = ma.fields.String(required=True)
    due_date = ma.fields.Date(required=True)
    reason = ma.fields.String(required=True)
    last_question = ma.fields.String(required=True)
    last_answer = ma.fields.String(required=True)
    allowed_actions = ma.fields.List(ma.fields.String(), required=True)


class ReferralPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ReferralOut), required=True)
    next_cursor = ma.fields.String(allow_none=True)


class QueueArgs(ma.Schema):
    program = text(20)
    tab = ma.fields.String(load_default="semua", validate=ma.validate.OneOf(list(queries.TABS)))
    status = ma.fields.String(validate=ma.validate.OneOf(list(STATUSES)))
    village = text(13)
    due = ma.fields.String(validate=ma.validate.OneOf(list(queries.DUE_FILTERS)))
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
    cursor = text(40)


class MoveIn(ma.Schema):
    action = ma.fields.String(required=True, validate=ma.validate.OneOf(list(MOVES)))
    version = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(
        min=1, max=2_147_483_647, error=_l("Versi tidak sah.")))
    reason = text(MAX_TEXT)
    target_program = text(20)


class MoveOut(ma.Schema):
    referral = ma.fields.Nested(ReferralOut, required=True)
    forwarded_to = ma.fields.Nested(ReferralOut, allow_none=True)


def referral_json(r) -> dict:
    user = caller().user
    return {"id": public_id("referral", r.id), "number": r.number,
            "case_id": public_id("case", r.case_id), "program_code": r.program_code,
            "status": r.status, "status_label": r.status_label, "urgency": r.urgency,
            "village_code": r.village_code, "due_date": r.due_date, "reason": r.reason,
            "last_question": r.last_question, "last_answer": r.last_answer,
            "version": r.version, "allowed_actions": [m.action for m in allowed_moves(user, r)],
            "created_at": r.created_at, "updated_at": r.updated_at}


def _referral(ref: str):
    number = parse_public_id("referral", ref)
    try:
        return queries.get_referral_for(caller().user, number)
    except NotFound:
        raise ApiError(404) from None


def _refused(e: DomainError):
    raise ApiError(422, e.message, errors=[{"field": e.field, "message": e.message}]) from None


@bp.get("/complaints/<case_ref>/routing")
@bp.response(200, SuggestionOut(many=True))
def routing_options(case_ref):
    """Program yang dapat dituju oleh kasus ini, dengan alasannya (yang terhalang
    menyebut sebabnya dan program yang perlu didahulukan)."""
    case = case_for_ref(case_ref)
    audit_call("lihat_kasus", object_type="case", object_id=case.id,
               person_id=case.beneficiary_id, objek=f"Kasus {case.number}",
               rincian="Pilihan rujukan")
    return [{"program_code": s.program.code, "program_name": s.program.name,
             "suggested": s.suggested, "blocked": s.blocked, "reasons": s.reasons,
             "then": s.then} for s in routing.suggest(case, today_wib())]


@bp.post("/complaints/<case_ref>/referrals")
@bp.arguments(ReferIn)
@bp.response(201, ReferralOut(many=True))
def refer(data, case_ref):
    """Rujuk kasus ke satu atau beberapa program."""
    case = case_for_ref(case_ref)
    try:
        created = services.refer(caller().user, case, data["programs"], data["reason"],
                                 now=now_utc())
    except DomainError as e:
        _refused(e)
    audit_call("ubah", object_type="case", object_id=case.id, person_id=case.beneficiary_id,
               objek=f"Kasus {case.number}",
               rincian="Dirujuk melalui API: " + ", ".join(r.number for r in created))
    return [referral_json(r) for r in created]


@bp.get("/referrals")
@bp.arguments(QueueArgs, location="query")
@bp.response(200, ReferralPage)
def queue(args):
    """Antrean rujukan: petugas program melihat programnya, meja layanan desanya.
    Urut batas waktu; lanjutkan dengan `cursor`."""
    cursor = args.get("cursor")
    if cursor and queries.parse_cursor(cursor) is None:
        message = _("Kursor tidak sah; mulai lagi dari halaman pertama.")
        raise ApiError(422, message, errors=[{"field": "cursor", "message": message}])
    f = queries.QueueFilters(program=args.get("program", ""), tab=args["tab"],
                             status=args.get("status", ""), village=args.get("village", ""),
                             due=args.get("due", ""))
    rows, nxt = queries.queue_page(caller().user, f, today_wib(), after=cursor,
                                   limit=args["limit"])
    audit_call("api", rincian=f"Antrean rujukan ({len(rows)})")
    return {"items": [referral_json(r) for r in rows],
            "next_cursor": f"{nxt[0].isoformat()}_{nxt[1]}" if nxt else None}


@bp.get("/referrals/<referral_ref>")
@bp.response(200, ReferralOut)
def read(referral_ref):
    """Satu rujukan, dengan versinya dan langkah yang boleh Anda ambil."""
    referral = _referral(referral_ref)
    audit_call("lihat_kasus", object_type="referral", object_id=referral.id,
               objek=f"Rujukan {referral.number}")
    return referral_json(referral)


@bp.post("/referrals/<referral_ref>/moves")
@bp.arguments(MoveIn)
@bp.response(200, MoveOut)
def move(data, referral_ref):
    """Satu langkah siklus rujukan (terima, proses, minta_info, jawab, salurkan,
    selesaikan, tolak, teruskan, batalkan...). `version` adalah versi yang Anda
    baca: bila rujukan telah berubah, jawabannya 409 dengan keadaannya sekarang."""
    referral = _referral(referral_ref)
    try:
        forwarded = services.move(caller().user, referral, data["action"],
                                  data.get("reason") or "", now=now_utc(),
                                  expected_version=data["version"],
                                  target_program=data.get("target_program") or None)
    except services.StaleReferral as e:
        raise ApiError(409, e.message, current=ReferralOut().dump(referral_json(referral))) \
            from None
    except DomainError as e:
        _refused(e)
    audit_call("ubah", object_type="referral", object_id=referral.id,
               objek=f"Rujukan {referral.number}",
               rincian=f"{MOVES[data['action']].label} melalui API")
    return {"referral": referral_json(referral),
            "forwarded_to": referral_json(forwarded) if forwarded is not None else None}
