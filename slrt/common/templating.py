"""Jinja filters and globals: WIB dates with Indonesian month names."""

from __future__ import annotations

from slrt.common import time as t
from slrt.common.permissions import template_can
from slrt.identity import mask_nik


def init_app(app):
    app.jinja_env.filters["tanggal"] = t.format_date_id
    app.jinja_env.filters["waktu"] = t.format_datetime_id
    app.jinja_env.filters["periode"] = t.format_period_id
    app.jinja_env.filters["angka"] = t.format_number_id
    app.jinja_env.filters["sel"] = t.format_cell_id
    app.jinja_env.filters["mask_nik"] = mask_nik
    app.jinja_env.globals["now_utc"] = t.now_utc
    app.jinja_env.globals["can"] = template_can
    app.jinja_env.globals["period_age_months"] = t.period_age_months
    app.jinja_env.globals["STALE_AFTER_MONTHS"] = t.STALE_AFTER_MONTHS
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
