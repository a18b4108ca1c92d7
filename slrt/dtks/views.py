"""Registry check without registering a complaint: by NIK, No KK or name."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from slrt.audit.services import audit
from slrt.common.forms import Form
from slrt.common.permissions import (
    can,
    permission_required,
    regency_scope,
    scope_villages,
    village_scope,
)
from slrt.dtks import queries
from slrt.identity import mask_nik, normalise_digits
from slrt.platform.db import locks_late

bp = Blueprint("dtks", __name__, url_prefix="/dtks")


@bp.before_request
@permission_required("registry.check")
def only_registry_roles():
    pass


@bp.route("/cek", methods=["GET", "POST"])
def check():
    """Search by NIK or No KK, or by name within a village (POST: identifiers and
    names never go into a URL)."""
    from slrt.common.routing_ids import parse_id

    results, household, error, query = [], None, None, ""
    name_results, name_errors = None, {}
    report = None  # the moved/died report form: {"record", "values", "error", "field"}
    villages = scope_villages(current_user)
    name = (request.form.get("name") or "").strip()[:120]
    village = request.form.get("desa") or (villages[0].code if len(villages) == 1 else "")
    searched = False
    if request.method == "POST":
        form = Form()
        if not form.validate():
            abort(400)
        mode = request.form.get("mode", "nik")
        if mode == "nama":
            if village not in {v.code for v in villages}:
                name_errors["desa"] = _("Pilih desa tempat mencari.")
            if len(name.replace(" ", "")) < 2:
                name_errors["name"] = _("Tulis nama, paling sedikit 2 huruf.")
            if not name_errors:
                name_results = queries.search_by_name([village], name)
                audit("cari_nama", object_type="registry", detail={
                    "desa": village, "hasil": len(name_results)})
        elif mode in ("lapor_form", "lapor", "cabut"):
            record, report = _report_step(mode)
            searched = True
            household = _in_scope(queries.household(record.no_kk)) or [record]
            results = [record]
        elif mode == "pilih":
            record = queries.get_record(parse_id(request.form.get("record_id")) or 0)
            if record is None or not _in_scope([record]):
                abort(404)
            searched = True
            audit("lihat_orang", object_type="registry", object_id=record.id,
                  detail={"nik": mask_nik(record.nik),
                          "ditemukan": True})
            household = _in_scope(queries.household(record.no_kk)) or [record]
            results = [record]
        else:
            query = (request.form.get("q") or "").strip()[:40]
            digits = normalise_digits(query)
            searched = True
            if not query:
                error = _("Isi NIK atau nomor KK.")
            else:
                found = queries.check_identifier(current_user, digits)
                error, household = found.error, found.household
                if found.kind == "nik":
                    audit("lihat_orang", object_type="registry",
                          object_id=found.record.id if found.record else None,
                          detail={"nik": found.nik_masked, "ditemukan": found.record is not None})
                if found.record is not None:
                    results = [found.record]
    return _check_page(villages, results=results, household=household, error=error,
                       query=query, searched=searched, report=report, name=name,
                       village=village, name_results=name_results, name_errors=name_errors)


def report_refused(record, values, error: str, field: str | None):
    """The household of a registry record with its moved/died report refused:
    the message beside its field and what was typed kept (422). The old
    route of the report (/usulan/dtks/<id>/lapor) answers with it too."""
    report = {"record": record, "values": values, "error": error, "field": field}
    household = _in_scope(queries.household(record.no_kk)) or [record]
    return _check_page(scope_villages(current_user), results=[record], household=household,
                       searched=True, report=report)


def _check_page(villages, *, results=(), household=None, error=None, query="", searched=False,
                report=None, name="", village="", name_results=None, name_errors=None):
    from slrt.proposals.services import can_withdraw, flags_of

    name_errors = name_errors or {}
    shown = household or results
    scope = village_scope(current_user)
    status = 422 if (error or name_errors or (report and report["error"])) else 200
    flags = flags_of([r.id for r in shown])
    return render_template("dtks/check.html", results=results, household=household,
                           error=error, query=query, searched=searched,
                           latest_period=queries.latest_period(),
                           flags=flags, report=report,
                           withdrawable={f.id for fs in flags.values() for f in fs
                                         if can_withdraw(current_user, f)},
                           actionable={r.id for r in shown
                                       if scope is None or r.village_code in scope},
                           villages=villages, name=name, village=village,
                           name_results=name_results, name_errors=name_errors), status


def _report_step(mode: str):
    """Report a household member moved or died (form, then the report itself), or
    withdraw such a report; the household card comes back either way."""
    from flask import flash
    from sqlalchemy.orm.exc import StaleDataError

    from slrt.common.errors import DomainError
    from slrt.common.routing_ids import parse_id
    from slrt.common.time import now_utc
    from slrt.extensions import db
    from slrt.proposals import services as proposals
    from slrt.proposals.models import FLAG_KINDS, RegistryFlag

    form = request.form
    if mode == "cabut":
        flag = db.session.get(RegistryFlag, parse_id(form.get("flag_id")) or 0)
        record = queries.get_record(flag.registry_record_id) if flag is not None else None
        if record is None or not _in_scope([record]):
            abort(404)
        try:
            proposals.withdraw_report(current_user, flag, form.get("alasan", "")[:2000],
                                      now=now_utc())
        except (DomainError, StaleDataError) as e:
            db.session.rollback()
            message = getattr(e, "message", _("Data berubah; ulangi."))
            flash(message, "error")
            audit("ubah_ditolak", object_type="registry", object_id=record.id, outcome="ditolak",
                  detail={"objek": _("Data DTKS %(name)s (ID %(id)s)", name=record.name,
                                     id=record.registry_id),
                          "rincian": _("Pencabutan laporan ditolak: %(m)s", m=message)})
        else:
            flash(_("Laporan \"%(flag)s\" atas %(name)s dicabut.", flag=flag.label.lower(),
                    name=record.name), "success")
        return record, None
    record = queries.get_record(parse_id(form.get("record_id")) or 0)
    if record is None or not _in_scope([record]):
        abort(404)
    report = {"record": record, "values": form if mode == "lapor" else {}, "error": None,
              "field": None}
    if mode == "lapor_form":
        audit("lihat_orang", object_type="registry", object_id=record.id, detail={
            "objek": _("Data DTKS %(name)s (ID %(id)s)", name=record.name,
                       id=record.registry_id),
            "rincian": _("Membuka formulir laporan pindah/meninggal")})
        return record, report
    try:
        flag = proposals.report_stale(current_user, record, form.get("kind", ""),
                                      form.get("note", "")[:2000], now=now_utc(),
                                      confirmed=form.get("yakin") == "1")
    except (DomainError, StaleDataError) as e:
        db.session.rollback()
        report["error"] = getattr(e, "message", _("Data berubah; ulangi."))
        report["field"] = getattr(e, "field", None)
        return record, report
    flash(_("%(name)s ditandai %(flag)s; usulan penonaktifan %(n)s masuk pra-daftar Musdes.",
            name=record.name, flag=FLAG_KINDS[flag.kind].lower(), n=flag.proposal.number),
          "success")
    return record, None


def _in_scope(records):
    return queries.in_scope(current_user, records)


# --------------------------------------------------------------------------
# Snapshot imports: the supervisor uploads, the import runs in the background
# (slrt.dtks.jobs), this page follows it and offers the choice after phase 1.

PROBLEMS_SHOWN = 200


def _import_or_404(import_id: int):
    from slrt.dtks import importer

    record = importer.get_import(import_id)
    if record is None or not can(current_user, "registry.import", record):
        abort(404)  # another regency's import: no hint that it exists
    return record


def _sniff_upload(head: bytes) -> str | None:
    """'xlsx' or 'csv' from the first bytes, or None for what cannot be a registry file."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if not head or b"\x00" in head or head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff")):
        return None
    return "csv"


