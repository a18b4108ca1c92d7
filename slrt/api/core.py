"""What every resource of the API stands on: the bearer token, the throttle,
the audit entry of each call, opaque ids, JSON text fields that any database
can store, and the problem documents of every error.

A resource module makes its blueprint with `blueprint()` and calls the same
services as the pages, with `caller().user` as the acting user.
"""

from __future__ import annotations

import logging
import threading
import time
from types import SimpleNamespace

import marshmallow as ma
from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import Api, Blueprint
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse as parse_limit
from limits import storage as limit_storage
from limits import strategies
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from slrt.api import problems
from slrt.api.services import Caller, caller_for
from slrt.audit.services import audit
from slrt.common.errors import DomainError
from slrt.common.time import now_utc
from slrt.extensions import db

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
_NAMES = "slrt.api.blueprints"
_LIMITER = "slrt.api.limiter"


class FieldError(ma.Schema):
    field = ma.fields.String(allow_none=True, required=True)
    message = ma.fields.String(required=True)


class ProblemSchema(ma.Schema):
    """RFC 9457; a conflict may add `current` (the object as it is now)."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    instance = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(FieldError))
    current = ma.fields.Dict(metadata={
        "description": "409 karena versi usang: kasus atau rujukan sebagaimana sekarang"})
    existing_case = ma.fields.String(metadata={
        "description": "409 karena pengaduan ganda: id kasus terbuka yang sudah ada"})


class SlrtApi(Api):
    """flask-smorest for the spec and the parsing; the errors are ours, and
    only for the API's paths (the pages keep their Indonesian error pages)."""

    def _register_error_handlers(self):
        return None

    def _register_doc_blueprint(self):
        return None  # the spec and its page are served by slrt.api.docs

    def _register_responses(self):
        """Every error response in the spec is a problem document."""
        import http

        from flask_smorest.utils import prepare_response

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, problems.MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Dokumen masalah (RFC 9457)", "schema": ProblemSchema}
        prepare_response(response, self.spec, problems.MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = SlrtApi()


def blueprint(name: str, url_prefix: str, description: str, *, public: bool = False
              ) -> Blueprint:
    """A resource's blueprint: token required (unless public), throttled, audited."""
    bp = Blueprint(name, __name__, url_prefix=PREFIX + url_prefix, description=description)
    if not public:
        bp.before_request(authenticate)
    bp.before_request(_json_only)
    bp.after_request(_no_store)
    for exc in (HTTPException, DomainError, StaleDataError, IntegrityError, DataError,
                OperationalError, UnicodeError, Exception):
        bp.register_error_handler(exc, handle_error)
    return bp


def blueprint_names(app) -> set[str]:
    return app.extensions.setdefault(_NAMES, set())


# ------------------------------------------------------------------ who calls

def caller() -> Caller:
    return g.api_caller


def authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    now = now_utc()
    found = caller_for(token.strip(), now=now) if scheme.lower() == "bearer" else None
    if found is None:
        raise ApiError(401)
    g.api_caller = found
    throttle(found)
    return None


def _no_store(response):
    """An answer of the API is about residents: no cache keeps it."""
    response.headers["Cache-Control"] = "no-store"
    return response


def accepts_form(view):
    """A view that also takes multipart/form-data (a photo from the field app)."""
    view.slrt_accepts_form = True
    return view


def _json_only():
    """A body that is sent must be JSON; anything else is a 415, not a guess."""
    if request.method in ("POST", "PUT", "PATCH") and request.content_length != 0 and (
            request.content_length or request.headers.get("Transfer-Encoding")):
        view = current_app.view_functions.get(request.endpoint)
        if request.mimetype == "multipart/form-data" and _takes_form(view):
            return None
        if not request.is_json:
            raise ApiError(415)
    return None


def _takes_form(view) -> bool:
    while view is not None:
        if getattr(view, "slrt_accepts_form", False):
            return True
        view = getattr(view, "__wrapped__", None)
    return False


class LocalWindow:
    """A fixed window per key in this process's memory, with the interface of
    `limits`' FixedWindowRateLimiter that throttle() uses. limits' own memory
    storage starts a thread to expire its keys on nearly every hit: 2-4 ms of
    each call on a busy machine (bench/api.py); a shared storage (a redis://
    URI, for several workers) still goes through limits."""

    def __init__(self):
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def _window(self, item, key: str, now: float) -> tuple[float, int]:
        start, count = self._windows.get(key, (0.0, 0))
        if now >= start + item.get_expiry():
            start, count = now, 0
        return start, count

    def hit(self, item, *identifiers) -> bool:
        key, now = ":".join(identifiers), time.time()
        with self._lock:
            if len(self._windows) > 10_000:  # forget the windows that ended
                self._windows = {k: v for k, v in self._windows.items()
                                 if now < v[0] + item.get_expiry()}
            start, count = self._window(item, key, now)
            if count >= item.amount:
                self._windows[key] = (start, count)
                return False
            self._windows[key] = (start, count + 1)
            return True

    def get_window_stats(self, item, *identifiers):
        key, now = ":".join(identifiers), time.time()
        with self._lock:
            start, count = self._window(item, key, now)
        return SimpleNamespace(reset_time=start + item.get_expiry(),
                               remaining=max(0, item.amount - count))


def throttle(found: Caller) -> None:
    """A fixed window per client (or per person, for a personal token)."""
    cfg = current_app.config
    spec = (cfg.get("SLRT_API_RATE_LIMIT", "300/minute"),
            cfg.get("SLRT_API_RATE_STORAGE", "memory://"))
    cached = current_app.extensions.get(_LIMITER)
    if cached is None or cached[0] != spec:
        if spec[1] == "memory://":
            limiter = LocalWindow()
        else:
            limiter = strategies.FixedWindowRateLimiter(limit_storage.storage_from_string(spec[1]))
        cached = (spec, limiter, parse_limit(spec[0]))
        current_app.extensions[_LIMITER] = cached
    _spec, limiter, item = cached
    if not limiter.hit(item, "slrt-api", found.key):
        reset = limiter.get_window_stats(item, "slrt-api", found.key).reset_time
        wait = max(1, int(reset - now_utc().timestamp()) + 1)
        raise ApiError(429, headers={"Retry-After": str(wait)})


# ------------------------------------------------------------------ audit

def audit_call(action: str, *, object_type: str = "", object_id: int | None = None,
               person_id: int | None = None, **detail) -> None:
    """The audit entry of this call, written with its change (or its reading)
    in the request's transaction; the client's name is in every entry."""
    g.api_audit = dict(action=action, object_type=object_type, object_id=object_id,
                       person_id=person_id, detail=detail)


def write_call_audit(response) -> None:
    """Before the commit of a call that went through (slrt.platform.unit_of_work)."""
    found = g.get("api_caller")
    if found is None or request.blueprint not in blueprint_names(current_app):
        return
    entry = g.pop("api_audit", None) or dict(action="api", detail={})
    detail = {"klien": found.name, "api": f"{request.method} {request.path[:200]}",
              **entry.pop("detail")}
    audit(entry.pop("action"), user=found.user, detail=detail, **entry)


def _audit_refusal(status: int) -> None:
    found = g.get("api_caller")
    if found is None:
        return
    entry = g.pop("api_audit", None) or {}
    try:
        audit("ditolak" if status in (403, 404) else "ubah_ditolak", user=found.user,
              outcome=str(status), object_type=entry.get("object_type", ""),
              object_id=entry.get("object_id"),
              detail={"klien": found.name, "api": f"{request.method} {request.path[:200]}",
                      "rincian": "Ditolak melalui API"},
              commit=True, required=False)
    except Exception:  # an answer matters more than the entry of a refusal
        db.session.rollback()
        log.warning("audit entry of an API refusal not written", exc_info=True)


# ------------------------------------------------------------------ errors

class ApiError(HTTPException):
    """An HTTP error with a problem document's detail and field errors."""

    def __init__(self, status: int, detail: str | None = None, *, errors=None, headers=None,
                 **extra):
        super().__init__(detail)
        self.code = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extra = extra


def handle_error(e):
    db.session.rollback()
    if isinstance(e, ApiError):
        resp = problems.problem(e.code, e.detail, errors=e.errors, headers=e.headers, **e.extra)
    elif isinstance(e, DomainError):
        status = getattr(e, "api_status", 422)
        resp = problems.domain_problem(e, status)
    elif isinstance(e, HTTPException):
        resp = problems.from_http_exception(e)
    elif isinstance(e, StaleDataError | IntegrityError):
        log.warning("concurrent change refused through the API: %s", type(e).__name__)
        resp = problems.problem(409)
    elif isinstance(e, DataError | UnicodeError):
        resp = problems.problem(422, _("Isian mengandung karakter atau nilai yang tidak "
                                       "dapat disimpan."))
    elif isinstance(e, OperationalError):
        log.warning("database busy or unavailable for an API call: %s", e)
        resp = problems.problem(503, headers={"Retry-After": "5"})
    else:
        log.exception("unexpected error in an API call")
        resp = problems.problem(500)
    if resp.status_code in (403, 404, 409, 422):
        _audit_refusal(resp.status_code)
    return resp


def problem_outside_blueprints(app) -> None:
    """The app's own error pages answer an /api/ path with a problem document
    too (a 404 or 405 found before any blueprint, a 413 of the body's size)."""
    spec = app.error_handler_spec.setdefault(None, {})
    for code in list(spec):
        if code is None:
            continue
        for cls, handler in list(spec[code].items()):
            spec[code][cls] = _for_api_paths(handler)


def _for_api_paths(handler):
    """Flask prefers the app's handler of a status code to a blueprint's handler
    of an exception class: on an /api/ path, the API's handler answers."""

    def wrapped(e):
        if request.path.startswith("/api/"):
            return handle_error(e)
        return handler(e)

    return wrapped


# ------------------------------------------------------------------ ids

def public_id(kind: str, number: int) -> str:
    """An opaque id for an object: signed, so ids cannot be counted through."""
    return URLSafeSerializer(current_app.secret_key, salt=f"slrt-api:{kind}").dumps(number)


def parse_public_id(kind: str, text: str) -> int:
    """The object's id, or a 404 (never a hint whether the object exists)."""
    if not text or len(text) > 100:
        raise ApiError(404)
    try:
        number = URLSafeSerializer(current_app.secret_key, salt=f"slrt-api:{kind}").loads(text)
    except (BadSignature, UnicodeError, ValueError):
        raise ApiError(404) from None
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise ApiError(404)
    return number


# ------------------------------------------------------------------ fields

class Text(ma.fields.String):
    """A string any database can keep: no NUL byte, no lone surrogate."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ma.ValidationError(_("Isian tidak boleh memuat karakter NUL."))
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ma.ValidationError(_("Isian memuat karakter Unicode yang tidak sah.")) from None
        return text


def text(max_length: int, *, required: bool = False, **kw) -> Text:
    return Text(required=required, validate=ma.validate.Length(
        max=max_length, error=_l("Paling banyak %(n)d karakter.", n=max_length)), **kw)
