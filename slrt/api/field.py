"""The field app's snapshot of *Desa saya*: in one call, what the facilitator's
phone keeps for a day without signal (docs/field-app.md): the follow-up list,
a short summary of each case it names, and the choices of the offline forms
(villages, complaint categories, visit outcomes). Only the caller's villages,
and only what the visit and the outreach complaint need: no full NIK, no
registry record, no note of the case."""

from __future__ import annotations

import marshmallow as ma

from slrt.api.core import audit_call, blueprint, caller, public_id
from slrt.api.outreach import FollowUpsOut, follow_up_lists
from slrt.cases.catalog import categories
from slrt.common.permissions import require
from slrt.outreach import services
from slrt.outreach.models import VISIT_OUTCOMES
from slrt.regions.queries import villages_in

bp = blueprint("api_field", "/outreach", "Penjangkauan: data lapangan untuk aplikasi luring")

# The last visits a case summary shows: enough to know who came and what was found.
LAST_VISITS = 3


class Choice(ma.Schema):
    code = ma.fields.String(required=True)
    label = ma.fields.String(required=True)


class ReferralLine(ma.Schema):
    number = ma.fields.String(required=True)
    program_name = ma.fields.String(required=True)
    status_label = ma.fields.String(required=True)
    due_date = ma.fields.Date(allow_none=True)


class VisitLine(ma.Schema):
    visited_at = ma.fields.DateTime(required=True)
    outcome_label = ma.fields.String(required=True)


class CaseSummary(ma.Schema):
    id = ma.fields.String(required=True)
    number = ma.fields.String(required=True)
    status_label = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)
    referrals = ma.fields.List(ma.fields.Nested(ReferralLine), required=True)
    visits = ma.fields.List(ma.fields.Nested(VisitLine), required=True)


class SnapshotOut(FollowUpsOut):
    cases = ma.fields.List(ma.fields.Nested(CaseSummary), required=True)
    villages = ma.fields.List(ma.fields.Nested(Choice), required=True)
    categories = ma.fields.List(ma.fields.Nested(Choice), required=True)
    outcomes = ma.fields.List(ma.fields.Nested(Choice), required=True)


def _summary(case, visits: list) -> dict:
    names = categories()
    return {"id": public_id("case", case.id), "number": case.number,
            "status_label": str(case.status_label),
            "category": names[case.category_code].name if case.category_code in names
            else case.category_code,
            "description": case.description, "created_at": case.created_at,
            "referrals": [{"number": r.number, "program_name": r.program.name,
                           "status_label": str(r.status_label), "due_date": r.due_date}
                          for r in case.referrals],
            "visits": [{"visited_at": v.visited_at, "outcome_label": str(v.outcome_label)}
                       for v in visits]}


def _summaries(case_ids) -> list[dict]:
    """The summaries of the cases, in id order, in a fixed number of statements
    however many cases the facilitator follows (a sync over a weak signal)."""
    last = services.last_visits(case_ids, LAST_VISITS)
    return [_summary(c, last.get(c.id, [])) for c in services.cases_with_referrals(case_ids)]


@bp.get("/snapshot")
@bp.response(200, SnapshotOut)
def snapshot():
    """Data *Desa saya* untuk aplikasi lapangan luring: daftar tindak lanjut,
    ringkasan kasus setiap tugas dan rujukan yang menunggu, serta pilihan formulir
    (desa Anda, kategori pengaduan, hasil kunjungan)."""
    user = caller().user
    require(user, "outreach.visit")
    cases: dict = {}
    body = follow_up_lists(user, cases)
    body["cases"] = _summaries(sorted(cases))
    body["villages"] = [{"code": v.code, "label": v.name}
                        for v in villages_in(user.village_codes)]
    body["categories"] = [{"code": c.code, "label": c.name}
                          for c in categories().values() if c.is_active]
    body["outcomes"] = [{"code": k, "label": str(v)} for k, v in VISIT_OUTCOMES.items()]
    audit_call("api", rincian=f"Data lapangan Desa saya ({len(body['tasks'])} tugas, "
                              f"{len(body['cases'])} kasus)")
    return body
