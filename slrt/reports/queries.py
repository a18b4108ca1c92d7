"""The one query layer of the reports: every figure on a dashboard, a report
page, a CSV or an XLSX file is computed here, so they never disagree.

Conventions (also in docs/reports.md):

* Scope: a supervisor sees the regency, an operator or facilitator their
  villages, a handler the referrals of his programs (and the cases referred
  to them). An empty scope sees nothing.
* Dates are WIB calendar dates; instants are stored in UTC.
* "Due soon": an open referral due today or within 2 working days (as the
  handler queue's ``due=segera``); "overdue": due before today.
* A referral is *resolved* when it closed as delivered (``tersalurkan``) or
  done (``selesai``); a case when its status is ``selesai``.
* Days to resolve: WIB calendar days from registration to closing. Median and
  90th percentile interpolate linearly between ranks (as PostgreSQL's
  ``percentile_cont``), computed from a per-day histogram that SQL returns.
* Within service time: a referral closed on or before its due date (the due
  date counts the program's service time in working days).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Integer, Select, and_, case, cast, func, literal, select

from slrt.cases.models import CHANNELS, OPEN_CASE_STATUSES, Case, Category, Person
from slrt.common.permissions import village_scope
from slrt.common.time import WIB, now_utc, today_wib
from slrt.common.workdays import add_working_days
from slrt.extensions import db
from slrt.identity import mask_nik
from slrt.referrals.models import Program, Referral
from slrt.referrals.workflow import STATUSES as REFERRAL_STATUSES
from slrt.regions.models import Region

RESOLVED_REFERRAL_STATUSES = ("tersalurkan", "selesai")
# Status groups of the "referrals per program" chart.
REFERRAL_GROUPS = OrderedDict([
    ("terbuka", "Terbuka"),
    ("selesai", "Selesai/tersalurkan"),
    ("ditolak", "Ditolak"),
    ("lainnya", "Diteruskan/dibatalkan"),
])
DUE_SOON_WORKING_DAYS = 2


def referral_group(status: str, is_open: bool) -> str:
    if is_open:
        return "terbuka"
    if status in RESOLVED_REFERRAL_STATUSES:
        return "selesai"
    if status == "ditolak":
        return "ditolak"
    return "lainnya"


# --------------------------------------------------------------------------- scope

@dataclass(frozen=True)
class Scope:
    """What a user's figures cover. None = no limit on that axis."""

    villages: tuple[str, ...] | None = None
    programs: tuple[str, ...] | None = None
    kind: str = "desa"  # "desa" (case figures) or "program" (referral figures)
    empty: bool = False

    @property
    def label(self) -> str:
        if self.kind == "program":
            return "program " + ", ".join(self.programs or ())
        if self.villages is None:
            return "kabupaten"
        return "desa " + ", ".join(self.villages)


def scope_for(user) -> Scope:
    if user.role == "handler":
        codes = tuple(sorted(user.program_codes))
        return Scope(programs=codes, kind="program", empty=not codes)
    if user.role in ("operator", "fasilitator", "supervisor"):
        villages = village_scope(user)
        if villages is None:
            return Scope()
        return Scope(villages=tuple(sorted(villages)), empty=not villages)
    return Scope(villages=(), empty=True)


def narrow(scope: Scope, village: str = "", program: str = "") -> Scope:
    """A narrower scope chosen on a report page (never wider than the user's)."""
    villages, programs, empty = scope.villages, scope.programs, scope.empty
    if village:
        if villages is not None and village not in villages:
            empty = True
        villages = (village,)
    if program:
        if programs is not None and program not in programs:
            empty = True
        programs = (program,)
    return Scope(villages=villages, programs=programs, kind=scope.kind, empty=empty)


def _cases_in(scope: Scope, stmt: Select) -> Select:
    if scope.empty:
        return stmt.where(False)
    if scope.villages is not None:
        stmt = stmt.where(Case.village_code.in_(scope.villages))
    if scope.programs is not None:
        stmt = stmt.where(Case.id.in_(
            select(Referral.case_id).where(Referral.program_code.in_(scope.programs))))
    return stmt


def _referrals_in(scope: Scope, stmt: Select) -> Select:
    if scope.empty:
        return stmt.where(False)
    if scope.villages is not None:
        stmt = stmt.where(Referral.village_code.in_(scope.villages))
    if scope.programs is not None:
        stmt = stmt.where(Referral.program_code.in_(scope.programs))
    return stmt


