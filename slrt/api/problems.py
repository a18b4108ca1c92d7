"""Errors of the API as RFC 9457 problem documents (application/problem+json).

    {"type": ".../problems/validasi", "title": "Isian tidak sah", "status": 422,
     "detail": "...", "errors": [{"field": "nik", "message": "..."}]}

Every message is in Indonesian and, where it belongs to a field, names it.
No input gives a 500: what the parser, the services or the database refuse
is answered here.
"""

from __future__ import annotations

import logging

from flask import Response, json, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/problems/"

# status -> (type slug, title)
TITLES = {
    400: ("permintaan-tidak-sah", _l("Permintaan tidak sah")),
    401: ("tidak-terautentikasi", _l("Token tidak ada atau tidak sah")),
    403: ("ditolak", _l("Akses ditolak")),
    404: ("tidak-ditemukan", _l("Tidak ditemukan")),
    405: ("metode-tidak-diizinkan", _l("Metode tidak diizinkan")),
    409: ("konflik", _l("Konflik dengan keadaan data")),
    413: ("terlalu-besar", _l("Permintaan terlalu besar")),
    415: ("jenis-isi-salah", _l("Jenis isi tidak didukung")),
    422: ("validasi", _l("Isian tidak sah")),
    429: ("terlalu-sering", _l("Terlalu banyak permintaan")),
    500: ("kesalahan-server", _l("Terjadi kesalahan pada sistem")),
    503: ("sibuk", _l("Layanan sedang sibuk")),
}
DETAILS = {
    400: _l("Permintaan tidak dapat dibaca."),
    401: _l("Sertakan header Authorization: Bearer <token> yang masih berlaku."),
    403: _l("Peran atau token Anda tidak berwenang untuk tindakan ini."),
    404: _l("Alamat atau data tidak ada, atau di luar wilayah tugas Anda."),
    405: _l("Alamat ini tidak menerima metode tersebut."),
    409: _l("Data ini baru saja diubah; muat ulang lalu ulangi."),
    413: _l("Ukuran permintaan melebihi batas."),
    415: _l("Kirim isi permintaan sebagai application/json."),
    422: _l("Periksa isian yang disebut pada daftar errors."),
    429: _l("Batas permintaan klien ini terlampaui; coba lagi sebentar lagi."),
    500: _l("Maaf, ada kesalahan di server; tidak ada yang disimpan. Coba lagi."),
    503: _l("Basis data sedang sibuk; tidak ada yang disimpan. Coba lagi sebentar lagi."),
}

# What marshmallow and webargs say, as a village operator reads it.
MESSAGES = {
    "Missing data for required field.": _l("Wajib diisi."),
    "Field may not be null.": _l("Tidak boleh kosong (null)."),
    "Not a valid string.": _l("Harus berupa teks."),
    "Not a valid integer.": _l("Harus berupa bilangan bulat."),
    "Not a valid number.": _l("Harus berupa angka."),
    "Not a valid boolean.": _l("Harus true atau false."),
    "Not a valid date.": _l("Bukan tanggal yang sah (TTTT-BB-HH)."),
    "Not a valid datetime.": _l("Bukan waktu yang sah (ISO 8601)."),
    "Not a valid list.": _l("Harus berupa daftar."),
    "Not a valid mapping type.": _l("Harus berupa objek JSON."),
    "Invalid input type.": _l("Harus berupa objek JSON."),
    "Unknown field.": _l("Isian tidak dikenal."),
    "Invalid value.": _l("Nilai tidak sah."),
    "Invalid JSON body.": _l("Isi permintaan bukan JSON yang sah."),
    "Must be one of: ": _l("Pilihan tidak dikenal."),
    "Shorter than minimum length": _l("Terlalu pendek."),
    "Longer than maximum length": _l("Terlalu panjang."),
    "Must be greater than or equal to": _l("Nilai di luar rentang yang diizinkan."),
    "Must be less than or equal to": _l("Nilai di luar rentang yang diizinkan."),
    "Length must be between": _l("Panjang isian tidak sah."),
}


def indonesian(message: str) -> str:
    message = str(message)
    if message in MESSAGES:
        return str(MESSAGES[message])
    for start, text in MESSAGES.items():
        if message.startswith(start):
            return str(text)
    if message.isascii() and message[:1].isupper() and " " in message and (
            message.startswith(("Not ", "Invalid ", "Must ", "Missing ", "Unknown "))):
        return _("Isian tidak sah.")
    return message


def field_errors(messages, prefix: str = "") -> list[dict]:
    """webargs' nested {"json": {"field": ["msg"]}} as a flat list with field names."""
    out: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("json", "query", "headers", "form", "files") and not prefix:
                out += field_errors(value, "")
            elif key == "_schema":
                out += field_errors(value, prefix)
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
                out += field_errors(value, name)
    elif isinstance(messages, (list, tuple)):
        for m in messages:
            out += field_errors(m, prefix)
    else:
        out.append({"field": prefix or None, "message": indonesian(messages)})
    return out


def problem(status: int, detail: str | None = None, *, errors: list[dict] | None = None,
            headers: dict | None = None, **extra) -> Response:
    slug, title = TITLES.get(status, TITLES[400 if status < 500 else 500])
    body = {"type": TYPE_BASE + slug, "title": str(title), "status": status,
            "detail": str(detail or DETAILS.get(status, title)), "instance": request.path[:300]}
    if errors:
        body["errors"] = errors
    body.update(extra)
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    resp.headers["Cache-Control"] = "no-store"
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="slrt"'
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def domain_problem(e, status: int = 422) -> Response:
    """A rule of a service said no: its message, next to its field."""
    return problem(status, e.message, errors=[{"field": e.field, "message": e.message}])


def from_http_exception(e: HTTPException) -> Response:
    code = e.code or 500
    data = getattr(e, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    errors = field_errors(messages) if messages else None
    headers = dict(data.get("headers") or {})
    if code == 405 and getattr(e, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(e.valid_methods))
    detail = data.get("message") if isinstance(data.get("message"), str) else None
    if code == 400 and errors:
        detail = errors[0]["message"]
    return problem(code if code in TITLES else (400 if code < 500 else 500), detail,
                   errors=errors, headers=headers)