@bp.route("/impor", methods=["GET", "POST"])
@permission_required("registry.import")
def imports():
    from flask import current_app, flash, redirect, url_for

    from slrt.dtks import importer, jobs

    ambiguous = queries.ambiguous_villages(current_user.regency_code)
    values = {"period": (request.form.get("period") or "").strip()[:7],
              "source": (request.form.get("source") or "DTKS").strip().upper()[:8]}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = Form()
        if not form.validate():
            abort(400)
        upload = request.files.get("file")
        kind = None
        if upload is None or not upload.filename:
            errors["file"] = _("Pilih berkas ekspor DTKS/DTSEN (CSV atau Excel .xlsx).")
        else:
            kind = _sniff_upload(upload.stream.read(4096))
            upload.stream.seek(0)
            if kind == "xls":
                errors["file"] = _("Berkas Excel lama (.xls) tidak dapat dibaca: simpan ulang "
                                   "sebagai .xlsx atau CSV, lalu unggah lagi.")
            elif kind is None:
                errors["file"] = _("Berkas ini kosong atau bukan CSV/Excel .xlsx (isinya "
                                   "tidak berupa teks atau lembar kerja).")
            else:
                try:  # an .xlsx that would unpack to too much is never stored
                    importer.check_upload(upload.stream)
                except importer.ImportRefused as e:
                    errors["file"] = str(e)
        try:
            values["period"] = importer.check_period(values["period"])
        except importer.ImportRefused as e:
            errors["period"] = str(e)
        if values["source"] not in ("DTKS", "DTSEN"):
            errors["source"] = _("Pilih DTKS atau DTSEN.")
        choices = _village_choices(ambiguous)
        if not errors:
            key = jobs.store_upload(upload.stream, kind)
            import_id = importer.queue_validation(
                importer.InputFile(key=key), values["period"], values["source"],
                current_user.regency_code,
                created_by_id=current_user.id, file_name=upload.filename[:255],
                village_choices=choices)
            try:
                jobs.launch(import_id)
            except OSError as e:
                importer.mark_failed(import_id, _("Proses impor tidak dapat dijalankan (%(e)s). "
                                                  "Tidak ada data yang berubah.", e=e.strerror))
            else:
                flash(_("Berkas diterima. Pemeriksaan berjalan di latar belakang; halaman ini "
                        "diperbarui sendiri."), "success")
            return redirect(url_for("dtks.import_detail", import_id=import_id))
        status = 422
    return render_template("dtks/imports.html", imports=importer.recent_imports(
                               30, regency_scope(current_user)),
                           values=values, errors=errors, ambiguous=ambiguous,
                           max_mb=current_app.config["DTKS_UPLOAD_MAX_BYTES"] // (1024 * 1024),
                           latest_period=queries.latest_period()), status


