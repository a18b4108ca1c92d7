"""Request-level audit: every change that went through, every refusal."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from slrt.audit.services import audit
from slrt.extensions import db

# POSTs that are reads or are logged by their own view.
NOT_CHANGES = frozenset({"auth.login", "auth.logout", "cases.index", "dtks.check",
                         "audit.pdp", "cases.register"})
OBJECT_ARGS = {"case_id": "case", "referral_id": "referral", "proposal_id": "proposal",
               "musdes_id": "musdes", "record_id": "registry", "user_id": "user"}


def _person_of(object_type: str, object_id: int) -> int | None:
    from slrt.cases.models import Case
    from slrt.referrals.models import Referral

    if object_type == "case":
        return db.session.scalar(db.select(Case.beneficiary_id).where(Case.id == object_id))
    if object_type == "referral":
        return db.session.scalar(db.select(Case.beneficiary_id).join(Referral)
                                 .where(Referral.id == object_id))
    return None


def init_app(app):
    @app.after_request
    def audit_changes(response):
        if (request.method == "POST" and request.endpoint not in NOT_CHANGES
                and current_user.is_authenticated and response.status_code in (302, 303)):
            args = request.view_args or {}
            object_type, object_id = "", None
            for key, kind in OBJECT_ARGS.items():
                if key in args:
                    object_type, object_id = kind, args[key]
                    break
            try:
                audit("ubah", object_type=object_type, object_id=object_id,
                      person_id=_person_of(object_type, object_id) if object_id else None,
                      detail={"endpoint": request.endpoint,
                              "aksi": request.form.get("action") or request.form.get("step")
                              or request.form.get("bulk_action") or ""},
                      commit=True)
            except Exception:  # the change is already committed; never turn it into a 500
                db.session.rollback()
                app.logger.exception("audit entry not written")
        return response


def refusal(code: int) -> None:
    """Log a 403 or 404 for a signed-in user (an attempt outside their scope)."""
    if not current_user.is_authenticated:
        return
    try:
        db.session.rollback()
        audit("ditolak", outcome=str(code),
              detail={"endpoint": request.endpoint or "", "path": request.path[:200]},
              commit=True)
    except Exception:
        db.session.rollback()
