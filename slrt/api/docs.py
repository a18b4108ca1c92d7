"""The OpenAPI document and its page (Swagger UI served from our own static
files: no CDN). Public, like the pages' login form; not in the spec itself."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from slrt.api.core import PREFIX

bp = Blueprint("api", __name__, url_prefix=PREFIX)

# Swagger UI sets styles from its script and shows data: images.
DOCS_CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


@bp.get("/openapi.json")
def openapi():
    return current_app.extensions["slrt.api"].spec.to_dict()


@bp.get("/docs")
def docs():
    resp = current_app.make_response(render_template("api/docs.html"))
    resp.headers["Content-Security-Policy"] = DOCS_CSP
    return resp
