"""The OpenAPI document, its page (Swagger UI served from our own static
files: no CDN)."""

from __future__ import annotations

from flask import current_app, render_template

from slrt.api.core import blueprint

bp = blueprint("api", "", "Dokumen OpenAPI dan halamannya", public=True)

# Swagger UI sets styles from its script and shows data: images.
DOCS_CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


@bp.get("/openapi.json")
@bp.doc(hide=True)
def openapi():
    return current_app.extensions["slrt.api"].spec.to_dict()


@bp.get("/docs")
@bp.doc(hide=True)
def docs():
    resp = current_app.make_response(render_template("api/docs.html"))
    resp.headers["Content-Security-Policy"] = DOCS_CSP
    return resp