# --------------------------------------------------------------------------- SQL dates

def _dialect() -> str:
    return db.session.get_bind().dialect.name


def wib_date(col):
    """The WIB calendar date of a UTC instant column, as SQL."""
    if _dialect() == "sqlite":
        return func.date(col, "+7 hours")
    return func.date(func.timezone("Asia/Jakarta", col))


def wib_month(col):
    if _dialect() == "sqlite":
        return func.strftime("%Y-%m", col, "+7 hours")
    return func.to_char(func.timezone("Asia/Jakarta", col), "YYYY-MM")


def days_between(start_col, end_col):
    """Whole WIB calendar days from one instant to another."""
    if _dialect() == "sqlite":
        # One julianday() per value: the Julian day number changes at noon UTC,
        # so +0.5 moves the boundary to midnight UTC and +7/24 to midnight WIB.
        def day(col):
            return cast(func.julianday(col) + (0.5 + 7 / 24), Integer)

        return day(end_col) - day(start_col)
    return wib_date(end_col) - wib_date(start_col)


def closed_by_due_date(closed_col, due_col):
    """True when an instant falls on or before a WIB due date (SQL)."""
    if _dialect() == "sqlite":
        # Stored as 'YYYY-MM-DD HH:MM:SS': the due date's WIB midnight that ends it
        # is 17:00 UTC of the due date, so a string comparison decides.
        return closed_col < due_col.op("||")(literal(" 17:00:00"))
    return wib_date(closed_col) <= due_col


def month_bucket(col, start: date, end: date):
    """'YYYY-MM' (WIB) of an instant in [start, end], as a CASE over the month
    boundaries: a few comparisons per row instead of a date function."""
    months = []
    m = date(start.year, start.month, 1)
    while m <= end:
        months.append(m)
        m = add_months(m, 1)
    whens = [(col < wib_start(add_months(m, 1)), f"{m:%Y-%m}") for m in months[:-1]]
    last = f"{months[-1]:%Y-%m}"
    return case(*whens, else_=last) if whens else literal(last)


def wib_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=WIB)


def month_start(today: date) -> date:
    return today.replace(day=1)


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


# --------------------------------------------------------------------------- percentiles

def percentile(histogram: dict[int, int], q: float) -> float | None:
    """Linear interpolation between ranks over a {value: count} histogram."""
    n = sum(histogram.values())
    if n == 0:
        return None
    pos = q * (n - 1)
    lo, hi = math.floor(pos), math.ceil(pos)

    def at(rank: int) -> int:
        seen = 0
        for value in sorted(histogram):
            seen += histogram[value]
            if rank < seen:
                return value
        raise AssertionError("rank beyond the histogram")

    v_lo, v_hi = at(lo), at(hi)
    return round(v_lo + (v_hi - v_lo) * (pos - lo), 1)


# --------------------------------------------------------------------------- dashboard counts

