"""The supervisor's audit log page and the UU PDP Art. 32 request for a NIK."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from slrt.audit.labels import readable
from slrt.audit.models import AuditEntry
from slrt.audit.services import ACTIONS, audit
from slrt.auth.models import User
from slrt.common.permissions import permission_required, regency_scope
from slrt.common.time import WIB
from slrt.extensions import db
from slrt.identity import InvalidNik, mask_nik, normalise_digits, parse_nik
from slrt.platform.query import where_given

bp = Blueprint("audit", __name__, url_prefix="/audit")




def _day(value: str) -> date | None:
    try:
        d = date.fromisoformat(value)
    except ValueError:
        return None
    return d if 2000 <= d.year <= 2100 else None


@bp.get("")
@permission_required("audit.read")
def index():
    args = request.args
    stmt = select(AuditEntry)
    username = args.get("pengguna", "").strip().lower()[:64]
    action = args.get("aksi", "")
    start, end = _day(args.get("dari", "")), _day(args.get("sampai", ""))
    stmt = where_given(stmt, (AuditEntry.actor_name, username),
                       (AuditEntry.action, action if action in ACTIONS else ""))
    if start:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(start, time.min, tzinfo=WIB))
    if end:
        stmt = stmt.where(AuditEntry.at < datetime.combine(end + timedelta(days=1), time.min,
                                                           tzinfo=WIB))
    # the entries of the accounts of the supervisor's regency
    stmt = stmt.where(AuditEntry.actor_id.in_(select(User.id).where(
        User.regency_code.in_(regency_scope(current_user)))))
    rows = list(db.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(200)))
    return render_template("audit/index.html", rows=readable(rows), actions=ACTIONS, args=args)


@bp.route("/pdp", methods=["GET", "POST"])
@permission_required("pdp.report")
def pdp():
    """One step: a person's data and everyone who viewed or changed it."""
    from slrt.audit.pdp import report_for

    error, result = None, None
    if request.method == "POST":
        try:
            nik = parse_nik(normalise_digits(request.form.get("nik", "")[:40])).nik
        except InvalidNik as e:
            error = str(e)
        else:
            result = report_for(nik, regency_scope(current_user))
            person = result.person
            audit("laporan_pdp", object_type="person" if person else "",
                  object_id=person.id if person else None,
                  person_id=person.id if person else None,
                  detail={"rincian": "Laporan data pribadi untuk warga" if result.found
                          else "Laporan data pribadi: tidak ada data tersimpan",
                          "nik": mask_nik(nik), "baris": len(result.entries)})
    return render_template("audit/pdp.html", error=error, result=result,
                           audit_rows=readable(result.entries) if result else []), \
        (422 if error else 200)  # a NIK refused is told beside its field, as typed
