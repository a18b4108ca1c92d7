"""Desa saya: the facilitator's waiting families, tasks, proposals; visits; contacts."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from slrt.audit.services import audit
from slrt.cases import queries as case_queries
from slrt.common.downloads import send_stored
from slrt.common.errors import DomainError
from slrt.common.permissions import can, permission_required
from slrt.common.routing_ids import parse_id
from slrt.common.time import WIB, now_utc, today_wib
from slrt.extensions import db
from slrt.outreach import services
from slrt.outreach.models import VISIT_OUTCOMES, FollowUpTask, OutreachVisit
from slrt.regions.queries import villages_in

bp = Blueprint("outreach", __name__, url_prefix="/desa-saya")


@bp.get("")
@permission_required("outreach.visit")
def my_villages():
    today = today_wib()
    return render_template(
        "outreach/my_villages.html", waiting=services.waiting_referrals(current_user, today),
        tasks=services.open_tasks(current_user),
        proposals=services.pending_proposals(current_user), today=today,
        villages=villages_in(v.village_code for v in current_user.villages))


def _task_for(case, task_id) -> FollowUpTask | None:
    task = db.session.get(FollowUpTask, task_id) if task_id else None
    if task is not None and task.case_id != case.id:
        abort(404)
    return task


@bp.route("/kasus/<id:case_id>/kunjungan", methods=["GET", "POST"])
@permission_required("outreach.visit")
def visit(case_id: int):
    case = case_queries.get_case_for(current_user, case_id)
    values = request.form if request.method == "POST" else {}
    task = _task_for(case, parse_id(request.values.get("task")))
    error, error_field = None, None
    now = now_utc()
    if request.method == "POST":
        try:
            visited_at = datetime.fromisoformat(values.get("visited_at", "")).replace(tzinfo=WIB)
        except ValueError:
            error, error_field = _("Tanggal dan jam kunjungan tidak sah."), "visited_at"
        else:
            upload = request.files.get("photo")
            photo = upload.read() if upload and upload.filename else None
            try:
                v = services.record_visit(
                    current_user, case, outcome=values.get("outcome", ""),
                    visited_at=visited_at, notes=values.get("notes", "")[:4000], now=now,
                    task=task, photo=photo,
                    latitude=values.get("latitude", "")[:20],
                    longitude=values.get("longitude", "")[:20],
                    confirm_stale=values.get("yakin") == "1")
            except DomainError as e:
                db.session.rollback()
                error, error_field = e.message, e.field
            else:
                flash(_("Kunjungan dicatat: %(o)s.", o=v.outcome_label), "success")
                if v.next_visit_hint:
                    flash(_("Kunjungan berikutnya disarankan %(h)s; tugas tetap terbuka.",
                            h=v.next_visit_hint), "info")
                return redirect(url_for("cases.detail", case_id=case.id))
    if request.method == "GET":
        audit("lihat_kunjungan", object_type="case", object_id=case.id,
              person_id=case.beneficiary_id, detail={
                  "objek": _("Kasus %(n)s", n=case.number),
                  "rincian": _("Membuka halaman kunjungan penjangkauan")})
    return render_template(
        "outreach/visit.html", case=case, task=task, outcomes=VISIT_OUTCOMES, values=values,
        error=error, error_field=error_field, visits=services.visits_of(case),
        default_time=now.astimezone(WIB).strftime("%Y-%m-%dT%H:%M")), (422 if error else 200)


@bp.post("/kasus/<id:case_id>/kontak")
@permission_required("outreach.contact")
def contact(case_id: int):
    case = case_queries.get_case_for(current_user, case_id)
    try:
        services.record_contact(current_user, case, request.form.get("text", "")[:4000],
                                now=now_utc())
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "error")
    else:
        flash(_("Tindak lanjut dicatat di riwayat kasus."), "success")
    return redirect(request.form.get("next") == "desa" and url_for("outreach.my_villages")
                    or url_for("outreach.visit", case_id=case.id))


@bp.get("/kunjungan/<id:visit_id>/foto")
@permission_required("outreach.photo")
def photo(visit_id: int):
    v = db.session.get(OutreachVisit, visit_id)
    if v is None or not v.photo_path or not can(current_user, "outreach.photo", v):
        abort(404)
    case = v.case
    audit("unduh_berkas", object_type="visit", object_id=v.id, person_id=case.beneficiary_id,
          detail={"objek": _("Foto kunjungan %(d)s, kasus %(n)s",
                             d=v.visited_at.astimezone(WIB).strftime("%d-%m-%Y"),
                             n=case.number),
                  "rincian": _("Mengunduh foto kunjungan penjangkauan")})
    return send_stored(v.photo_path, mimetype=v.photo_mime,
                       name=f"kunjungan-{v.id}{Path(v.photo_path).suffix}")


# ------------------------------------------------------------ the field app
# The facilitator's offline app (docs/field-app.md): a page, its service worker
# and its manifest, with no personal data in them: the app logs in with a
# personal token of the API and keeps its data on the phone. Public like the
# login page (it must open offline, before anyone has logged in).

field_bp = Blueprint("field", __name__, url_prefix="/lapangan")

# The app's files, cached on the phone by the service worker; a file's revision
# is the hash of its content, so a release replaces exactly what changed.
FIELD_ASSETS = ("field/app.js", "field/app.css", "field/icon-192.png", "field/icon-512.png",
                "vendor/idb-keyval/idb-keyval.js", "vendor/workbox/workbox-sw.js",
                "vendor/workbox/workbox-core.prod.js", "vendor/workbox/workbox-routing.prod.js",
                "vendor/workbox/workbox-strategies.prod.js",
                "vendor/workbox/workbox-precaching.prod.js")
# The shell shows pictures the phone makes (the photo's preview): blob: for them.
FIELD_CSP = ("default-src 'self'; img-src 'self' blob:; object-src 'none'; "
             "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
_revisions: dict[str, str] = {}


def _revision(filename: str) -> str:
    import hashlib

    from flask import current_app

    if filename not in _revisions or current_app.debug:
        path = Path(current_app.static_folder) / filename
        _revisions[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return _revisions[filename]


def _asset(filename: str) -> str:
    return url_for("static", filename=filename, v=_revision(filename))


_APP_WORDS = re.compile(r'\b_\("((?:[^"\\]|\\.)*)"')


def _words() -> dict[str, str]:
    """The translation of each of app.js's _("…") words that has one (none while
    the interface speaks only Indonesian: the page carries nothing extra)."""
    import json

    from flask import current_app

    source = (Path(current_app.static_folder) / "field" / "app.js").read_text(encoding="utf-8")
    texts = {json.loads(f'"{m}"') for m in _APP_WORDS.findall(source)}
    return {t: _(t) for t in sorted(texts) if _(t) != t}


def _shell() -> str:
    from slrt.regions.codes import region_names

    provinces = sorted(c for c in region_names() if "." not in c)
    return render_template("field/app.html", asset=_asset, provinces=" ".join(provinces),
                           words=_words())


@field_bp.get("/")
def shell():
    resp = make_response(_shell())
    resp.headers["Content-Security-Policy"] = FIELD_CSP
    return resp


@field_bp.get("/sw.js")
def service_worker():
    import hashlib

    shell = _shell()
    precache = [{"url": url_for("field.shell"),
                 "revision": hashlib.sha256(shell.encode()).hexdigest()[:16]},
                {"url": url_for("field.manifest"),
                 "revision": hashlib.sha256(_manifest_text().encode()).hexdigest()[:16]}]
    precache += [{"url": _asset(f), "revision": None} for f in FIELD_ASSETS]
    body = render_template("field/sw.js", precache=precache,
                           workbox=url_for("static", filename="vendor/workbox/"))
    resp = make_response(body)
    resp.mimetype = "text/javascript"
    resp.headers["Cache-Control"] = "no-cache"  # a new release is found at the next visit
    return resp


def _manifest_text() -> str:
    import json

    return json.dumps({
        "name": _("SLRT Lapangan"), "short_name": _("SLRT Lapangan"),
        "description": _("Aplikasi fasilitator: Desa saya, kunjungan dan pengaduan, "
                         "juga tanpa sinyal."),
        "lang": "id", "start_url": url_for("field.shell"), "scope": url_for("field.shell"),
        "display": "standalone", "background_color": "#ffffff", "theme_color": "#0f5e5b",
        "icons": [{"src": _asset("field/icon-192.png"), "sizes": "192x192",
                   "type": "image/png", "purpose": "any maskable"},
                  {"src": _asset("field/icon-512.png"), "sizes": "512x512",
                   "type": "image/png", "purpose": "any maskable"}]}, ensure_ascii=False)


@field_bp.get("/manifest.webmanifest")
def manifest():
    resp = make_response(_manifest_text())
    resp.mimetype = "application/manifest+json"
    return resp
