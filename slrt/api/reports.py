"""Reports as JSON: the registry recap per village (seed Table 1.4) and the
case report of a period, from the same queries as the report pages and their
CSV/XLSX files (slrt.reports.queries), so the figures never disagree."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask_babel import gettext as _

from slrt.api.core import ApiError, audit_call, blueprint, caller, text
from slrt.common.permissions import can, regency_of, regency_scope
from slrt.common.time import today_wib
from slrt.reports.queries.case_report import case_report, report_tables
from slrt.reports.queries.dates import month_start
from slrt.reports.queries.registry_recap import dtks_recap
from slrt.reports.queries.scopes import narrow, scope_for

bp = blueprint("api_reports", "/reports", "Laporan: rekap DTKS dan laporan kasus")


class RecapArgs(ma.Schema):
    kecamatan = ma.fields.String(required=True, validate=ma.validate.Regexp(
        r"^\d{2}\.\d{2}\.\d{2}$"), metadata={"example": "15.04.03"})
    period = ma.fields.String(required=True, validate=ma.validate.Regexp(
        r"^\d{4}-(0[1-9]|1[0-2])$"), metadata={"example": "2022-07"})


class RecapRow(ma.Schema):
    village_code = ma.fields.String(required=True)
    village = ma.fields.String(required=True)
    individuals = ma.fields.Integer(required=True)
    households = ma.fields.Integer(required=True)


class RecapOut(ma.Schema):
    kecamatan = ma.fields.String(required=True)
    period = ma.fields.String(required=True)
    villages = ma.fields.List(ma.fields.Nested(RecapRow), required=True)
    total_individuals = ma.fields.Integer(required=True)
    total_households = ma.fields.Integer(required=True)


class CaseReportArgs(ma.Schema):
    date_from = ma.fields.Date(metadata={"description": "Awal periode (bawaan: awal bulan ini)"})
    date_to = ma.fields.Date(metadata={"description": "Akhir periode (bawaan: hari ini)"})
    village = text(13)
    program = text(20)


class Table(ma.Schema):
    title = ma.fields.String(required=True)
    columns = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "Kode tiap kolom (seperti kolom `kolom` berkas CSV)"})
    header = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "Judul tiap kolom seperti di halaman laporan"})
    rows = ma.fields.List(ma.fields.List(ma.fields.Raw()), required=True, metadata={
        "description": "Tiap baris: kodenya (kategori, program, ukuran ringkasan), lalu "
                       "selnya seperti halaman laporan dan berkas XLSX-nya; sel kosong null"})


def _cell(value):
    return value.isoformat() if isinstance(value, date) else value


def _json_table(table) -> dict:
    return {"title": table.title, "columns": [code for code, _label in table.columns],
            "header": table.labels,
            "rows": [[code, *map(_cell, cells)] for code, cells in table.rows]}


class CaseReportOut(ma.Schema):
    date_from = ma.fields.Date(required=True)
    date_to = ma.fields.Date(required=True)
    scope = ma.fields.String(required=True)
    total = ma.fields.Integer(required=True)
    resolved = ma.fields.Integer(required=True)
    median_days = ma.fields.Float(allow_none=True)
    p90_days = ma.fields.Float(allow_none=True)
    desk = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    by_month_category = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Dict(keys=ma.fields.String(),
                                                        values=ma.fields.Integer()),
        required=True)
    tables = ma.fields.List(ma.fields.Nested(Table), required=True)


@bp.get("/registry-recap")
@bp.arguments(RecapArgs, location="query")
@bp.response(200, RecapOut)
def registry_recap(args):
    """Rekap DTKS per desa satu kecamatan pada satu periode: individu dan keluarga."""
    if not can(caller().user, "report.recap"):
        raise ApiError(403)
    kecamatan = args["kecamatan"]
    if regency_of(kecamatan) not in regency_scope(caller().user):
        raise ApiError(404, _("Kecamatan di luar kabupaten ini."))
    rows = dtks_recap(kecamatan, args["period"])
    audit_call("api", laporan="rekap_dtks", kecamatan=kecamatan, periode=args["period"])
    return {"kecamatan": kecamatan, "period": args["period"],
            "villages": [{"village_code": c, "village": n, "individuals": i, "households": k}
                         for c, n, i, k in rows],
            "total_individuals": sum(r[2] for r in rows),
            "total_households": sum(r[3] for r in rows)}


@bp.get("/cases")
@bp.arguments(CaseReportArgs, location="query")
@bp.response(200, CaseReportOut)
def cases(args):
    """Laporan kasus satu periode dalam cakupan Anda: per kategori, desa, saluran,
    bulan, penyelesaian di desa, lama penyelesaian, rujukan per program, usulan."""
    user = caller().user
    if not can(user, "report.view"):
        raise ApiError(403)
    today = today_wib()
    start, end = args.get("date_from") or month_start(today), args.get("date_to") or today
    if end < start:
        start, end = end, start
    if not date(2000, 1, 1) <= start <= end <= date(2100, 1, 1):
        message = _("Periode di luar 2000-2100.")
        raise ApiError(422, message, errors=[{"field": "date_from", "message": message}])
    scope = narrow(scope_for(user), args.get("village", ""), args.get("program", ""))
    r = case_report(scope, start, end, today)
    audit_call("api", laporan="kasus", dari=start.isoformat(), sampai=end.isoformat())
    return {"date_from": start, "date_to": end, "scope": scope.label, "total": r.total,
            "resolved": r.resolved, "median_days": r.median_days, "p90_days": r.p90_days,
            "desk": r.desk, "by_month_category": r.by_month_category,
            "tables": [_json_table(t) for t in report_tables(r)]}
