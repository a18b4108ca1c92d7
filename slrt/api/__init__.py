"""The JSON API under /api/v1: a door onto the same services as the pages.

docs/api.md tells how to use it; docs/architecture.md where it stands. The
resources live in their own modules; this package wires them into the app:
the OpenAPI spec (flask-smorest), no CSRF (a bearer token, never a cookie,
authenticates a call), no login-page gate, problem documents for every
error on an /api/ path, and the audit entry of every call in its unit of
work.
"""

from __future__ import annotations

API_VERSION = "v1"


def init_app(app) -> None:
    """After the pages' error handlers and the audit hooks are registered."""
    from slrt.api import (
        auth_views,
        complaints,
        docs,
        field,
        outreach,
        proposals,
        referrals,
        registry,
        reports,
        webhooks,  # noqa: F401 - connects the case signal, registers the sender
    )
    from slrt.api.core import SlrtApi, blueprint_names, problem_outside_blueprints, write_call_audit
    from slrt.api.views import bp as admin_bp
    from slrt.auth.setup import authenticates_itself
    from slrt.extensions import csrf
    from slrt.platform.unit_of_work import before_commit

    app.config.setdefault("API_TITLE", "SLRT API")
    app.config.setdefault("API_VERSION", API_VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    api = SlrtApi(app, spec_kwargs={
        "info": {"description": "API SLRT untuk sistem desa, gerbang dan aplikasi lapangan. "
                                "Panduan: docs/api.md."},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    })
    app.extensions["slrt.api"] = api
    for bp in (auth_views.bp, auth_views.bp_session, registry.bp, complaints.bp,
               referrals.bp, outreach.bp, field.bp, proposals.bp, reports.bp):
        api.register_blueprint(bp)
        csrf.exempt(bp)
        blueprint_names(app).add(bp.name)
    app.register_blueprint(docs.bp)
    app.register_blueprint(admin_bp)
    authenticates_itself(app, "/api/")
    before_commit(app, write_call_audit)
    problem_outside_blueprints(app)
