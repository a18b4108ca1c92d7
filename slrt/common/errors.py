"""Domain errors and the Indonesian error pages."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule said no; the message is for a village operator."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The acting user's role may not take this action at all (the permission
    table said no): a page answers 403, the API a 403 problem document."""

    api_status = 403


ERROR_PAGES = {
    400: (_l("Permintaan tidak dapat diproses"),
          _l("Data yang dikirim tidak lengkap atau tidak sah.")),
    403: (_l("Akses ditolak"), _l("Anda tidak berwenang membuka halaman ini.")),
    404: (_l("Halaman tidak ditemukan"),
          _l("Alamat yang Anda buka tidak ada atau di luar wilayah Anda.")),
    405: (_l("Metode tidak diizinkan"), _l("Halaman ini tidak dapat dibuka dengan cara tersebut.")),
    413: (_l("Berkas terlalu besar"), _l("Ukuran berkas melebihi batas yang diizinkan.")),
    500: (_l("Terjadi kesalahan pada sistem"),
          _l("Maaf, ada kesalahan di server. Data Anda tidak disimpan sebagian: silakan coba "
             "lagi. Bila berulang, hubungi admin Dinas Sosial.")),
}


def render_error(code: int, detail: str | None = None):
    title, message = ERROR_PAGES[code]
    return render_template("errors/error.html", code=code, title=title,
                           message=detail or message), code


def _same_site_referrer() -> str | None:
    ref = request.referrer
    if not ref:
        return None
    parts = urlsplit(ref)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_error(
            400,
            "Formulir sudah kedaluwarsa atau tidak sah (token keamanan hilang). "
            "Muat ulang halaman lalu kirim lagi.",
        )

    # 403 and 404 are logged as refusals by the audit log (slrt/audit/hooks.py).
    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, lambda e, code=code: render_error(code))

    @app.errorhandler(NotAllowed)
    def not_allowed(e):
        """A service refused the role (the page's own guard normally comes first)."""
        from slrt.extensions import db

        db.session.rollback()
        return render_error(403)

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def concurrent_change(e):
        """Two people saved the same thing at once: nothing is overwritten, say so."""
        from slrt.extensions import db

        db.session.rollback()
        log.warning("concurrent change refused: %s", type(e).__name__)
        flash("Data ini baru saja diubah oleh pengguna lain; perubahan Anda tidak disimpan "
              "agar tidak menimpa. Periksa lalu ulangi.", "error")
        return redirect(_same_site_referrer() or url_for("main.index"))

    @app.errorhandler(DataError)
    def unstorable_input(e):
        """Input the database cannot hold (a NUL byte, a number out of range): 400."""
        from slrt.extensions import db

        db.session.rollback()
        log.warning("unstorable input refused: %s", type(e.orig).__name__ if e.orig else e)
        return render_error(400, "Isian mengandung karakter atau nilai yang tidak dapat "
                                 "disimpan. Periksa isian lalu kirim lagi.")

    @app.errorhandler(500)
    def server_error(e):
        from slrt.extensions import db

        db.session.rollback()
        return render_error(500)
