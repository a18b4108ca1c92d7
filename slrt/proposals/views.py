"""Registry proposals: pre-list, Musdes, export for SIKS-NG, ministry result, stale flags."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from slrt.audit.services import audit
from slrt.cases import queries as case_queries
from slrt.common.downloads import send_stored
from slrt.common.errors import DomainError
from slrt.common.exports import to_csv, to_xlsx
from slrt.common.permissions import (
    full_nik_allowed,
    permission_required,
    scope_villages,
    village_scope,
)
from slrt.common.routing_ids import parse_id
from slrt.common.time import now_utc, today_wib
from slrt.dtks import queries as registry
from slrt.dtks.views import report_refused
from slrt.extensions import db
from slrt.identity import mask_nik
from slrt.proposals import services
from slrt.proposals.models import (
    CORRECTION_FIELDS,
    DEACTIVATION_REASONS,
    FLAG_KINDS,
    KINDS,
    STATUSES,
    Musdes,
    Proposal,
    RegistryFlag,
)
from slrt.proposals.workflow import musdes_choices

bp = Blueprint("proposals", __name__, url_prefix="/usulan")


@bp.before_request
@permission_required("proposal.view")
def only_desk():
    pass


def _scoped(stmt):
    return services.scoped(current_user, stmt)


def _get(proposal_id: int) -> Proposal:
    return db.first_or_404(_scoped(select(Proposal).where(Proposal.id == proposal_id)))


@bp.get("")
def index():
    villages = scope_villages(current_user)
    codes = {v.code for v in villages}
    village = request.args.get("desa", "")
    status = request.args.get("status", "")
    stmt = _scoped(select(Proposal))
    if village in codes:
        stmt = stmt.where(Proposal.village_code == village)
    if status in STATUSES:
        stmt = stmt.where(Proposal.status == status)
    rows = list(db.session.scalars(stmt.order_by(Proposal.id.desc()).limit(500)))
    return render_template("proposals/index.html", rows=rows, villages=villages,
                           village=village, status=status, statuses=STATUSES,
                           approved=len(services.approved_for_export(village_scope(current_user))))


def _form_context(**kw):
    return dict(kinds=KINDS, reasons=DEACTIVATION_REASONS, fields=CORRECTION_FIELDS,
                villages=scope_villages(current_user), **kw)


@bp.route("/baru", methods=["GET", "POST"])
@permission_required("proposal.create")
def create():
    """A proposal raised directly, from a case (?kasus=ID) or for a registry record."""
    case = None
    record = None
    source_case = parse_id(request.values.get("kasus"))
    if source_case:
        case = case_queries.get_case_for(current_user, source_case)
    record_id = parse_id(request.values.get("record_id"))
    if record_id:
        record = registry.get_record(record_id)
        scope = village_scope(current_user)
        if record is None or (scope is not None and record.village_code not in scope):
            abort(404)
    values = request.form if request.method == "POST" else {}
    error, field = None, None
    if request.method == "POST":
        try:
            village = (case.village_code if case is not None else record.village_code
                       if record is not None else values.get("village_code", ""))
            p = services.create_proposal(
                current_user, kind=values.get("kind", ""), village_code=village, now=now_utc(),
                name=values.get("name", "")[:120], nik=values.get("nik", "")[:40],
                no_kk=values.get("no_kk", "")[:40], reason_code=values.get("reason_code", ""),
                note=values.get("note", "")[:2000],
                corrections={k: values.get(f"fix_{k}", "")[:200] for k in CORRECTION_FIELDS},
                record=record, case=case, source="kasus" if case else "langsung")
        except DomainError as e:
            db.session.rollback()
            error, field = e.message, e.field
        else:
            flash(_("Usulan %(n)s masuk pra-daftar Musdes.", n=p.number), "success")
            if case is not None:
                return redirect(url_for("cases.detail", case_id=case.id) + "#usulan")
            return redirect(url_for("proposals.index"))
    defaults = {}
    if case is not None:
        person = case.beneficiary
        defaults = {"kind": "baru", "name": person.name, "nik": person.nik or "",
                    "no_kk": person.no_kk or "", "village_code": case.village_code}
    if record is not None:
        defaults = {"kind": request.args.get("jenis", "perbaikan"), "name": record.name,
                    "nik": record.nik, "no_kk": record.no_kk,
                    "village_code": record.village_code}
    shown = {**defaults, **values.to_dict()} if values else defaults
    # The form shows the fields of one kind: the one posted, chosen (?jenis=) or proposed.
    kind = values.get("kind") or request.args.get("jenis") or shown.get("kind") or "baru"
    if kind not in KINDS:
        kind = "baru"
    return render_template("proposals/form.html", **_form_context(
        values=shown, kind=kind, case=case, record=record, error=error, field=field)), \
        (422 if error else 200)


@bp.post("/dtks/<id:record_id>/lapor")
@permission_required("registry.flag")
def report_stale(record_id: int):
    """Report that a listed person moved or died: flag now, propose deactivation.
    The old route of the report on Cek DTKS: a refusal answers that page, with
    the household, the message beside its field and what was typed (422)."""
    record = registry.get_record(record_id)
    scope = village_scope(current_user)
    if record is None or (scope is not None and record.village_code not in scope):
        abort(404)
    try:
        flag = services.report_stale(current_user, record, request.form.get("kind", ""),
                                     request.form.get("note", "")[:2000], now=now_utc(),
                                     confirmed=request.form.get("yakin") == "1")
    except DomainError as e:
        db.session.rollback()
        return report_refused(record, request.form, e.message, e.field)
    else:
        flash(_("%(name)s ditandai %(flag)s; usulan penonaktifan %(n)s masuk pra-daftar Musdes.",
                name=record.name, flag=FLAG_KINDS[flag.kind].lower(),
                n=flag.proposal.number), "success")
    return redirect(request.referrer or url_for("proposals.index"))


@bp.route("/musdes/baru", methods=["GET", "POST"])
@permission_required("musdes.manage")
def musdes_new():
    villages = scope_villages(current_user)
    codes = {v.code for v in villages}
    village = request.values.get("desa", "")
    if village not in codes:
        village = villages[0].code if len(villages) == 1 else ""
    pending = services.pending_for_musdes(village) if village else []
    errors, values = {}, request.form  # field -> message, told next to the field
    if request.method == "POST" and village:
        decisions = {p.id: (values.get(f"d{p.id}", ""), values.get(f"r{p.id}", "")[:2000])
                     for p in pending}
        upload = request.files.get("scan")
        scan = upload.read() if upload and upload.filename else None
        try:
            held_on = date.fromisoformat(values.get("held_on", ""))
        except ValueError:
            errors["held_on"] = _("Tanggal Musdes tidak sah.")
        try:
            attendees = int(values.get("attendees", "0") or 0)
        except ValueError:
            errors["attendees"] = _("Jumlah peserta ditulis dengan angka.")
        if not errors:
            try:
                musdes = services.record_musdes(
                    current_user, village_code=village, held_on=held_on,
                    place=values.get("place", "")[:160], attendees=attendees,
                    minutes_number=values.get("minutes_number", "")[:80], decisions=decisions,
                    now=now_utc(), scan=scan, scan_name=upload.filename if scan else "")
            except DomainError as e:
                db.session.rollback()
                errors[e.field or ""] = e.message
            else:
                flash(_("Hasil Musdes dicatat."), "success")
                return redirect(url_for("proposals.musdes_detail", musdes_id=musdes.id))
    return render_template("proposals/musdes_form.html", villages=villages, village=village,
                           pending=pending, values=values, errors=errors,
                           decisions=musdes_choices()), (422 if errors else 200)


def _get_musdes(musdes_id: int) -> Musdes:
    m = db.session.get(Musdes, musdes_id)
    scope = village_scope(current_user)
    if m is None or (scope is not None and m.village_code not in scope):
        abort(404)
    return m


def _musdes_label(m: Musdes) -> str:
    return _("Berita acara Musdes %(n)s (%(d)s)", n=m.minutes_number,
             d=m.held_on.strftime("%d-%m-%Y"))


@bp.get("/musdes/<id:musdes_id>")
@permission_required("musdes.manage")
def musdes_detail(musdes_id: int):
    m = _get_musdes(musdes_id)
    audit("lihat_usulan", object_type="musdes", object_id=m.id, detail={
        "objek": _musdes_label(m),
        "rincian": _("Membuka hasil Musdes (%(n)d usulan)", n=len(m.proposals))})
    return render_template("proposals/musdes.html", musdes=m)


@bp.get("/musdes/<id:musdes_id>/berkas")
@permission_required("musdes.manage")
def musdes_scan(musdes_id: int):
    m = _get_musdes(musdes_id)
    if not m.scan_path:
        abort(404)
    audit("unduh_berkas", object_type="musdes", object_id=m.id, detail={
        "objek": _musdes_label(m),
        "rincian": _("Mengunduh pindaian berita acara (%(n)d usulan)", n=len(m.proposals))})
    ext = Path(m.scan_path).suffix  # from the checked content, not the user's file name
    return send_stored(m.scan_path, mimetype=m.scan_mime, name=f"berita-acara-musdes-{m.id}{ext}")


@bp.route("/ekspor", methods=["GET", "POST"])
@permission_required("proposal.export")
def export():
    """Approved proposals in the SIKS-NG layout; marking them sent is a separate POST."""
    proposals = services.approved_for_export(village_scope(current_user))
    if request.method == "POST":
        ids = {i for i in map(parse_id, request.form.getlist("ids")) if i}
        chosen = [p for p in proposals if p.id in ids]
        if not chosen:
            flash(_("Pilih usulan yang sudah diinput ke SIKS-NG."), "error")
            return redirect(url_for("proposals.export"))
        try:
            services.mark_sent(current_user, chosen, now=now_utc())
        except (DomainError, StaleDataError) as e:
            db.session.rollback()
            flash(getattr(e, "message", _("Data berubah; ulangi.")), "error")
        else:
            flash(_("%(n)d usulan ditandai terkirim ke SIKS-NG.", n=len(chosen)), "success")
        return redirect(url_for("proposals.index"))
    fmt = request.args.get("format", "")
    if fmt in ("csv", "xlsx"):
        rows = services.export_rows(proposals)
        stamp = today_wib().strftime("%Y%m%d")  # the office's day, not UTC's
        audit("ekspor", object_type="proposal",
              detail={"format": fmt, "jumlah": len(rows), "daftar": "usulan disetujui"})
        if fmt == "csv":
            return Response(to_csv(services.EXPORT_HEADER, rows,
                                   text_columns=services.IDENTIFIER_COLUMNS),
                            mimetype="text/csv",
                            headers={"Content-Disposition":
                                     f"attachment; filename=usulan-dtks-{stamp}.csv"})
        return Response(to_xlsx(services.EXPORT_HEADER, rows, "Usulan DTKS"),
                        mimetype="application/vnd.openxmlformats-officedocument."
                                 "spreadsheetml.sheet",
                        headers={"Content-Disposition":
                                 f"attachment; filename=usulan-dtks-{stamp}.xlsx"})
    return render_template("proposals/export.html", proposals=proposals)


def _proposal_audit(action: str, p: Proposal, text: str) -> None:
    from slrt.audit.hooks import person_of

    audit(action, object_type="proposal", object_id=p.id,
          person_id=person_of("proposal", p.id),
          detail={"objek": _("Usulan %(n)s", n=p.number), "rincian": text,
                  **({"nik": mask_nik(p.nik)} if p.nik else {})})


@bp.post("/<id:proposal_id>/nik")
@permission_required("proposal.reveal_nik")
def reveal_nik(proposal_id: int):
    """The proposal page masks NIK and No KK; seeing them in full is an explicit,
    logged act (as on the case list)."""
    p = _get(proposal_id)
    if not p.nik and not p.no_kk:
        abort(404)
    _proposal_audit("buka_nik", p, _("Membuka NIK dan No KK lengkap pada usulan"))
    return render_template("proposals/nik.html", p=p)


@bp.route("/<id:proposal_id>", methods=["GET", "POST"])
def detail(proposal_id: int):
    p = _get(proposal_id)
    if request.method == "GET":
        _proposal_audit("lihat_usulan", p, _("Membuka halaman usulan"))
    error = None
    if request.method == "POST":
        result = request.form.get("result", "")
        try:
            services.record_ministry_result(current_user, p, result == "diterima",
                                            request.form.get("note", "")[:2000], now=now_utc())
        except DomainError as e:
            db.session.rollback()
            p = _get(proposal_id)
            error = e.message
        else:
            flash(_("Hasil Kemensos dicatat."), "success")
            return redirect(url_for("proposals.detail", proposal_id=p.id))
    flags = list(db.session.scalars(select(RegistryFlag).where(
        RegistryFlag.proposal_id == p.id).order_by(RegistryFlag.id)))
    return render_template("proposals/detail.html", p=p, fields=CORRECTION_FIELDS,
                           error=error, values=request.form, full_nik=full_nik_allowed(current_user),
                           flags=flags, withdrawable={f.id for f in flags
                                                      if services.can_withdraw(current_user, f)}
                           ), (422 if error else 200)
