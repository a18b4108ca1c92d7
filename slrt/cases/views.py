"""Front desk pages: register a complaint, the case list, the case page, the receipt."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from slrt.admin import letterhead
from slrt.audit.services import audit
from slrt.cases import attachments, queries, services
from slrt.cases.catalog import categories
from slrt.cases.forms import (
    AttachmentForm,
    CaseForm,
    CaseSearchForm,
    CloseForm,
    LookupForm,
    NoteForm,
)
from slrt.cases.models import OPEN_CASE_STATUSES, Case, Person
from slrt.cases.workflow import can_close_at_desk
from slrt.common.downloads import send_stored
from slrt.common.errors import DomainError
from slrt.common.forms import fill
from slrt.common.permissions import (
    can_see_village,
    permission_required,
    regency_of,
    scope_villages,
    village_scope,
)
from slrt.common.routing_ids import parse_id, parse_version
from slrt.common.time import now_utc
from slrt.dtks import queries as registry
from slrt.extensions import db
from slrt.identity import mask_nik
from slrt.platform.db import locks_late
from slrt.proposals import services as proposal_services
from slrt.status_page import services as status_services

bp = Blueprint("cases", __name__, url_prefix="/kasus")


@bp.before_request
@permission_required("case.view")
def only_case_roles():
    pass


def _village_choices():
    return [(v.code, v.name) for v in scope_villages(current_user)]


def _category_choices():
    groups: dict[str, list] = {"layanan": [], "ppks": []}
    for c in categories().values():
        if c.is_active:
            groups.setdefault(c.group, []).append((c.code, c.name))
    return [("", _("- pilih kategori -"))] + groups["layanan"] + groups["ppks"]


def _case_form(**kwargs) -> CaseForm:
    form = CaseForm(**kwargs)
    form.village_code.choices = _village_choices()
    form.category_code.choices = _category_choices()
    return form


def _lookup_form(**kwargs) -> LookupForm:
    form = LookupForm(**kwargs)
    form.village_code.choices = _village_choices()
    return form


def _record_in_scope(record_id: str | None):
    """A registry record chosen from a name search must be of the user's villages."""
    record_id = parse_id(record_id)
    if record_id is None:
        return None
    record = registry.get_record(record_id)
    if record is None:
        return None
    scope = village_scope(current_user)
    if scope is not None and record.village_code not in scope:
        abort(404)
    return record


def _prefill_from_record(form: CaseForm, record) -> None:
    fill(form, record, "nik", "no_kk", "name", "birth_place", "birth_date", "sex", "address",
         "dusun", "rt", "rw")
    form.household_size.data = registry.household_size(record.no_kk) or None
    village_codes = {c for c, _n in form.village_code.choices}
    if record.village_code in village_codes:
        form.village_code.data = record.village_code


def _person_in_scope(person: Person | None) -> Person | None:
    """A stored profile is shown only to the desks of the person's village."""
    if person is None or not can_see_village(current_user, person.village_code):
        return None
    return person


def _prefill_from_person(form: CaseForm, person: Person) -> None:
    for attr in ("nik", "no_kk", "name", "birth_place", "birth_date", "sex", "address", "dusun",
                 "rt", "rw", "phone", "household_size", "children_count", "elderly_count",
                 "disabled_count"):
        value = getattr(person, attr)
        if value not in (None, "") and not getattr(form, attr).data:
            getattr(form, attr).data = value


def _open_cases_of(person: Person | None) -> list[Case]:
    if person is None:
        return []
    return list(db.session.scalars(queries.scoped(current_user).where(
        Case.beneficiary_id == person.id, Case.status.in_(OPEN_CASE_STATUSES))
        .order_by(Case.id.desc())))


def _render_register(form: CaseForm, *, record=None, nik_info=None, person=None,
                     duplicate=None, status=200):
    return render_template(
        "cases/register.html", form=form, record=record, nik_info=nik_info, person=person,
        open_cases=_open_cases_of(person), duplicate=duplicate,
        latest_period=registry.latest_period(), registry_checked=True,
        record_flags=proposal_services.flags_of([record.id]).get(record.id, []) if record else [],
    ), status


