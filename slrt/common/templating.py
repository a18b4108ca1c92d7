"""Jinja filters and globals: WIB dates with Indonesian month names."""

from __future__ import annotations

from slrt.common import time as t
from slrt.common.permissions import regency_of, template_can
from slrt.identity import mask_nik
from slrt.regions.codes import region_name
from slrt.regions.queries import regency_name


def regency_name_of(code: str | None) -> str:
    """'Kabupaten Batanghari' for a village, district or regency code of it;
    'Provinsi Jambi' for a province's code (a province supervisor's). The
    names are kept per process: no query per page."""
    if code and "." not in code:
        name = region_name(code)
        return f"Provinsi {name.title()}" if name else ""
    return regency_name(regency_of(code))


def init_app(app):
    app.jinja_env.filters["tanggal"] = t.format_date_id
    app.jinja_env.filters["waktu"] = t.format_datetime_id
    app.jinja_env.filters["periode"] = t.format_period_id
    app.jinja_env.filters["angka"] = t.format_number_id
    app.jinja_env.filters["sel"] = t.format_cell_id
    app.jinja_env.filters["mask_nik"] = mask_nik
    app.jinja_env.globals["now_utc"] = t.now_utc
    app.jinja_env.globals["can"] = template_can
    app.jinja_env.globals["regency_name"] = regency_name_of
    app.jinja_env.globals["period_age_months"] = t.period_age_months
    app.jinja_env.globals["STALE_AFTER_MONTHS"] = t.STALE_AFTER_MONTHS
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def form_page(template: str, form, **context):
    """The page of a form, answered 422 when the form was refused (what a script,
    a test or the browser's history sees) and 200 otherwise."""
    from flask import render_template

    return render_template(template, form=form, **context), (422 if form.errors else 200)
