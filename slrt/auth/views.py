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
    return render_template("auth/login.html", form=form), (422 if form.errors else 200)


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
    from slrt.auth.services import check_password_policy
    from slrt.common.errors import DomainError

    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("Kata sandi sekarang salah."))
        elif form.new.data != form.repeat.data:
            form.repeat.errors.append(_("Kedua kata sandi baru tidak sama."))
        elif form.new.data == form.current.data:
            form.new.errors.append(_("Kata sandi baru harus berbeda dari yang sekarang."))
        else:
            try:
                check_password_policy(form.new.data)
            except DomainError as e:
                form.new.errors.append(e.message)
            else:
                user = current_user._get_current_object()
                user.set_password(form.new.data)  # ends every other session
                user.must_change_password = False
                audit("ubah", object_type="user", object_id=user.id,
                      detail={"aksi": "ganti kata sandi"})
                session["sv"] = user.session_version  # this session stays signed in
                flash(_("Kata sandi diganti."), "success")
                return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form), (422 if form.errors else 200)
