"""Idempotency-Key: a request retried after a lost answer gets the first
answer and creates nothing twice. The key belongs to the caller; the same key
with another body is refused (422), never answered with the other request's
result. Callers on both engines take turns on the key (write_lock)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import wraps

from flask import Response, json, request
from flask_babel import gettext as _
from sqlalchemy import delete, select

from slrt.api.core import ApiError, audit_call, caller
from slrt.api.models import IdempotentRequest
from slrt.common.time import now_utc
from slrt.extensions import db
from slrt.platform.db import write_lock

HEADER = "Idempotency-Key"
# How long a key is remembered: a retry comes within minutes or hours, not weeks.
KEPT = timedelta(days=30)


def _json_response(body: dict, status: int, replayed: bool = False) -> Response:
    resp = Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/json")
    resp.headers["Cache-Control"] = "no-store"
    if replayed:
        resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _body_digest() -> bytes:
    """What the key compares: the JSON body, or a multipart body's fields and files."""
    if request.mimetype != "multipart/form-data":
        return json.dumps(request.get_json(silent=True), sort_keys=True).encode()
    h = hashlib.sha256()
    for key, value in sorted(request.form.items(multi=True)):
        h.update(f"{key}={value}\n".encode())
    for key, f in sorted(request.files.items(multi=True), key=lambda kv: kv[0]):
        h.update(f"{key}:{hashlib.sha256(f.read()).hexdigest()}\n".encode())
        f.seek(0)
    return h.hexdigest().encode()


def idempotent(view):
    """For a view returning (JSON-ready body, status)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            body, status = view(*args, **kwargs)
            return _json_response(body, status)
        key = key.strip()
        if not key or len(key) > 200 or not key.isascii() or not key.isprintable():
            message = _("Idempotency-Key berisi 1-200 karakter ASCII yang dapat dicetak.")
            raise ApiError(422, message, errors=[{"field": HEADER, "message": message}])
        who = caller().key
        digest = hashlib.sha256(
            f"{request.method} {request.path}\n".encode() + _body_digest()).hexdigest()
        write_lock(db.session, f"api-idempotency:{who}:{key}")
        row = db.session.scalar(select(IdempotentRequest).where(
            IdempotentRequest.caller == who, IdempotentRequest.key == key))
        if row is not None:
            if row.request_hash != digest:
                message = _("Idempotency-Key ini sudah dipakai untuk permintaan lain; "
                            "pakai kunci baru untuk pengaduan baru.")
                raise ApiError(422, message, errors=[{"field": HEADER, "message": message}])
            audit_call("api", rincian="Jawaban pertama dikirim ulang (Idempotency-Key)")
            return _json_response(row.body, row.status_code, replayed=True)
        body, status = view(*args, **kwargs)
        now = now_utc()
        db.session.execute(delete(IdempotentRequest).where(
            IdempotentRequest.created_at < now - KEPT))
        db.session.add(IdempotentRequest(caller=who, key=key, request_hash=digest,
                                         status_code=status, body=body, created_at=now))
        return _json_response(body, status)

    return wrapped
