"""Registry check without registering a complaint: by NIK, No KK or name."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from slrt.audit.services import audit
from slrt.common.forms import Form
from slrt.common.permissions import REGISTRY_ROLES, village_scope
from slrt.dtks import queries
from slrt.identity import InvalidKk, InvalidNik, normalise_digits, parse_kk, parse_nik

bp = Blueprint("dtks", __name__, url_prefix="/dtks")


@bp.before_request
def only_registry_roles():
    if current_user.role not in REGISTRY_ROLES:
        abort(403)


@bp.route("/cek", methods=["GET", "POST"])
def check():
    """Search by NIK or No KK (POST: identifiers never go into a URL)."""
    results, household, error, query = [], None, None, ""
    searched = False
    if request.method == "POST":
        form = Form()
        if not form.validate():
            abort(400)
        query = (request.form.get("q") or "").strip()[:40]
        digits = normalise_digits(query)
        searched = True
        if not query:
            error = _("Isi NIK atau nomor KK.")
        else:
            try:
                nik = parse_nik(digits)
            except InvalidNik as e_nik:
                try:
                    kk = parse_kk(digits)
                except InvalidKk:
                    error = str(e_nik)
                else:
                    household = _in_scope(queries.household(kk.no_kk))
            else:
                record = queries.find_by_nik(nik.nik)
                audit("lihat_orang", object_type="registry",
                      object_id=record.id if record else None,
                      detail={"nik": nik.masked, "ditemukan": record is not None}, commit=True)
                if record is not None:
                    household = _in_scope(queries.household(record.no_kk)) or [record]
                    results = [record]
                else:
                    # A No KK often has the shape of a valid NIK: try it as one too.
                    household = _in_scope(queries.household(nik.nik))
    from slrt.proposals.services import flags_of

    shown = household or results
    scope = village_scope(current_user)
    return render_template("dtks/check.html", results=results, household=household,
                           error=error, query=query, searched=searched,
                           latest_period=queries.latest_period(),
                           flags=flags_of([r.id for r in shown]),
                           actionable={r.id for r in shown
                                       if scope is None or r.village_code in scope})


def _in_scope(records):
    scope = village_scope(current_user)
    if scope is None:
        return records
    return [r for r in records if r.village_code in scope]
