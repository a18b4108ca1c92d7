"""Response headers: a strict CSP (no inline script), no sniffing, no framing,
no caching of pages that carry personal data."""

from __future__ import annotations

from flask import Request, current_app, request
from flask_login import current_user

CSP = ("default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
       "form-action 'self'")


# Endpoints that take files larger than MAX_CONTENT_LENGTH, and the setting
# that holds their own limit (checked before the body is read, like the other).
LARGE_UPLOADS = {"dtks.imports": "DTKS_UPLOAD_MAX_BYTES"}


class SlrtRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        rule = self.url_rule
        if rule is not None and rule.endpoint in LARGE_UPLOADS:
            return current_app.config[LARGE_UPLOADS[rule.endpoint]]
        return super().max_content_length


def init_app(app):
    app.request_class = SlrtRequest

    @app.after_request
    def security_headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static" and current_user and current_user.is_authenticated:
            h["Cache-Control"] = "no-store"
        return response
