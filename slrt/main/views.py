from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from slrt.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if current_user.role in ("operator", "fasilitator", "supervisor"):
        from slrt.cases.queries import desk_summary

        return render_template("main/index.html", summary=desk_summary(current_user))
    if current_user.role == "admin":
        return redirect(url_for("admin.users"))
    return render_template("main/index.html", summary=None)


@bp.get("/sehat")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
