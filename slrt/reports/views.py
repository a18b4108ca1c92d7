"""Report pages and exports. Figures come only from slrt.reports.queries."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user

from slrt.audit.services import audit
from slrt.common.exports import to_csv, to_xlsx
from slrt.common.permissions import (
    full_nik_allowed,
    permission_required,
    regency_of,
    regency_scope,
    scope_villages,
)
from slrt.common.time import now_utc, today_wib
from slrt.reports import charts
from slrt.reports.files import recap_xlsx, report_csv, report_xlsx
from slrt.reports.queries import lists
from slrt.reports.queries.case_report import case_report, report_tables
from slrt.reports.queries.dates import add_months, month_start
from slrt.reports.queries.registry_recap import RECAP_LABELS, dtks_recap, recap_rows
from slrt.reports.queries.scopes import narrow, scope_for

bp = Blueprint("reports", __name__, url_prefix="/laporan")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _date_arg(name: str, default: date) -> date:
    raw = request.args.get(name, "")
    if not raw:
        return default
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        abort(400)
    if not date(2000, 1, 1) <= value <= date(2100, 1, 1):
        abort(400)
    return value


def _month_arg(today: date) -> tuple[str, date, date]:
    raw = request.args.get("bulan", "") or f"{today:%Y-%m}"
    try:
        first = date.fromisoformat(raw + "-01")
    except ValueError:
        abort(400)
    if not date(2000, 1, 1) <= first <= date(2100, 1, 1):
        abort(400)
    return raw, first, add_months(first, 1) - timedelta(days=1)


def _filters(today: date):
    """Period and narrowing of the report pages, from the query string."""
    start = _date_arg("dari", month_start(today))
    end = _date_arg("sampai", today)
    if end < start:
        start, end = end, start
    village = request.args.get("desa", "")[:13]
    program = request.args.get("program", "")[:20]
    scope = narrow(scope_for(current_user), village, program)
    return start, end, village, program, scope


def _stamp() -> str:
    """The date in a file name: the office's day (WIB), not the server's UTC one."""
    return today_wib().strftime("%Y%m%d")


def _send(fmt: str, header: list[str], rows: list[list], name: str, title: str,
          text_columns: tuple[int, ...] = ()) -> Response:
    stamp = _stamp()
    if fmt == "xlsx":
        return Response(to_xlsx(header, rows, title), mimetype=XLSX, headers={
            "Content-Disposition": f"attachment; filename={name}-{stamp}.xlsx"})
    return Response(to_csv(header, rows, text_columns=text_columns), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}-{stamp}.csv"})


def _fmt_arg() -> str:
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        abort(400)
    return fmt


# --------------------------------------------------------------------------- drill-down lists

def _list_key(scope) -> str:
    key = request.args.get("daftar", "") or lists.dashboard_keys(scope)[0]
    if key not in lists.dashboard_keys(scope):
        abort(404)
    return key


@bp.get("/daftar")
@permission_required("report.view")
def listing():
    """The rows behind a dashboard number (the same statement that counted them)."""
    today = today_wib()
    scope = scope_for(current_user)
    key = _list_key(scope)
    label, kind = lists.LISTS[key]
    stmt = lists.list_statement(scope, key, today)
    total = lists.count_of(stmt)
    limit = current_app.config.get("PAGE_SIZE", 50) * 4
    rows = lists.list_rows(stmt, kind, full_nik=False, limit=limit)
    return render_template("reports/list.html", key=key, label=label, kind=kind, total=total,
                           rows=rows, header=lists.list_header(kind))


@bp.get("/daftar/ekspor")
@permission_required("report.view")
def listing_export():
    fmt = _fmt_arg()
    today = today_wib()
    scope = scope_for(current_user)
    key = _list_key(scope)
    label, kind = lists.LISTS[key]
    full = full_nik_allowed(current_user)
    rows = lists.list_rows(lists.list_statement(scope, key, today), kind, full_nik=full)
    header = lists.list_header(kind)
    audit("ekspor", object_type="laporan", detail={
        "laporan": "daftar", "daftar": key, "format": fmt, "jumlah": len(rows),
        "nik": "lengkap" if full else "disamarkan", "tanggal": today.isoformat()})
    return _send(fmt, header, rows, f"daftar-{key}", str(label)[:31],
                 text_columns=(lists.nik_column(kind),) if full else ())


# --------------------------------------------------------------------------- case reports

@bp.get("/")
@permission_required("report.view")
def cases():
    today = today_wib()
    start, end, village, program, scope = _filters(today)
    report = case_report(scope, start, end, today)
    args = {k: v for k, v in (("dari", start.isoformat()), ("sampai", end.isoformat()),
                              ("desa", village), ("program", program)) if v}
    return render_template("reports/cases.html", report=report,
                           tables=report_tables(report), charts=charts.charts_for(report),
                           args=args, villages=scope_villages(current_user), programs=_programs(),
                           village=village, program=program)


@bp.get("/kabupaten")
@permission_required("report.regencies")
def regencies():
    """The regencies of the province side by side (the province supervisor's)."""
    from slrt.reports.queries.regencies import comparison

    today = today_wib()
    start = _date_arg("dari", date(today.year, 1, 1))
    end = _date_arg("sampai", today)
    if end < start:
        start, end = end, start
    rows, total = comparison(current_user, start, end, today)
    return render_template("reports/regencies.html", rows=rows, total=total, start=start,
                           end=end)


@bp.get("/ekspor")
@permission_required("report.view")
def cases_export():
    fmt = _fmt_arg()
    today = today_wib()
    start, end, village, program, scope = _filters(today)
    report = case_report(scope, start, end, today)
    audit("ekspor", object_type="laporan", detail={
        "laporan": "kasus", "format": fmt, "dari": start.isoformat(), "sampai": end.isoformat(),
        "desa": village, "program": program, "cakupan": scope.label})
    return _send_report(fmt, report)


def _send_report(fmt: str, report) -> Response:
    tables = report_tables(report)
    stamp = _stamp()
    if fmt == "xlsx":
        return Response(report_xlsx(tables), mimetype=XLSX, headers={
            "Content-Disposition": f"attachment; filename=laporan-kasus-{stamp}.xlsx"})
    return Response(report_csv(tables), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=laporan-kasus-{stamp}.csv"})


@bp.get("/bulanan")
@permission_required("report.view")
def monthly():
    """The monthly report for the head of office: a print layout with the charts."""
    today = today_wib()
    month, start, end = _month_arg(today)
    scope = scope_for(current_user)
    report = case_report(scope, start, end, today)
    return render_template("reports/monthly.html", report=report, month=month,
                           tables=report_tables(report), charts=charts.charts_for(report),
                           printed_at=now_utc())


def _programs():
    from sqlalchemy import select

    from slrt.extensions import db
    from slrt.referrals.models import Program

    scope = scope_for(current_user)
    stmt = select(Program).order_by(Program.sort_order, Program.code)
    if scope.programs is not None:
        stmt = stmt.where(Program.code.in_(scope.programs))
    else:
        stmt = stmt.where(Program.regency_code.in_(regency_scope(current_user)))
    return list(db.session.scalars(stmt))


# --------------------------------------------------------------------------- registry recap

def _recap_args():
    kecamatan = request.args.get("kecamatan", "") or "15.04.03"
    period = request.args.get("periode", "") or "2022-07"
    import re

    if not re.fullmatch(r"\d{2}\.\d{2}\.\d{2}", kecamatan) or \
            not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        abort(400)
    if regency_of(kecamatan) not in regency_scope(current_user):
        abort(404)
    return kecamatan, period


@bp.get("/dtks")
@permission_required("report.recap")
def recap():
    from slrt.regions.queries import districts_of

    kecamatan, period = _recap_args()
    rows = recap_rows(dtks_recap(kecamatan, period))
    return render_template("reports/recap.html", rows=rows, labels=RECAP_LABELS,
                           kecamatan=kecamatan, period=period,
                           districts=districts_of(current_user.regency_code),
                           export_url=url_for("reports.recap_export", kecamatan=kecamatan,
                                              periode=period))


@bp.get("/dtks/ekspor")
@permission_required("report.recap")
def recap_export():
    fmt = _fmt_arg()
    kecamatan, period = _recap_args()
    rows = recap_rows(dtks_recap(kecamatan, period))
    audit("ekspor", object_type="laporan", detail={
        "laporan": "rekap_dtks", "format": fmt, "kecamatan": kecamatan, "periode": period})
    name = f"rekap-dtks-{kecamatan}-{period}"
    if fmt == "xlsx":  # numbers stay numbers, so the sheet can sum them
        return Response(recap_xlsx(rows), mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})
    return _send(fmt, [str(label) for label in RECAP_LABELS], rows, name, "Rekap DTKS")