@bp.route("/baru", methods=["GET", "POST"])
@locks_late  # the form is read and checked while other desks write; the service locks
@permission_required("case.register")
def register():
    step = request.form.get("step", "") if request.method == "POST" else ""

    if step == "cari":
        lookup = _lookup_form()
        if not lookup.validate():
            return render_template("cases/lookup.html", lookup=lookup), 422
        if lookup.nik.data:
            nik = lookup.nik.data
            record = registry.find_by_nik(nik)
            audit("lihat_orang", object_type="registry", object_id=record.id if record else None,
                  detail={"nik": lookup.nik.parsed.masked, "ditemukan": record is not None})
            person = _person_in_scope(db.session.scalar(select(Person).where(Person.nik == nik)))
            form = _case_form(formdata=None)
            if record is not None:
                _prefill_from_record(form, record)
            else:
                form.nik.data = nik
                form.birth_date.data = lookup.nik.parsed.birth_date
                form.sex.data = lookup.nik.parsed.sex
            if person is not None:
                _prefill_from_person(form, person)
            return _render_register(form, record=record, nik_info=lookup.nik.parsed,
                                    person=person)
        village = lookup.village_code.data
        allowed = {c for c, _n in lookup.village_code.choices}
        if village not in allowed:
            lookup.village_code.errors.append(_("Pilih desa untuk mencari berdasarkan nama."))
            return render_template("cases/lookup.html", lookup=lookup), 422
        results = registry.search_by_name([village], lookup.name.data)
        return render_template("cases/lookup.html", lookup=lookup, results=results,
                               searched=True)

    if step == "pilih":
        record = _record_in_scope(request.form.get("record_id"))
        if record is None:
            abort(404)
        form = _case_form(formdata=None)
        _prefill_from_record(form, record)
        form.registry_record_id.data = str(record.id)
        person = _person_in_scope(
            db.session.scalar(select(Person).where(Person.nik == record.nik)))
        if person is not None:
            _prefill_from_person(form, person)
        return _render_register(form, record=record, person=person)

    if step in ("baru", "tanpa_identitas"):
        form = _case_form(formdata=None)
        form.name.data = request.form.get("name", "")[:120]
        if step == "tanpa_identitas":
            form.is_unidentified.data = True
            form.reporter_is_beneficiary.data = "tidak"
            form.channel.data = "laporan_desa"
        if request.form.get("village_code") in {c for c, _n in form.village_code.choices}:
            form.village_code.data = request.form["village_code"]
        return _render_register(form)

    if step == "simpan":
        return _save_new_case()

    return render_template("cases/lookup.html", lookup=_lookup_form(formdata=None))


