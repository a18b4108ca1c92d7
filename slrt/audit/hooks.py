"""Request-level audit: every change that went through, every refusal.

A change is a signed-in POST answered with a redirect. Whether it went
through is told by what the view said to the user: a view that refuses
(a stale version, an empty reason, a rule of the service) flashes an error
and redirects like a success does, so an error flash without a success flash
is logged as a refused change, never as a change.
"""

from __future__ import annotations

from flask import g, message_flashed, request
from flask_login import current_user

from slrt.audit.labels import ENDPOINT_TEXT, mask_digits, object_labels
from slrt.audit.services import audit
from slrt.common.errors import render_error
from slrt.extensions import db
from slrt.platform.unit_of_work import before_commit

# POSTs that are reads or are logged by their own view or service.
NOT_CHANGES = frozenset({"auth.login", "auth.logout", "cases.index", "dtks.check",
                         "audit.pdp", "cases.register", "proposals.reveal_nik"})
# Their service writes the entry of a change that went through (a refusal answers 422
# with the form, and is no change).
LOGGED_BY_SERVICE = frozenset({"proposals.report_stale"})
OBJECT_ARGS = {"case_id": "case", "referral_id": "referral", "proposal_id": "proposal",
               "musdes_id": "musdes", "record_id": "registry", "user_id": "user",
               "visit_id": "visit", "import_id": "registry_import"}


def person_of(object_type: str, object_id: int | None) -> int | None:
    """The resident an object is about, for the UU PDP report."""
    from sqlalchemy import select

    from slrt.cases.models import Case, CaseAttachment, Person
    from slrt.dtks.models import RegistryRecord
    from slrt.outreach.models import OutreachVisit
    from slrt.proposals.models import Proposal
    from slrt.referrals.models import Referral

    if not object_id:
        return None
    if object_type == "case":
        return db.session.scalar(select(Case.beneficiary_id).where(Case.id == object_id))
    if object_type == "referral":
        return db.session.scalar(select(Case.beneficiary_id).join(Referral)
                                 .where(Referral.id == object_id))
    if object_type == "visit":
        return db.session.scalar(select(Case.beneficiary_id).join(
            OutreachVisit, OutreachVisit.case_id == Case.id).where(OutreachVisit.id == object_id))
    if object_type == "attachment":
        return db.session.scalar(select(Case.beneficiary_id).join(
            CaseAttachment, CaseAttachment.case_id == Case.id)
            .where(CaseAttachment.id == object_id))
    if object_type == "proposal":
        p = db.session.get(Proposal, object_id)
        if p is None:
            return None
        return p.person_id or (db.session.scalar(select(Person.id).where(Person.nik == p.nik))
                               if p.nik else None)
    if object_type == "registry":
        nik = db.session.scalar(select(RegistryRecord.nik).where(RegistryRecord.id == object_id))
        return db.session.scalar(select(Person.id).where(Person.nik == nik)) if nik else None
    return None


def label_of(object_type: str, object_id: int | None) -> str:
    if not object_type or not object_id:
        return ""

    class _E:  # the shape object_labels reads
        detail = {}

    e = _E()
    e.object_type, e.object_id = object_type, object_id
    return object_labels([e]).get((object_type, object_id), "")


def _object_of_request() -> tuple[str, int | None]:
    args = request.view_args or {}
    for key, kind in OBJECT_ARGS.items():
        if key in args:
            return kind, args[key]
    return "", None


def _remember_flash(sender, message, category, **extra):
    g.setdefault("audit_flashes", []).append((category, mask_digits(str(message))))


def _change_text(object_type: str, object_id, label: str, done: list[str]) -> str:
    if request.endpoint == "referrals.act" and object_type == "referral":
        from slrt.referrals.models import Referral

        referral = db.session.get(Referral, object_id)
        if referral is not None:
            return f"{label}: {referral.status_label.lower()}"
    text = "; ".join(done) or str(ENDPOINT_TEXT.get(request.endpoint or "", "Data diubah"))
    return f"{label}: {text}" if label and not text.startswith(label) else text


def init_app(app):
    """After slrt.common.errors.init_app: a 403 or 404 keeps its page and is logged."""
    message_flashed.connect(_remember_flash, app)
    before_commit(app, audit_change)

    def refused(code):
        refusal(code)
        return render_error(code)

    for code in (403, 404):
        app.register_error_handler(code, lambda e, code=code: refused(code))


def audit_change(response) -> None:
    """The audit entry of a change, written in the change's own transaction
    (the unit of work commits both or neither)."""
    if not (request.method == "POST" and request.endpoint not in NOT_CHANGES
            and current_user.is_authenticated and response.status_code in (302, 303)):
        return
    flashes = g.get("audit_flashes", [])
    errors = [m for c, m in flashes if c == "error"]
    done = [m for c, m in flashes if c == "success"]
    object_type, object_id = _object_of_request()
    label = label_of(object_type, object_id)
    person_id = person_of(object_type, object_id)
    if errors and not done:
        audit("ubah_ditolak", object_type=object_type, object_id=object_id,
              person_id=person_id, outcome="ditolak",
              detail={"objek": label, "rincian": "Ditolak: " + "; ".join(errors)},
              required=False)  # nothing changed: an answer matters more than its entry
    elif request.endpoint not in LOGGED_BY_SERVICE:
        text = _change_text(object_type, object_id, label, done)
        if errors:  # a bulk action: some went through, some did not
            text += "; tidak diproses: " + "; ".join(errors)
        audit("ubah", object_type=object_type, object_id=object_id,
              person_id=person_id, detail={"objek": label, "rincian": text})


def refusal(code: int) -> None:
    """Log a 403 or 404 for a signed-in user (an attempt outside their scope)."""
    if not current_user.is_authenticated:
        return
    try:
        db.session.rollback()
        object_type, object_id = _object_of_request()
        label = label_of(object_type, object_id)
        audit("ditolak", outcome=str(code), object_type=object_type if label else "",
              object_id=object_id if label else None,
              person_id=person_of(object_type, object_id) if label else None,
              detail={"objek": label,
                      "rincian": "Tanpa izin untuk halaman ini" if code == 403 else
                      "Tidak ada, atau di luar wilayah tugas",
                      "path": request.path[:200]},
              commit=True)
    except Exception:
        db.session.rollback()
