from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, text
from sqlalchemy.orm import joinedload

from slrt.audit.services import audit
from slrt.common.permissions import can, permission_required
from slrt.extensions import db
from slrt.identity import mask_nik, normalise_digits

bp = Blueprint("main", __name__)


@bp.get("/")
@permission_required("dashboard.view", refused="admin.users")  # the admin's home: the users
def index():
    from slrt.referrals import queries as referral_queries
    from slrt.reports.charts import charts_for
    from slrt.reports.queries.dashboard import dashboard

    if can(current_user, "report.regencies"):
        from slrt.reports.views import regencies  # the province's home: its regencies

        return regencies()
    dash = dashboard(current_user)
    extra = {"dash": dash, "dash_charts": charts_for(dash.report),
             "stale_registry": _stale_registry()}
    if can(current_user, "case.view"):
        from slrt.cases.queries import desk_summary

        return render_template("main/index.html", summary=desk_summary(current_user),
                               needs_reply=referral_queries.needs_reply(current_user), **extra)
    from slrt.common.time import today_wib

    today = today_wib()
    f = referral_queries.QueueFilters()
    counts = referral_queries.tab_counts(current_user, f, today)
    overdue = referral_queries.tab_counts(
        current_user, referral_queries.QueueFilters(due="lewat"), today)["semua"]
    return render_template("main/index.html", summary=None, counts=counts, overdue=overdue,
                           **extra)


def _stale_registry() -> str | None:
    """The registry period in use when it is old, for the one who can load a
    newer one: the warning is said once, on his dashboard, not on every card."""
    if not can(current_user, "registry.import"):
        return None
    from slrt.common.time import period_is_stale
    from slrt.dtks.queries import latest_period

    period = latest_period()
    return period if period_is_stale(period) else None


@bp.get("/sehat")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


SEARCH_LIMIT = 50


@bp.route("/cari", methods=["GET", "POST"])
@permission_required("search.use")
def search():
    """The header's search box: a case number, NIK, No KK or name, within the
    user's scope. The desk finds its cases, a handler his programs' referrals.
    The box posts, so a NIK never stands in a URL; a GET with ?q= works too."""
    from slrt.cases.queries import CaseFilters, list_cases, query_kind
    from slrt.common.forms import Form
    from slrt.dtks.names import name_words

    if request.method == "POST":
        if not Form().validate():
            abort(400)
        q = request.form.get("q", "")
    else:
        q = request.args.get("q", "")
    q = " ".join(q.split())[:120]
    kind = query_kind(q)
    error, cases, referrals = None, None, None
    digits = normalise_digits(q)
    if not q:
        error = _("Tulis nomor kasus, NIK, No KK atau nama yang dicari.")
    elif kind == "nama" and digits.isascii() and digits.isdigit():
        error = _("NIK dan No KK terdiri dari 16 angka; yang ditulis %(n)d angka.", n=len(digits))
    elif kind == "nama" and len("".join(name_words(q))) < 2:
        error = _("Nama terlalu pendek: tulis paling sedikit 2 huruf.")
    elif can(current_user, "case.view"):
        cases, _next = list_cases(current_user, CaseFilters(q=q), limit=SEARCH_LIMIT)
    else:
        referrals = _referrals_matching(q)
    if kind == "nik" and not error:
        # Who looked for whom: a NIK typed into the box is logged like the
        # registry's name search ("cari_nama"): masked, with its hit count.
        found = cases if cases is not None else referrals
        audit("cari_nik", object_type="case", detail={
            "nik": mask_nik(digits), "hasil": len(found or [])})
    return render_template("main/search.html", q=q, kind=kind, error=error, cases=cases,
                           referrals=referrals, limit=SEARCH_LIMIT), (422 if error and q else 200)


def _referrals_matching(q: str):
    """A handler's search: the referrals of his programs whose case matches."""
    from slrt.cases.models import Case
    from slrt.cases.queries import match_query
    from slrt.referrals.models import Referral
    from slrt.referrals.queries import visible

    stmt = visible(current_user, select(Referral).join(Referral.case)).options(
        joinedload(Referral.case).joinedload(Case.beneficiary), joinedload(Referral.program),
        joinedload(Referral.village))
    stmt, _kind = match_query(stmt, q)
    return list(db.session.scalars(stmt.order_by(Referral.id.desc()).limit(SEARCH_LIMIT)).unique())


@bp.get("/bantuan")
@permission_required("help.read")
def help_page():
    """How the user's role works in the app, step by step."""
    return render_template("main/help.html", role=current_user.role)