def _save_new_case():
    form = _case_form()
    record = _record_in_scope(form.registry_record_id.data)
    if not form.validate():
        if form.nik.data and not form.nik.errors:
            record = registry.find_by_nik(form.nik.data)
        return _render_register(form, record=record, status=422)
    person_data, complaint = form.person_input(), form.complaint_input()
    try:
        case = services.register_case(
            current_user, person_data, complaint, now=now_utc(),
            registry_record_id=record.id if record and not form.nik.data else None,
            allow_duplicate=form.allow_duplicate.data == "1",
        )
    except services.DuplicateOpenCase as dup:
        db.session.rollback()
        form.allow_duplicate.data = "1"
        if form.nik.data:
            record = registry.find_by_nik(form.nik.data)
        return _render_register(form, record=record, duplicate=dup.case,
                                person=_person_in_scope(dup.case.beneficiary), status=409)
    except DomainError as e:
        db.session.rollback()
        field = getattr(form, e.field, None) if e.field else None
        if field is not None:
            field.errors = list(field.errors) + [e.message]
        else:
            flash(e.message, "error")
        return _render_register(form, record=record, status=422)
    # The audit entry in the same transaction as the case: both or neither.
    audit("ubah", object_type="case", object_id=case.id, person_id=case.beneficiary_id,
          detail={"objek": f"Kasus {case.number}", "rincian": "Pengaduan dicatat"})
    flash(_("Pengaduan tercatat dengan nomor %(number)s.", number=case.number), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


@bp.route("", methods=["GET", "POST"])
def index():
    if request.method == "POST":
        form = CaseSearchForm()
        valid = form.validate()
    else:
        form = CaseSearchForm(formdata=request.args, meta={"csrf": False})
        form.q.data = ""  # identifiers travel by POST only, never in a URL
        valid = form.validate()
    villages = scope_villages(current_user)
    form.village.choices = [("", _("Semua desa"))] + [(v.code, v.name) for v in villages]
    form.category.choices = [("", _("Semua kategori"))] + _category_choices()[1:]
    cases, next_id = [], None
    if valid:
        scope_codes = {v.code for v in villages}
        filters = queries.CaseFilters(
            q=form.q.data or "", status=form.status.data or "", category=form.category.data or "",
            village=form.village.data if form.village.data in scope_codes else "",
            date_from=form.date_from.data, date_to=form.date_to.data,
        )
        before = form.before.data
        cases, next_id = queries.list_cases(
            current_user, filters, before_id=parse_id(before),
            limit=current_app.config["PAGE_SIZE"])
    return render_template("cases/index.html", form=form, cases=cases, next_id=next_id,
                           status=200 if valid else 422), (200 if valid else 422)


@bp.get("/<id:case_id>")
def detail(case_id: int):
    case = queries.get_case_for(current_user, case_id)
    audit("lihat_kasus", object_type="case", object_id=case.id, person_id=case.beneficiary_id)
    return _redisplay(case, status=200)


def _redisplay(case, *, note_form=None, close_form=None, attachment_form=None, status=422):
    return render_template(
        "cases/detail.html", case=case, note_form=note_form or NoteForm(formdata=None),
        close_form=close_form or CloseForm(formdata=None, version=case.version),
        attachment_form=attachment_form or AttachmentForm(formdata=None),
        attachments=attachments.attachments_of(case),
        proposals=proposal_services.proposals_of_case(case),
        can_close=can_close_at_desk(case)), status


@bp.post("/<id:case_id>/catatan")
@permission_required("case.note")
def add_note(case_id: int):
    case = queries.get_case_for(current_user, case_id)
    form = NoteForm()
    if not form.validate():
        return _redisplay(case, note_form=form)
    try:
        services.add_note(current_user, case, form.text.data, now=now_utc())
    except DomainError as e:
        db.session.rollback()
        form.text.errors.append(e.message)
        return _redisplay(case, note_form=form)
    flash(_("Catatan ditambahkan."), "success")
    return redirect(url_for("cases.detail", case_id=case.id) + "#riwayat")


@bp.post("/<id:case_id>/lampiran")
@permission_required("case.attach")
def attach(case_id: int):
    case = queries.get_case_for(current_user, case_id)
    form = AttachmentForm()
    if not form.validate():
        return _redisplay(case, attachment_form=form)
    upload = form.file.data
    data = upload.read() if upload and getattr(upload, "filename", "") else b""
    try:
        added = attachments.attach(current_user, case, kind=form.kind.data,
                                   caption=form.caption.data or "", data=data, now=now_utc())
    except DomainError as e:
        db.session.rollback()  # nothing of the file is kept
        case = queries.get_case_for(current_user, case_id)
        field = getattr(form, e.field, None) if e.field else None
        field = form.file if field is None else field
        field.errors = list(field.errors) + [e.message]
        return _redisplay(case, attachment_form=form)
    flash(_("Lampiran ditambahkan: %(kind)s.", kind=added.kind_label), "success")
    return redirect(url_for("cases.detail", case_id=case.id) + "#lampiran")


@bp.get("/<id:case_id>/lampiran/<id:attachment_id>")
def attachment(case_id: int, attachment_id: int):
    """Download one attachment; every opening is in the audit log."""
    case = queries.get_case_for(current_user, case_id)
    found = attachments.attachment_for(current_user, case, attachment_id)
    if found is None:
        abort(404)
    audit("unduh_berkas", object_type="attachment", object_id=found.id,
          person_id=case.beneficiary_id,
          detail={"objek": _("Lampiran %(kind)s, kasus %(n)s", kind=found.kind_label,
                             n=case.number),
                  "rincian": _("Mengunduh lampiran kasus")})
    return send_stored(found.file_key, mimetype=found.content_type,
                       name=f"{case.number}-lampiran-{found.id}{found.extension}")


@bp.post("/<id:case_id>/tutup")
@permission_required("case.close")
def close(case_id: int):
    case = queries.get_case_for(current_user, case_id)
    form = CloseForm()
    if not form.validate():
        return _redisplay(case, close_form=form)
    version = parse_version(form.version.data)
    try:
        services.close_at_desk(current_user, case, form.outcome.data, form.note.data or "",
                               now=now_utc(), expected_version=version)
    except StaleDataError:
        db.session.rollback()
        flash(_("Kasus ini baru saja diubah oleh pengguna lain. Periksa lagi lalu ulangi."),
              "error")
        return redirect(url_for("cases.detail", case_id=case_id))
    except DomainError as e:
        db.session.rollback()
        case = queries.get_case_for(current_user, case_id)
        field = getattr(form, e.field, None) if e.field else None
        if field is not None:
            field.errors = list(field.errors) + [e.message]
            return _redisplay(case, close_form=form)
        flash(e.message, "error")
        return redirect(url_for("cases.detail", case_id=case_id))
    flash(_("Kasus %(number)s diselesaikan di desa.", number=case.number), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


@bp.post("/<id:case_id>/cek-dtks")
@permission_required("case.recheck")
def recheck(case_id: int):
    case = queries.get_case_for(current_user, case_id)
    try:
        check = services.recheck_registry(current_user, case, now=now_utc())
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "error")
        return redirect(url_for("cases.detail", case_id=case.id))
    flash(_("DTKS diperiksa ulang: %(result)s.",
            result=_("terdaftar") if check.found else _("tidak terdaftar")), "success")
    return redirect(url_for("cases.detail", case_id=case.id) + "#dtks")


@bp.post("/<id:case_id>/tambah-pengaduan")
@permission_required("case.register")
def add_complaint(case_id: int):
    case = queries.get_case_for(current_user, case_id)
    description = (request.form.get("description") or "").strip()[:4000]
    channel = request.form.get("channel") or "datang_langsung"
    try:
        services.add_to_open_case(current_user, case, description, channel, now=now_utc())
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "error")
        return redirect(url_for("cases.detail", case_id=case.id))
    flash(_("Pengaduan ditambahkan ke kasus %(number)s.", number=case.number), "success")
    return redirect(url_for("cases.detail", case_id=case.id) + "#riwayat")


@bp.post("/<id:case_id>/nik")
@permission_required("case.reveal_nik")
def reveal_nik(case_id: int):
    """Lists show NIKs masked; seeing one in full is an explicit, logged act."""
    case = queries.get_case_for(current_user, case_id)
    person = case.beneficiary
    if not person.nik:
        abort(404)
    audit("buka_nik", object_type="case", object_id=case.id, person_id=person.id,
          detail={"nik": mask_nik(person.nik)})
    return render_template("cases/nik.html", case=case, person=person)


@bp.get("/<id:case_id>/tanda-terima")
def receipt(case_id: int):
    case = queries.get_case_for(current_user, case_id)
    audit("lihat_kasus", object_type="case", object_id=case.id, person_id=case.beneficiary_id,
          detail={"halaman": "tanda terima"})
    # The case's check code, as printed (XXXX-XXXX); issued now if it has none.
    code = status_services.format_code(status_services.code_for(case))
    return render_template("cases/receipt.html", case=case, status_code=code,
                           letterhead=letterhead.current(regency_of(case.village_code)))
