"""The drill-down lists behind the dashboard numbers: which rows a number
counts (the same statement lists them), how many, and their cells for the
page and the exports."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from slrt.cases.models import OPEN_CASE_STATUSES, Case, Category, Person
from slrt.cases.workflow import CASE_FLOW
from slrt.common.workdays import add_working_days
from slrt.extensions import db
from slrt.identity import mask_nik
from slrt.referrals.models import Program, Referral
from slrt.referrals.workflow import STATUSES as REFERRAL_STATUSES
from slrt.regions.models import Region
from slrt.reports.queries.aggregates import RESOLVED_REFERRAL_STATUSES
from slrt.reports.queries.dates import month_start, wib_start
from slrt.reports.queries.scopes import Scope, cases_in, referrals_in

DUE_SOON_WORKING_DAYS = 2

# The drill-down lists behind the dashboard numbers: key -> (label, object kind).
LISTS = OrderedDict([
    ("kasus_terbuka", (_l("Kasus terbuka"), "kasus")),
    ("rujukan_terbuka", (_l("Rujukan terbuka"), "rujukan")),
    ("rujukan_segera", (_l("Rujukan jatuh tempo ≤ 2 hari kerja"), "rujukan")),
    ("rujukan_lewat", (_l("Rujukan lewat batas waktu"), "rujukan")),
    ("kasus_selesai_bulan_ini", (_l("Kasus selesai bulan ini"), "kasus")),
    ("rujukan_selesai_bulan_ini", (_l("Rujukan selesai bulan ini"), "rujukan")),
])


def dashboard_keys(scope: Scope) -> list[str]:
    """The four numbers of a role's dashboard: open, due soon, overdue, resolved."""
    if scope.kind == "program":
        return ["rujukan_terbuka", "rujukan_segera", "rujukan_lewat",
                "rujukan_selesai_bulan_ini"]
    return ["kasus_terbuka", "rujukan_segera", "rujukan_lewat", "kasus_selesai_bulan_ini"]


def list_statement(scope: Scope, key: str, today: date) -> Select:
    """The rows behind a dashboard number; its count IS the number."""
    month = wib_start(month_start(today))
    if key == "kasus_terbuka":
        return cases_in(scope, select(Case).where(Case.status.in_(OPEN_CASE_STATUSES)))
    if key == "kasus_selesai_bulan_ini":
        return cases_in(scope, select(Case).where(Case.status == "selesai",
                                                   Case.closed_at >= month))
    if key == "rujukan_terbuka":
        return referrals_in(scope, select(Referral).where(Referral.is_open.is_(True)))
    if key == "rujukan_segera":
        return referrals_in(scope, select(Referral).where(
            Referral.is_open.is_(True), Referral.due_date >= today,
            Referral.due_date <= add_working_days(today, DUE_SOON_WORKING_DAYS)))
    if key == "rujukan_lewat":
        return referrals_in(scope, select(Referral).where(
            Referral.is_open.is_(True), Referral.due_date < today))
    if key == "rujukan_selesai_bulan_ini":
        return referrals_in(scope, select(Referral).where(
            Referral.is_open.is_(False), Referral.closed_at >= month,
            Referral.status.in_(RESOLVED_REFERRAL_STATUSES)))
    raise KeyError(key)


def count_of(stmt: Select) -> int:
    entity = stmt.column_descriptions[0]["entity"]
    inner = stmt.with_only_columns(entity.id).order_by(None)
    return db.session.scalar(select(func.count()).select_from(inner.subquery())) or 0


# The columns of a list: (code, the header a person reads on the page and in the files).
LIST_COLUMNS = {
    "kasus": [("nomor", _l("Nomor kasus")), ("tanggal", _l("Tanggal")),
              ("desa", _l("Desa/kelurahan")), ("kategori", _l("Kategori")),
              ("status", _l("Status")), ("nik", _l("NIK")), ("nama", _l("Nama"))],
    "rujukan": [("nomor", _l("Nomor rujukan")), ("nomor_kasus", _l("Nomor kasus")),
                ("program", _l("Program")), ("desa", _l("Desa/kelurahan")),
                ("status", _l("Status")), ("jatuh_tempo", _l("Jatuh tempo")),
                ("nik", _l("NIK")), ("nama", _l("Nama"))],
}


def list_header(kind: str) -> list[str]:
    return [str(label) for _code, label in LIST_COLUMNS[kind]]


def nik_column(kind: str) -> int:
    return [code for code, _label in LIST_COLUMNS[kind]].index("nik")



def list_rows(stmt: Select, kind: str, *, full_nik: bool, limit: int | None = None) -> list[list]:
    """The rows of a drill-down list, NIKs masked unless `full_nik`."""
    from slrt.common.time import format_date_id

    show = (lambda n: n or "") if full_nik else mask_nik
    if kind == "kasus":
        q = stmt.with_only_columns(Case.number, Case.created_at, Region.name, Category.name,
                                   Case.status, Person.nik, Person.name) \
            .join(Person, Person.id == Case.beneficiary_id) \
            .join(Region, Region.code == Case.village_code) \
            .join(Category, Category.code == Case.category_code).order_by(Case.id.desc())
        if limit:
            q = q.limit(limit)
        return [[num, format_date_id(at), desa, kat, CASE_FLOW.label(st), show(nik), name]
                for num, at, desa, kat, st, nik, name in db.session.execute(q).all()]
    q = stmt.with_only_columns(Referral.number, Case.number, Program.name, Region.name,
                               Referral.status, Referral.due_date, Person.nik, Person.name) \
        .join(Case, Case.id == Referral.case_id).join(Person, Person.id == Case.beneficiary_id) \
        .join(Program, Program.code == Referral.program_code) \
        .join(Region, Region.code == Referral.village_code) \
        .order_by(Referral.due_date, Referral.id)
    if limit:
        q = q.limit(limit)
    return [[num, cnum, prog, desa, str(REFERRAL_STATUSES.get(st, st)), format_date_id(due),
             show(nik), name]
            for num, cnum, prog, desa, st, due, nik, name in db.session.execute(q).all()]
