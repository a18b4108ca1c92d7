from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import text

from slrt.common.permissions import can, permission_required
from slrt.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
@permission_required("dashboard.view", refused="admin.users")  # the admin's home: the users
def index():
    from slrt.referrals import queries as referral_queries
    from slrt.reports.charts import charts_for
    from slrt.reports.queries.dashboard import dashboard

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
