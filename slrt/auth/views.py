from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from slrt.audit.services import audit
from slrt.auth.forms import LoginForm
from slrt.auth.services import authenticate, login_wait_seconds, record_login_failure
from slrt.auth.setup import start_session
from slrt.common.forms import Form
from slrt.common.permissions import permission_required
from slrt.common.templating import form_page
from slrt.common.time import now_utc
from slrt.platform.unit_of_work import remember_refusal

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//"):
            return target
    return url_for("main.index")


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        now = now_utc()
        address = request.remote_addr or "-"
        wait = login_wait_seconds(form.username.data, address, now)
        if wait > 0:
            form.password.errors.append(_(
                "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(n)s detik.",
                n=wait))
            return render_template("auth/login.html", form=form), 429
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            session.clear()  # a new session at login
            login_user(user)
            start_session(user)
            audit("login", user=user)
            return redirect(_safe_next(request.args.get("next")))
        record_login_failure(form.username.data, address, now)
        audit("login_gagal", outcome="gagal",
              detail={"username": form.username.data.strip().lower()[:64]})
        remember_refusal()  # the throttle counts it although the answer is 422
        form.password.errors.append(_("Nama pengguna atau kata sandi salah."))
    return form_page("auth/login.html", form)


@bp.post("/keluar")
def logout():
    form = Form()
    if form.validate():
        current_user.end_sessions()  # a copied cookie is refused from now on
        audit("logout")
        logout_user()
        session.clear()
        flash(_("Anda telah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@permission_required("account.password")
def change_password():
    from slrt.auth.forms import ChangePasswordForm
    from slrt.auth.services import change_own_password
    from slrt.common.errors import DomainError

    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_own_password(user, current=form.current.data, new=form.new.data,
                                repeat=form.repeat.data)
        except DomainError as e:
            getattr(form, e.field).errors.append(e.message)
        else:
            audit("ubah", object_type="user", object_id=user.id,
                  detail={"aksi": "ganti kata sandi"})
            session["sv"] = user.session_version  # this session stays signed in
            flash(_("Kata sandi diganti."), "success")
            return redirect(url_for("main.index"))
    return form_page("auth/change_password.html", form)
