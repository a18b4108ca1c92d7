"""The supervisor's audit log page and the UU PDP Art. 32 request for a NIK."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import or_, select

from slrt.audit.models import AuditEntry
from slrt.audit.services import ACTIONS, audit
from slrt.auth.models import User
from slrt.common.permissions import roles_required
from slrt.common.time import WIB
from slrt.extensions import db
from slrt.identity import InvalidNik, normalise_digits, parse_nik

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.before_request
@roles_required("supervisor")
def only_supervisors():
    return None


def _day(value: str) -> date | None:
    try:
        d = date.fromisoformat(value)
    except ValueError:
        return None
    return d if 2000 <= d.year <= 2100 else None


@bp.get("")
def index():
    args = request.args
    stmt = select(AuditEntry)
    username = args.get("pengguna", "").strip().lower()[:64]
    action = args.get("aksi", "")
    start, end = _day(args.get("dari", "")), _day(args.get("sampai", ""))
    if username:
        stmt = stmt.where(AuditEntry.actor_name == username)
    if action in ACTIONS:
        stmt = stmt.where(AuditEntry.action == action)
    if start:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(start, time.min, tzinfo=WIB))
    if end:
        stmt = stmt.where(AuditEntry.at < datetime.combine(end + timedelta(days=1), time.min,
                                                           tzinfo=WIB))
    rows = list(db.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(200)))
    return render_template("audit/index.html", rows=rows, actions=ACTIONS, args=args)


@bp.route("/pdp", methods=["GET", "POST"])
def pdp():
    """One step: a person's data and everyone who viewed or changed it."""
    from slrt.cases.models import Case, Person
    from slrt.dtks.models import RegistryRecord

    error, result = None, None
    if request.method == "POST":
        try:
            nik = parse_nik(normalise_digits(request.form.get("nik", "")[:40])).nik
        except InvalidNik as e:
            error = str(e)
        else:
            person = db.session.scalar(select(Person).where(Person.nik == nik))
            records = list(db.session.scalars(select(RegistryRecord)
                                              .where(RegistryRecord.nik == nik)))
            cases = list(db.session.scalars(select(Case).where(
                Case.beneficiary_id == person.id).order_by(Case.id))) if person else []
            conditions = []
            if person:
                conditions.append(AuditEntry.person_id == person.id)
            if records:
                conditions.append((AuditEntry.object_type == "registry")
                                  & AuditEntry.object_id.in_([r.id for r in records]))
            entries = list(db.session.scalars(select(AuditEntry).where(or_(*conditions))
                                              .order_by(AuditEntry.at))) if conditions else []
            users = {u.id: u for u in db.session.scalars(select(User).where(
                User.id.in_({e.actor_id for e in entries if e.actor_id})))}
            result = dict(nik=nik, person=person, records=records, cases=cases,
                          entries=entries, users=users)
            audit("laporan_pdp", object_type="person", object_id=person.id if person else None,
                  person_id=person.id if person else None,
                  detail={"nik": f"{nik[:6]}******{nik[-4:]}", "baris": len(entries)},
                  commit=True)
    return render_template("audit/pdp.html", error=error, result=result, actions=ACTIONS)
