"""Jinja filters and globals: WIB dates with Indonesian month names."""

from __future__ import annotations

from slrt.common import time as t


def mask_nik(value: str | None) -> str:
    if not value:
        return ""
    return f"{value[:6]}******{value[-4:]}" if len(value) == 16 else value


def init_app(app):
    app.jinja_env.filters["tanggal"] = t.format_date_id
    app.jinja_env.filters["waktu"] = t.format_datetime_id
    app.jinja_env.filters["periode"] = t.format_period_id
    app.jinja_env.filters["mask_nik"] = mask_nik
    app.jinja_env.globals["now_utc"] = t.now_utc
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
