"""Admin pages: users, their roles and their villages or programs; the letterhead."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from slrt.admin import letterhead
from slrt.admin.forms import LetterheadForm
from slrt.auth import services
from slrt.auth.forms import UserForm
from slrt.auth.models import User
from slrt.common import regional
from slrt.common.downloads import send_stored
from slrt.common.errors import DomainError
from slrt.common.forms import fill
from slrt.common.permissions import (
    PROVINCE,
    ROLE_SCOPES,
    in_regency_scope,
    permission_required,
)
from slrt.common.templating import form_page
from slrt.extensions import db
from slrt.referrals.catalog import EDITABLE, update_program
from slrt.referrals.models import Program
from slrt.regions.queries import villages_of

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _form(**kwargs) -> UserForm:
    form = UserForm(**kwargs)
    # the province supervisor reaches every regency: made from the command line only
    form.role.choices = [(r, label) for r, label in form.role.choices
                         if ROLE_SCOPES.get(r) != PROVINCE]
    form.villages.choices = [(v.code, f"{v.name} ({v.code})")
                             for v in villages_of(current_user.regency_code)]
    form.programs.choices = [(p.code, p.name) for p in db.session.scalars(
        select(Program).where(Program.regency_code == current_user.regency_code)
        .order_by(Program.sort_order))]
    return form


@bp.get("/pengguna")
@permission_required("admin.users")
def users():
    rows = db.session.scalars(select(User).where(User.regency_code == current_user.regency_code)
                              .options(selectinload(User.villages), selectinload(User.programs))
                              .order_by(User.role, User.username))
    return render_template("admin/users.html", users=list(rows))


def _account(form) -> dict:
    """What the account form says, as the account services take it."""
    return {"role": form.role.data, "villages": form.villages.data or [],
            "programs": form.programs.data or [], "full_name": form.full_name.data or "",
            "email": form.email.data, "phone": form.phone.data, "actor": current_user}


def _of_my_regency(model, key):
    """An account or a program of the admin's regency; another regency's answers
    404, as one that does not exist (the services refuse it too)."""
    found = db.get_or_404(model, key)
    if not in_regency_scope(current_user, found):
        abort(404)
    return found


def _saved(form, call):
    """What the account service answers, or None when it refused: its message
    then stands next to its field (the user name's when it names none) and
    nothing of the change is kept."""
    try:
        return call()
    except DomainError as e:
        db.session.rollback()
        field = getattr(form, e.field, None) if e.field else None
        (field.errors if field is not None else form.username.errors).append(e.message)
        return None


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@permission_required("admin.users")
def create_user():
    form = _form()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Kata sandi wajib diisi untuk pengguna baru."))
        else:
            user = _saved(form, lambda: services.create_user(
                form.username.data, password=form.password.data,
                kabupaten=current_user.regency_code, temporary=True,  # the admin knows it
                **_account(form)))
            if user is not None:
                flash(_("Pengguna %(name)s dibuat.", name=user.username), "success")
                return redirect(url_for("admin.users"))
    return form_page("admin/user_form.html", form, user=None)


@bp.route("/pengguna/<id:user_id>", methods=["GET", "POST"])
@permission_required("admin.users")
def edit_user(user_id: int):
    user = _of_my_regency(User, user_id)
    form = _form(obj=None)
    if not form.is_submitted():
        fill(form, user, "username", "full_name", "role", "email", "phone", "is_active")
        form.villages.data = user.village_codes
        form.programs.data = user.program_codes
    elif form.validate() and _saved(form, lambda: services.update_user(
            user, is_active=bool(form.is_active.data), password=form.password.data or None,
            **_account(form))) is not None:
        flash(_("Pengguna %(name)s diperbarui.", name=user.username), "success")
        return redirect(url_for("admin.users"))
    return form_page("admin/user_form.html", form, user=user)


@bp.get("/program")
@permission_required("admin.programs")
def programs():
    rows = db.session.scalars(select(Program).where(
        Program.regency_code == current_user.regency_code).order_by(Program.sort_order, Program.code))
    return render_template("admin/programs.html", programs=list(rows))


@bp.route("/program/<code>", methods=["GET", "POST"])
@permission_required("admin.programs")
def edit_program(code: str):
    """The program catalog is data: names, units, rules and service times change here."""
    from slrt.auth.forms import ProgramForm
    from slrt.cases.models import Category

    program = _of_my_regency(Program, code)
    form = ProgramForm()
    form.categories.choices = [(c.code, c.name) for c in db.session.scalars(
        select(Category).order_by(Category.sort_order))]
    form.exclusive_with.choices = [(p.code, p.name) for p in db.session.scalars(
        select(Program).where(Program.code != code,
                              Program.regency_code == program.regency_code)
        .order_by(Program.sort_order))]
    if not form.is_submitted():
        for attr in ("name", "unit", "registry_requirement", "service_days", "eligibility_hint",
                     "categories", "exclusive_with", "min_age", "max_decile", "is_active"):
            getattr(form, attr).data = getattr(program, attr)
        form.documents.data = "\n".join(program.documents or [])
    elif form.validate():
        update_program(current_user, program, categories=form.categories.data or [],
                       exclusive_with=form.exclusive_with.data or [],
                       documents=(form.documents.data or "").splitlines(),
                       **{attr: getattr(form, attr).data for attr in EDITABLE})
        flash(_("Program %(name)s diperbarui.", name=program.name), "success")
        return redirect(url_for("admin.programs"))
    return form_page("admin/program_form.html", form, program=program)


@bp.route("/kop-surat", methods=["GET", "POST"])
@permission_required("settings.letterhead")
def letterhead_settings():
    """The letterhead printed on the receipt, the referral letter and the
    handover record."""
    form = LetterheadForm()
    regency = current_user.regency_code
    saved = letterhead.form_values(regency)
    if not form.is_submitted():
        form.name.data, form.address.data, form.phone.data = (
            saved["name"], saved["address"], saved["phone"])
        form.case_prefix.data = regional.case_prefix(regency)
    elif form.validate():
        upload = form.logo.data
        data = upload.read() if upload and getattr(upload, "filename", "") else None
        try:
            letterhead.save(current_user, name=form.name.data or "",
                            address=form.address.data or "", phone=form.phone.data or "",
                            logo=data, remove_logo=bool(form.remove_logo.data))
            regional.save_case_prefix(current_user, form.case_prefix.data or "")
        except DomainError as e:
            db.session.rollback()
            field = getattr(form, e.field, None) if e.field else None
            (form.name if field is None else field).errors.append(e.message)
        else:
            flash(_("Kop surat disimpan."), "success")
            return redirect(url_for("admin.letterhead_settings"))
    return form_page("admin/letterhead.html", form, letterhead=letterhead.current(regency),
                           has_logo=bool(saved["logo_key"]))


@bp.get("/kop-surat/logo")
@permission_required("letterhead.view")
def letterhead_logo():
    """The logo on the printed pages: every signed-in user prints them."""
    return send_stored(letterhead.logo_key(current_user, request.args.get("k") or None),
                       name="logo-kop-surat.jpg", mimetype="image/jpeg", max_age=3600)
