"""Registry proposals (usulan DTKS): list and read, in the caller's villages.
slrt.proposals.services.scoped is the scope the pages use too."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select

from slrt.api.core import ApiError, audit_call, blueprint, caller, parse_public_id, public_id, text
from slrt.api.schemas import RecordOut
from slrt.audit.hooks import person_of
from slrt.common.permissions import can
from slrt.extensions import db
from slrt.identity import mask_nik
from slrt.platform.query import where_given
from slrt.proposals import services
from slrt.proposals.models import KINDS, STATUSES, Proposal

bp = blueprint("api_proposals", "/proposals", "Usulan DTKS: daftar dan baca")


class ListArgs(ma.Schema):
    village = text(13)
    status = ma.fields.String(validate=ma.validate.OneOf(list(STATUSES)))
    kind = ma.fields.String(validate=ma.validate.OneOf(list(KINDS)))
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
    cursor = text(100, metadata={"description": "`next_cursor` dari halaman sebelumnya"})


class MusdesOut(ma.Schema):
    held_on = ma.fields.Date(required=True)
    place = ma.fields.String(required=True)
    minutes_number = ma.fields.String(required=True)


class ProposalOut(RecordOut):
    kind = ma.fields.String(required=True)
    kind_label = ma.fields.String(required=True)
    reason_code = ma.fields.String(required=True)
    period = ma.fields.String(required=True)
    source = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    nik_masked = ma.fields.String(required=True)
    note = ma.fields.String(required=True)
    decision_reason = ma.fields.String(required=True)
    case_id = ma.fields.String(allow_none=True)
    musdes = ma.fields.Nested(MusdesOut, allow_none=True)
    sent_at = ma.fields.DateTime(allow_none=True)


class ProposalPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ProposalOut), required=True)
    next_cursor = ma.fields.String(allow_none=True)


def proposal_json(p: Proposal) -> dict:
    m = p.musdes
    return {"id": public_id("proposal", p.id), "number": p.number, "kind": p.kind,
            "kind_label": p.kind_label, "reason_code": p.reason_code or "",
            "village_code": p.village_code, "period": p.period, "status": p.status,
            "status_label": p.status_label, "source": p.source, "name": p.name,
            "nik_masked": mask_nik(p.nik) if p.nik else "", "note": p.note or "",
            "decision_reason": p.decision_reason or "",
            "case_id": public_id("case", p.case_id) if p.case_id else None,
            "musdes": {"held_on": m.held_on, "place": m.place,
                       "minutes_number": m.minutes_number} if m is not None else None,
            "created_at": p.created_at, "updated_at": p.updated_at, "sent_at": p.sent_at,
            "version": p.version}


def _need_view(user) -> None:
    if not can(user, "proposal.view"):
        raise ApiError(403)


@bp.get("")
@bp.arguments(ListArgs, location="query")
@bp.response(200, ProposalPage)
def list_(args):
    """Usulan di desa-desa Anda, terbaru dulu; lanjutkan dengan `cursor`."""
    user = caller().user
    _need_view(user)
    stmt = where_given(services.scoped(user, select(Proposal)),
                       (Proposal.village_code, args.get("village")),
                       (Proposal.status, args.get("status")), (Proposal.kind, args.get("kind")))
    if args.get("cursor"):
        stmt = stmt.where(Proposal.id < _cursor_id(args["cursor"]))
    rows = list(db.session.scalars(stmt.order_by(Proposal.id.desc()).limit(args["limit"] + 1)))
    more = len(rows) > args["limit"]
    rows = rows[:args["limit"]]
    audit_call("api", rincian=f"Daftar usulan ({len(rows)})")
    return {"items": [proposal_json(p) for p in rows],
            "next_cursor": public_id("proposal-cursor", rows[-1].id) if more else None}


def _cursor_id(cursor: str) -> int:
    try:
        return parse_public_id("proposal-cursor", cursor)
    except ApiError:
        from flask_babel import gettext as _

        message = _("Kursor tidak sah; mulai lagi dari halaman pertama.")
        raise ApiError(422, message, errors=[{"field": "cursor", "message": message}]) from None


@bp.get("/<proposal_ref>")
@bp.response(200, ProposalOut)
def read(proposal_ref):
    """Satu usulan: jenis, status, Musdes yang memutuskannya, hasil Kemensos."""
    user = caller().user
    number = parse_public_id("proposal", proposal_ref)
    p = db.session.scalar(services.scoped(user, select(Proposal).where(Proposal.id == number)))
    if p is None or not can(user, "proposal.view"):
        raise ApiError(404)
    audit_call("lihat_usulan", object_type="proposal", object_id=p.id,
               person_id=person_of("proposal", p.id),
               objek=f"Usulan {p.number}", rincian="Dibaca melalui API",
               **({"nik": mask_nik(p.nik)} if p.nik else {}))
    return proposal_json(p)