# The drill-down lists behind the dashboard numbers: key -> (label, object kind).
LISTS = OrderedDict([
    ("kasus_terbuka", ("Kasus terbuka", "kasus")),
    ("rujukan_terbuka", ("Rujukan terbuka", "rujukan")),
    ("rujukan_segera", ("Rujukan jatuh tempo ≤ 2 hari kerja", "rujukan")),
    ("rujukan_lewat", ("Rujukan lewat batas waktu", "rujukan")),
    ("kasus_selesai_bulan_ini", ("Kasus selesai bulan ini", "kasus")),
    ("rujukan_selesai_bulan_ini", ("Rujukan selesai bulan ini", "rujukan")),
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
        return _cases_in(scope, select(Case).where(Case.status.in_(OPEN_CASE_STATUSES)))
    if key == "kasus_selesai_bulan_ini":
        return _cases_in(scope, select(Case).where(Case.status == "selesai",
                                                   Case.closed_at >= month))
    if key == "rujukan_terbuka":
        return _referrals_in(scope, select(Referral).where(Referral.is_open.is_(True)))
    if key == "rujukan_segera":
        return _referrals_in(scope, select(Referral).where(
            Referral.is_open.is_(True), Referral.due_date >= today,
            Referral.due_date <= add_working_days(today, DUE_SOON_WORKING_DAYS)))
    if key == "rujukan_lewat":
        return _referrals_in(scope, select(Referral).where(
            Referral.is_open.is_(True), Referral.due_date < today))
    if key == "rujukan_selesai_bulan_ini":
        return _referrals_in(scope, select(Referral).where(
            Referral.is_open.is_(False), Referral.closed_at >= month,
            Referral.status.in_(RESOLVED_REFERRAL_STATUSES)))
    raise KeyError(key)


def count_of(stmt: Select) -> int:
    entity = stmt.column_descriptions[0]["entity"]
    inner = stmt.with_only_columns(entity.id).order_by(None)
    return db.session.scalar(select(func.count()).select_from(inner.subquery())) or 0


@dataclass
class Counts:
    keys: list[str]
    values: dict[str, int]

    def items(self):
        return [(k, LISTS[k][0], self.values[k]) for k in self.keys]


def dashboard_counts(scope: Scope, today: date) -> Counts:
    keys = dashboard_keys(scope)
    return Counts(keys, {k: count_of(list_statement(scope, k, today)) for k in keys})


# --------------------------------------------------------------------------- aggregates

@dataclass
class ProgramRow:
    code: str
    name: str
    service_days: int
    by_group: dict[str, int] = field(default_factory=dict)
    total: int = 0
    closed: int = 0
    resolved: int = 0
    on_time: int = 0
    overdue_open: int = 0
    days: dict[int, int] = field(default_factory=dict)  # histogram of days to resolve

    @property
    def median_days(self) -> float | None:
        return percentile(self.days, 0.5)

    @property
    def p90_days(self) -> float | None:
        return percentile(self.days, 0.9)

    @property
    def on_time_share(self) -> float | None:
        """Share of closed referrals that closed within the service time (0-1)."""
        return self.on_time / self.closed if self.closed else None


def _names(model, key_col, name_col, codes) -> dict[str, str]:
    if not codes:
        return {}
    return dict(db.session.execute(select(key_col, name_col).where(key_col.in_(codes))).all())


def case_aggregate(scope: Scope, start: date, end: date, *, detail: bool = True) -> list[tuple]:
    """Cases registered from `start` to `end` (WIB dates, inclusive), grouped by
    month, category, village, channel, status and whether referred: ONE scan.

    Without `detail` (the dashboard's charts) only month, category and village:
    the "referred" test is an index probe per case, which at a regency's scale
    costs more than the rest of the scan; channel and status are None."""
    if not detail and scope.programs is None and start.day == 1:
        return _case_months(scope, start, end)
    if not detail:
        stmt = select(month_bucket(Case.created_at, start, end).label("m"), Case.category_code,
                      Case.village_code)
        stmt = stmt.where(Case.created_at >= wib_start(start),
                          Case.created_at < wib_start(end + timedelta(days=1)))
        return [(m, c, v, None, None, None, n) for m, c, v, n in _grouped(_cases_in(scope, stmt))]
    referred = select(Referral.id).where(Referral.case_id == Case.id).exists()
    stmt = select(month_bucket(Case.created_at, start, end).label("m"), Case.category_code,
                  Case.village_code, Case.channel, Case.status, referred.label("referred"))
    stmt = stmt.where(Case.created_at >= wib_start(start),
                      Case.created_at < wib_start(end + timedelta(days=1)))
    return _grouped(_cases_in(scope, stmt))


def _months(start: date, end: date) -> list[str]:
    out, m = [], date(start.year, start.month, 1)
    while m <= end:
        out.append(f"{m:%Y-%m}")
        m = add_months(m, 1)
    return out


def _case_months(scope: Scope, start: date, end: date) -> list[tuple]:
    """The same rows from the monthly summary the triggers keep (whole months:
    nothing is registered after today)."""
    from slrt.reports.models import CaseMonth as M

    if scope.empty:
        return []
    stmt = select(M.month, M.category_code, M.village_code, func.sum(M.n)).where(
        M.month.in_(_months(start, end)))
    if scope.villages is not None:
        stmt = stmt.where(M.village_code.in_(scope.villages))
    stmt = stmt.group_by(M.month, M.category_code, M.village_code).having(func.sum(M.n) > 0)
    return [(m, c, v, None, None, None, int(n)) for m, c, v, n in db.session.execute(stmt)]


def _referral_months(scope: Scope, start: date, end: date) -> list[tuple]:
    """Referral rows as program_rows groups them, from the monthly summary."""
    from slrt.reports.models import ReferralMonth as M

    if scope.empty:
        return []
    stmt = select(M.program_code, M.status, M.is_open, M.on_time, M.days, func.sum(M.n)).where(
        M.month.in_(_months(start, end)))
    if scope.villages is not None:
        stmt = stmt.where(M.village_code.in_(scope.villages))
    if scope.programs is not None:
        stmt = stmt.where(M.program_code.in_(scope.programs))
    stmt = stmt.group_by(M.program_code, M.status, M.is_open, M.on_time, M.days).having(
        func.sum(M.n) > 0)
    return [(code, status, is_open, None if ok == -1 else ok, None if d == -1 else d, 0, int(n))
            for code, status, is_open, ok, d, n in db.session.execute(stmt)]


def _grouped(stmt: Select) -> list[tuple]:
    """GROUP BY every column of `stmt`, counting rows. Grouping on the columns of
    a subquery keeps PostgreSQL from seeing the SELECT and GROUP BY copies of an
    expression with bound parameters as different expressions."""
    inner = stmt.subquery()
    cols = list(inner.c)
    return [tuple(r) for r in db.session.execute(
        select(*cols, func.count()).group_by(*cols)).all()]


def case_resolution_histogram(scope: Scope, start: date, end: date) -> dict[int, int]:
    """Days to resolve of the cases registered in the window that are resolved."""
    stmt = select(days_between(Case.created_at, Case.closed_at).label("d")).where(
        Case.status == "selesai", Case.closed_at.is_not(None),
        Case.created_at >= wib_start(start), Case.created_at < wib_start(end + timedelta(days=1)))
    return {int(k): int(v) for k, v in _grouped(_cases_in(scope, stmt))}


def program_rows(scope: Scope, start: date, end: date, today: date, *,
                 summary: bool = False) -> list[ProgramRow]:
    """Referrals created in the window, per program: by status group, service-time
    compliance, days to resolve. ONE grouped scan of the referrals; with
    `summary` (whole months, the dashboard) the monthly summary instead, which
    knows nothing of today, so `overdue_open` stays 0."""
    on_time = case((Referral.closed_at.is_(None), None),
                   else_=case((closed_by_due_date(Referral.closed_at, Referral.due_date), 1),
                              else_=0))
    late_open = case((and_(Referral.is_open.is_(True), Referral.due_date < today), 1), else_=0)
    days = case((Referral.is_open.is_(False), days_between(Referral.created_at,
                                                           Referral.closed_at)), else_=None)
    stmt = select(Referral.program_code, Referral.status, Referral.is_open, on_time.label("ok"),
                  days.label("d"), late_open.label("late"))
    stmt = stmt.where(Referral.created_at >= wib_start(start),
                      Referral.created_at < wib_start(end + timedelta(days=1)))
    rows: dict[str, ProgramRow] = {}
    programs = {p.code: p for p in db.session.scalars(select(Program))}
    grouped = _referral_months(scope, start, end) if summary and start.day == 1 else \
        _grouped(_referrals_in(scope, stmt))
    for code, status, is_open, ok, n_days, late, n in grouped:
        prog = programs.get(code)
        row = rows.setdefault(code, ProgramRow(code, prog.name if prog else code,
                                               prog.service_days if prog else 0))
        group = referral_group(status, bool(is_open))
        row.by_group[group] = row.by_group.get(group, 0) + n
        row.total += n
        if not is_open:
            row.closed += n
            row.on_time += n if ok else 0
            if status in RESOLVED_REFERRAL_STATUSES:
                row.resolved += n
                if n_days is not None:
                    row.days[int(n_days)] = row.days.get(int(n_days), 0) + n
        elif late:
            row.overdue_open += n
    order = {p.code: (p.sort_order, p.code) for p in programs.values()}
    return sorted(rows.values(), key=lambda r: order.get(r.code, (10**6, r.code)))


def proposals_by_status(scope: Scope, start: date, end: date) -> list[tuple[str, str, int]]:
    from slrt.proposals.models import STATUSES, Proposal

    if scope.empty or scope.programs is not None:
        return []
    stmt = select(Proposal.status, func.count()).where(
        Proposal.created_at >= wib_start(start),
        Proposal.created_at < wib_start(end + timedelta(days=1)))
    if scope.villages is not None:
        stmt = stmt.where(Proposal.village_code.in_(scope.villages))
    counts = dict(db.session.execute(stmt.group_by(Proposal.status)).all())
    return [(code, label, counts.get(code, 0)) for code, label in STATUSES.items()]


# --------------------------------------------------------------------------- the case report

@dataclass
class CaseReport:
    start: date
    end: date
    scope: Scope
    total: int
    by_category: list[tuple[str, str, int]]
    by_village: list[tuple[str, str, int]]
    by_channel: list[tuple[str, str, int]]
    by_month_category: dict[str, dict[str, int]]  # month -> category code -> n
    months: list[str]
    desk: dict[str, int]  # selesai_di_desa, dirujuk, belum_selesai
    resolution_days: dict[int, int]
    programs: list[ProgramRow]
    proposals: list[tuple[str, str, int]]
    category_names: dict[str, str]

    @property
    def resolved(self) -> int:
        return sum(self.resolution_days.values())

    @property
    def median_days(self) -> float | None:
        return percentile(self.resolution_days, 0.5)

    @property
    def p90_days(self) -> float | None:
        return percentile(self.resolution_days, 0.9)

    @property
    def compliance(self) -> dict[str, int | float | None]:
        closed = sum(p.closed for p in self.programs)
        on_time = sum(p.on_time for p in self.programs)
        return {"ditutup": closed, "tepat_waktu": on_time, "terlambat": closed - on_time,
                "terbuka_lewat": sum(p.overdue_open for p in self.programs),
                "persen": round(100 * on_time / closed, 1) if closed else None}


def case_report(scope: Scope, start: date, end: date, today: date | None = None, *,
                detail: bool = True) -> CaseReport:
    """The case report. Without `detail` (the dashboard) only what the charts
    draw: channels, the desk/referred split, the case resolution times and the
    proposals are left empty."""
    today = today or today_wib()
    rows = case_aggregate(scope, start, end, detail=detail)
    cat, vil, chan, month_cat = {}, {}, {}, {}
    desk = {"selesai_di_desa": 0, "dirujuk": 0, "belum_selesai": 0}
    total = 0
    for m, category, village, channel, status, referred, n in rows:
        total += n
        cat[category] = cat.get(category, 0) + n
        vil[village] = vil.get(village, 0) + n
        chan[channel] = chan.get(channel, 0) + n
        month_cat.setdefault(m, {})
        month_cat[m][category] = month_cat[m].get(category, 0) + n
        if not detail:
            continue
        if referred:
            desk["dirujuk"] += n
        elif status == "selesai":
            desk["selesai_di_desa"] += n
        else:
            desk["belum_selesai"] += n
    cat_names = _names(Category, Category.code, Category.name, list(cat))
    vil_names = _names(Region, Region.code, Region.name, list(vil))
    months, m = [], date(start.year, start.month, 1)
    while m <= end:
        months.append(f"{m:%Y-%m}")
        m = add_months(m, 1)
    return CaseReport(
        start=start, end=end, scope=scope, total=total,
        by_category=sorted(((c, cat_names.get(c, c), n) for c, n in cat.items()),
                           key=lambda r: (-r[2], r[1])),
        by_village=sorted((v, vil_names.get(v, v), n) for v, n in vil.items()),
        by_channel=[(c, label, chan[c]) for c, label in CHANNELS.items() if c in chan],
        by_month_category=month_cat, months=months, desk=desk,
        resolution_days=case_resolution_histogram(scope, start, end) if detail else {},
        programs=program_rows(scope, start, end, today, summary=not detail),
        proposals=proposals_by_status(scope, start, end) if detail else [],
        category_names=cat_names)


def report_tables(r: CaseReport) -> list[tuple[str, list[str], list[list]]]:
    """The report as tables (title, header, rows): what the page shows and the
    CSV/XLSX files hold, cell for cell."""
    def fmt(v):
        return "" if v is None else v

    c = r.compliance
    return [
        ("Ringkasan", ["ukuran", "nilai"], [
            ["periode_dari", r.start.isoformat()], ["periode_sampai", r.end.isoformat()],
            ["kasus_dicatat", r.total],
            ["selesai_di_desa", r.desk["selesai_di_desa"]], ["dirujuk", r.desk["dirujuk"]],
            ["belum_selesai_tanpa_rujukan", r.desk["belum_selesai"]],
            ["kasus_selesai", r.resolved], ["median_hari_selesai", fmt(r.median_days)],
            ["p90_hari_selesai", fmt(r.p90_days)],
            ["rujukan_ditutup", c["ditutup"]], ["rujukan_tepat_waktu", c["tepat_waktu"]],
            ["rujukan_terlambat", c["terlambat"]], ["rujukan_terbuka_lewat_batas", c["terbuka_lewat"]],
            ["persen_tepat_waktu", fmt(c["persen"])],
        ]),
        ("Per kategori", ["kode_kategori", "kategori", "kasus"],
         [list(x) for x in r.by_category]),
        ("Per desa", ["kode_desa", "desa", "kasus"], [list(x) for x in r.by_village]),
        ("Per saluran", ["kode_saluran", "saluran", "kasus"], [list(x) for x in r.by_channel]),
        ("Per program", ["kode_program", "program", "rujukan", "terbuka", "selesai", "ditolak",
                         "lainnya", "ditutup", "tepat_waktu", "persen_tepat_waktu",
                         "median_hari", "p90_hari"],
         [[p.code, p.name, p.total, *(p.by_group.get(g, 0) for g in REFERRAL_GROUPS),
           p.closed, p.on_time,
           fmt(round(100 * p.on_time_share, 1) if p.on_time_share is not None else None),
           fmt(p.median_days), fmt(p.p90_days)] for p in r.programs]),
        ("Usulan DTKS", ["status", "keterangan", "usulan"], [list(x) for x in r.proposals]),
    ]


# --------------------------------------------------------------------------- registry recap

def dtks_recap(kecamatan: str, period: str) -> list[tuple[str, str, int, int]]:
    """Seed Table 1.4: per village of a district, the people and households
    (distinct No KK) the registry listed in `period`, in code order, zeros
    included. A record counts in the periods from its first to its last
    listing (current values) or those of a history row (earlier values)."""
    from slrt.dtks.models import RegistryRecord as R
    from slrt.dtks.models import RegistryRecordHistory as H

    current = select(R.village_code.label("v"), R.nik.label("nik"), R.no_kk.label("kk")).where(
        func.coalesce(R.since_period, R.period) <= period, R.period >= period)
    history = select(H.village_code, H.nik, H.no_kk).where(
        H.is_active.is_(True), func.coalesce(H.since_period, H.period) <= period,
        H.period >= period)
    listed = current.union_all(history).subquery()
    counts = {v: (n, kk) for v, n, kk in db.session.execute(
        select(listed.c.v, func.count(), func.count(func.distinct(listed.c.kk)))
        .where(listed.c.v.like(kecamatan + ".%")).group_by(listed.c.v)).all()}
    villages = db.session.execute(
        select(Region.code, Region.name).where(Region.parent_code == kecamatan,
                                               Region.level.in_(("desa", "kelurahan")))
        .order_by(Region.code)).all()
    return [(code, name, *counts.get(code, (0, 0))) for code, name in villages]


RECAP_HEADER = ["kode_desa", "desa", "individu", "keluarga"]


def recap_rows(recap: list[tuple[str, str, int, int]]) -> list[list]:
    rows = [list(r) for r in recap]
    rows.append(["TOTAL", "", sum(r[2] for r in recap), sum(r[3] for r in recap)])
    return rows


# --------------------------------------------------------------------------- list exports

LIST_HEADERS = {
    "kasus": ["nomor", "tanggal", "desa", "kategori", "status", "nik", "nama"],
    "rujukan": ["nomor", "nomor_kasus", "program", "desa", "status", "jatuh_tempo", "nik",
                "nama"],
}




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
        return [[num, format_date_id(at), desa, kat, st, show(nik), name]
                for num, at, desa, kat, st, nik, name in db.session.execute(q).all()]
    q = stmt.with_only_columns(Referral.number, Case.number, Program.name, Region.name,
                               Referral.status, Referral.due_date, Person.nik, Person.name) \
        .join(Case, Case.id == Referral.case_id).join(Person, Person.id == Case.beneficiary_id) \
        .join(Program, Program.code == Referral.program_code) \
        .join(Region, Region.code == Referral.village_code) \
        .order_by(Referral.due_date, Referral.id)
    if limit:
        q = q.limit(limit)
    return [[num, cnum, prog, desa, REFERRAL_STATUSES.get(st, st), due.isoformat(), show(nik),
             name] for num, cnum, prog, desa, st, due, nik, name in db.session.execute(q).all()]


# --------------------------------------------------------------------------- dashboard

@dataclass
class Dashboard:
    scope: Scope
    today: date
    counts: Counts
    report: CaseReport


def dashboard(user, today: date | None = None, months: int = 12) -> Dashboard:
    today = today or today_wib(now_utc())
    scope = scope_for(user)
    start = add_months(month_start(today), -(months - 1))
    return Dashboard(scope, today, dashboard_counts(scope, today),
                     case_report(scope, start, today, today, detail=False))

