"""Registry checks (DTKS/DTSEN): by NIK or No KK in the body, never in a URL.
The same dated evidence the desk gets (slrt.dtks.queries.check_identifier)."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext as _

from slrt.api.core import ApiError, audit_call, blueprint, caller, text
from slrt.common.time import now_utc
from slrt.dtks import queries
from slrt.identity import mask_nik, normalise_digits

bp = blueprint("api_registry", "/registry", "Pemeriksaan DTKS/DTSEN per NIK atau No KK")


class CheckIn(ma.Schema):
    nik = text(40, metadata={"description": "NIK 16 digit", "example": "1504031406750101"})
    no_kk = text(40, metadata={"description": "Nomor KK 16 digit"})


class HouseholdIn(ma.Schema):
    no_kk = text(40, required=True, metadata={"description": "Nomor KK 16 digit"})


class MemberOut(ma.Schema):
    name = ma.fields.String(required=True)
    nik_masked = ma.fields.String(required=True)
    relationship = ma.fields.String(allow_none=True)
    birth_date = ma.fields.Date(allow_none=True)
    sex = ma.fields.String(allow_none=True)
    village_code = ma.fields.String(allow_none=True)
    programs = ma.fields.Raw(allow_none=True)
    decile = ma.fields.Raw(allow_none=True)
    active = ma.fields.Boolean(required=True)
    source = ma.fields.String(required=True)
    period = ma.fields.String(required=True)


class RegistryCheckOut(ma.Schema):
    checked_at = ma.fields.DateTime(required=True)
    query_type = ma.fields.String(required=True, metadata={"description": "nik | no_kk"})
    found = ma.fields.Boolean(required=True)
    latest_period = ma.fields.String(allow_none=True,
                                     metadata={"description": "Periode data terbaru"})
    record = ma.fields.Dict(allow_none=True, metadata={
        "description": "Bukti DTKS untuk NIK itu, seperti yang disimpan pada kasus"})
    household = ma.fields.List(ma.fields.Nested(MemberOut), required=True)


def _member(r) -> dict:
    return {"name": r.name, "nik_masked": mask_nik(r.nik), "relationship":
            r.relationship_to_head, "birth_date": r.birth_date, "sex": r.sex,
            "village_code": r.village_code, "programs": r.programs, "decile": r.decile,
            "active": bool(r.is_active), "source": r.source, "period": r.period}


def _evidence(record) -> dict:
    """The evidence a case keeps, with the NIK masked as the desk's page shows it."""
    evidence = record.evidence()
    evidence["nik"] = mask_nik(evidence["nik"])
    return evidence


def _check(digits: str, field_name: str) -> dict:
    user = caller().user
    found = queries.check_identifier(user, digits)
    if found.error:
        raise ApiError(422, found.error, errors=[{"field": field_name, "message": found.error}])
    if field_name == "no_kk" and found.kind == "nik" and found.record is not None:
        found.record, found.household = None, queries.in_scope(user, queries.household(digits))
    record = found.record
    audit_call("lihat_orang", object_type="registry", object_id=record.id if record else None,
               nik=found.nik_masked or None, ditemukan=bool(record or found.household))
    return {"checked_at": now_utc(), "query_type": field_name,
            "found": bool(record or found.household),
            "latest_period": queries.latest_period(),
            "record": _evidence(record) if record else None,
            "household": [_member(r) for r in found.household]}


@bp.post("/check")
@bp.arguments(CheckIn)
@bp.response(200, RegistryCheckOut)
def check(data):
    """Periksa satu NIK (catatan terkininya dan keluarganya di wilayah Anda) atau satu
    No KK. Kirim tepat satu dari `nik` atau `no_kk`."""
    nik, kk = (data.get("nik") or "").strip(), (data.get("no_kk") or "").strip()
    if bool(nik) == bool(kk):
        message = _("Isi tepat satu: NIK atau nomor KK.")
        raise ApiError(422, message, errors=[{"field": "nik", "message": message}])
    return _check(normalise_digits(nik or kk), "nik" if nik else "no_kk")


@bp.post("/household")
@bp.arguments(HouseholdIn)
@bp.response(200, RegistryCheckOut)
def household(data):
    """Anggota keluarga aktif satu No KK, di desa-desa wilayah Anda."""
    digits = normalise_digits(data["no_kk"].strip())
    if not digits:
        message = _("Isi nomor KK.")
        raise ApiError(422, message, errors=[{"field": "no_kk", "message": message}])
    return _check(digits, "no_kk")