def _village_choices(ambiguous) -> dict[str, str]:
    """Which village each ambiguous name of the file means, as the supervisor
    chose on the upload page (a code not offered for that name is ignored)."""
    chosen = {}
    for name in ambiguous:
        code = request.form.get(f"desa:{name.key}", "")
        if code in dict(name.villages):
            chosen[name.key] = code
    return chosen


@bp.get("/impor/<id:import_id>")
@permission_required("registry.import")
def import_detail(import_id: int):
    from slrt.dtks import importer

    record = _import_or_404(import_id)
    problems = importer.import_problems(record.id, limit=PROBLEMS_SHOWN)
    return render_template("dtks/import_detail.html", record=record, problems=problems,
                           shown=PROBLEMS_SHOWN,
                           chosen=queries.chosen_villages(record.village_choices,
                                                          record.scope_code))


@bp.post("/impor/<id:import_id>")
@permission_required("registry.import")
@locks_late
def import_action(import_id: int):
    """Apply, apply the valid rows, or cancel. The import's service decides
    each with a conditional UPDATE on a connection of its own, so the request
    does not take SQLite's write lock first (@locks_late): while an apply's
    transaction holds it, a "Batal" still gets its answer at once."""
    from flask import flash, redirect, url_for

    from slrt.dtks import importer, jobs

    form = Form()
    if not form.validate():
        abort(400)
    record = _import_or_404(import_id)
    action = request.form.get("action", "")
    if action == "batal":
        try:
            importer.cancel_import(record.id)
        except importer.ImportRefused as e:  # the apply has begun: it is not stopped
            flash(str(e), "error")
        else:
            jobs.discard_upload(importer.get_import(record.id))
            flash(_("Impor dibatalkan; tidak ada data yang berubah."), "success")
    elif action in ("terapkan", "terapkan_sah"):
        # The confirmation step of a mass deactivation: the checkbox carries the
        # number shown; the service compares it with its own.
        confirmed = (request.form.get("konfirmasi_nonaktif") or "").strip()
        confirm = int(confirmed) if confirmed.isascii() and confirmed.isdigit() and len(confirmed) <= 9 else None
        try:
            importer.queue_apply(record.id, apply_valid=action == "terapkan_sah",
                                 confirm_deactivate=confirm)
        except importer.ImportRefused as e:
            flash(str(e), "error")
        else:
            try:
                jobs.launch(record.id)
            except OSError as e:
                importer.mark_failed(record.id, _("Proses impor tidak dapat dijalankan (%(e)s). "
                                                  "Tidak ada data yang berubah.", e=e.strerror))
            else:
                flash(_("Data sedang diterapkan di latar belakang."), "success")
    else:
        flash(_("Pilihan tidak dikenal; tidak ada yang berubah."), "error")
    return redirect(url_for("dtks.import_detail", import_id=record.id))


@bp.get("/impor/<id:import_id>/laporan.csv")
@permission_required("registry.import")
def import_report(import_id: int):
    import io

    from flask import Response

    from slrt.dtks import importer

    record = _import_or_404(import_id)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    importer.write_report(record.id, buffer)
    audit("ekspor", object_type="registry_import", object_id=record.id,
          detail={"laporan": "masalah impor", "baris": record.error_count})
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="impor-{record.id}-laporan.csv"'})
