"""The case report of a period: its figures (cases by category, village,
channel and month, what the desk resolved, days to resolve, referrals per
program, proposals) and its tables, cell for cell what the page shows and
the CSV and XLSX files hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from slrt.cases.models import CHANNELS, Category
from slrt.common.time import today_wib
from slrt.extensions import db
from slrt.regions.models import Region
from slrt.reports.queries.aggregates import (
    REFERRAL_GROUPS,
    ProgramRow,
    case_aggregate,
    case_resolution_histogram,
    percentile,
    program_rows,
    proposals_by_status,
)
from slrt.reports.queries.dates import months_between
from slrt.reports.queries.scopes import Scope


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
    rows = case_aggregate(scope, start, end, today, detail=detail)
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
    months = months_between(start, end)
    return CaseReport(
        start=start, end=end, scope=scope, total=total,
        by_category=sorted(((c, cat_names.get(c, c), n) for c, n in cat.items()),
                           key=lambda r: (-r[2], r[1])),
        by_village=sorted((v, vil_names.get(v, v), n) for v, n in vil.items()),
        by_channel=[(c, str(label), chan[c]) for c, label in CHANNELS.items() if c in chan],
        by_month_category=month_cat, months=months, desk=desk,
        resolution_days=case_resolution_histogram(scope, start, end) if detail else {},
        programs=program_rows(scope, start, end, today, summary=not detail),
        proposals=proposals_by_status(scope, start, end) if detail else [],
        category_names=cat_names)


def _names(model, key_col, name_col, codes) -> dict[str, str]:
    if not codes:
        return {}
    return dict(db.session.execute(select(key_col, name_col).where(key_col.in_(codes))).all())


@dataclass(frozen=True)
class ReportTable:
    """One table of the report. `columns` are (code, label): the label heads the
    page's and the XLSX's column, the code names the figure in the CSV. Each
    row is (code, cells): the code of what the row counts (a category, a
    program, a figure of the summary), the cells shown, its name first. An
    empty cell is None (shown as "–")."""

    title: str
    columns: list[tuple[str, str]]
    rows: list[tuple[str, list]]

    @property
    def labels(self) -> list[str]:
        return [label for _code, label in self.columns]


def _table(title, columns, rows) -> ReportTable:
    return ReportTable(str(title), [(code, str(label)) for code, label in columns],
                       [(code, [str(c) if isinstance(c, LazyString) else c for c in cells])
                        for code, cells in rows])


SUMMARY = [
    ("periode_dari", _l("Periode dari")),
    ("periode_sampai", _l("Periode sampai")),
    ("kasus_dicatat", _l("Kasus dicatat")),
    ("selesai_di_desa", _l("Selesai di desa")),
    ("dirujuk", _l("Dirujuk ke program")),
    ("belum_selesai_tanpa_rujukan", _l("Belum selesai, tanpa rujukan")),
    ("kasus_selesai", _l("Kasus selesai")),
    ("median_hari_selesai", _l("Median hari sampai selesai")),
    ("p90_hari_selesai", _l("Hari sampai selesai (90% kasus)")),
    ("rujukan_ditutup", _l("Rujukan ditutup")),
    ("rujukan_tepat_waktu", _l("Rujukan tepat waktu")),
    ("rujukan_terlambat", _l("Rujukan terlambat")),
    ("rujukan_terbuka_lewat_batas", _l("Rujukan terbuka lewat batas waktu")),
    ("persen_tepat_waktu", _l("Persen tepat waktu")),
]


def report_tables(r: CaseReport) -> list[ReportTable]:
    """The report as tables: what the page shows and the CSV/XLSX files hold,
    cell for cell (the CSV with the codes besides)."""
    c = r.compliance
    values = {
        "periode_dari": r.start, "periode_sampai": r.end, "kasus_dicatat": r.total,
        "selesai_di_desa": r.desk["selesai_di_desa"], "dirujuk": r.desk["dirujuk"],
        "belum_selesai_tanpa_rujukan": r.desk["belum_selesai"], "kasus_selesai": r.resolved,
        "median_hari_selesai": r.median_days, "p90_hari_selesai": r.p90_days,
        "rujukan_ditutup": c["ditutup"], "rujukan_tepat_waktu": c["tepat_waktu"],
        "rujukan_terlambat": c["terlambat"], "rujukan_terbuka_lewat_batas": c["terbuka_lewat"],
        "persen_tepat_waktu": c["persen"]}
    cases = ("kasus", _l("Kasus"))
    return [
        _table(_l("Ringkasan"), [("ukuran", _l("Ukuran")), ("nilai", _l("Nilai"))],
               [(code, [label, values[code]]) for code, label in SUMMARY]),
        _table(_l("Per kategori"), [("kategori", _l("Kategori")), cases],
               [(code, [name, n]) for code, name, n in r.by_category]),
        _table(_l("Per desa"), [("desa", _l("Desa/kelurahan")), cases],
               [(code, [name, n]) for code, name, n in r.by_village]),
        _table(_l("Per saluran"), [("saluran", _l("Saluran")), cases],
               [(code, [name, n]) for code, name, n in r.by_channel]),
        _table(_l("Per program"), [
            ("program", _l("Program")), ("rujukan", _l("Rujukan")),
            *((g, label) for g, label in REFERRAL_GROUPS.items()),
            ("ditutup", _l("Ditutup")), ("tepat_waktu", _l("Tepat waktu")),
            ("persen_tepat_waktu", _l("Persen tepat waktu")),
            ("median_hari", _l("Median hari")), ("p90_hari", _l("Hari (90% rujukan)"))],
            [(p.code, [p.name, p.total, *(p.by_group.get(g, 0) for g in REFERRAL_GROUPS),
                       p.closed, p.on_time,
                       round(100 * p.on_time_share, 1) if p.on_time_share is not None else None,
                       p.median_days, p.p90_days]) for p in r.programs]),
        _table(_l("Usulan DTKS"), [("status", _l("Status usulan")), ("usulan", _l("Usulan"))],
               [(code, [label, n]) for code, label, n in r.proposals]),
    ]
