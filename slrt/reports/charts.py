"""Server-rendered SVG charts: no JavaScript, no CDN, nothing the CSP would block.

Colours are SVG presentation attributes (fill="..."), not style attributes,
so the strict CSP (no inline style) holds. Every chart has a <title> and an
aria-label, and every bar carries its value as text, so the printed monthly
report reads without colour.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from slrt.common.time import format_number_id

PALETTE = ("#1f6f8b", "#e07a1f", "#3a9d5d", "#c0392b", "#7d5ba6", "#8c6d46", "#d4a017",
           "#5d6d7e")
FONT = 'font-family="sans-serif" font-size="11"'


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        v = round(v, 1)
    return format_number_id(v)


def _svg(parts: list[str]) -> Markup:
    """The one place SVG becomes Markup: every text put into `parts` went through
    escape(), numbers through _fmt()."""
    return Markup("".join(parts))  # noqa: S704


def _open(width: int, height: int, title: str) -> list[str]:
    t = escape(title)
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}"'
            f' width="{width}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>']


def _empty(title: str, width: int = 560) -> Markup:
    parts = _open(width, 40, title)
    parts.append(f'<text x="4" y="24" {FONT}>Belum ada data untuk periode ini.</text></svg>')
    return _svg(parts)


def hbars(items: list[tuple[str, float | int | None]], title: str, *, unit: str = "",
          max_value: float | None = None, width: int = 560) -> Markup:
    """Horizontal bars, one per (label, value); None is drawn as "-"."""
    if not items:
        return _empty(title, width)
    label_w, row_h, top = 170, 20, 6
    bar_w = width - label_w - 70
    top_value = max_value or max((v or 0) for _l, v in items) or 1
    parts = _open(width, top + row_h * len(items) + 6, title)
    for i, (label, value) in enumerate(items):
        y = top + i * row_h
        w = 0 if value is None else max(1, round(bar_w * value / top_value)) if value else 0
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" {FONT}>'
                     f'{escape(str(label)[:28])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 6}"'
                     f' fill="{PALETTE[0]}"/>')
        parts.append(f'<text x="{label_w + w + 4}" y="{y + 13}" {FONT}>{_fmt(value)}{unit}</text>')
    parts.append("</svg>")
    return _svg(parts)


def stacked_hbars(rows: list[tuple[str, dict[str, int]]], groups: dict[str, str], title: str,
                  *, width: int = 560) -> Markup:
    """One horizontal bar per row, split into the groups (legend on top)."""
    if not rows:
        return _empty(title, width)
    label_w, row_h, top = 170, 20, 24
    bar_w = width - label_w - 60
    top_value = max(sum(d.values()) for _l, d in rows) or 1
    parts = _open(width, top + row_h * len(rows) + 6, title)
    parts.extend(_legend(list(groups.values()), width))
    for i, (label, data) in enumerate(rows):
        y, x = top + i * row_h, label_w
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" {FONT}>'
                     f'{escape(str(label)[:28])}</text>')
        for j, g in enumerate(groups):
            n = data.get(g, 0)
            if not n:
                continue
            w = max(1, round(bar_w * n / top_value))
            parts.append(f'<rect x="{x}" y="{y + 3}" width="{w}" height="{row_h - 6}"'
                         f' fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(groups[g])}: '
                         f'{_fmt(n)}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 4}" y="{y + 13}" {FONT}>{_fmt(sum(data.values()))}</text>')
    parts.append("</svg>")
    return _svg(parts)


def stacked_columns(columns: list[str], series: list[tuple[str, list[int]]], title: str,
                    *, width: int = 560, height: int = 220) -> Markup:
    """Vertical stacked columns (e.g. months) of several series (e.g. categories)."""
    totals = [sum(s[1][i] for s in series) for i in range(len(columns))]
    if not columns or not any(totals):
        return _empty(title, width)
    legend_h = 16 * ((len(series) + 2) // 3)
    top, bottom, left = legend_h + 8, 34, 8
    plot_h = height - top - bottom
    col_w = (width - 2 * left) / len(columns)
    top_value = max(totals) or 1
    parts = _open(width, height, title)
    parts.extend(_legend([s[0] for s in series], width))
    for i, col in enumerate(columns):
        x, y = left + i * col_w + 3, top + plot_h
        for j, (name, values) in enumerate(series):
            n = values[i]
            if not n:
                continue
            h = max(1, round(plot_h * n / top_value))
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{col_w - 6:.1f}" height="{h}"'
                         f' fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(name)}: '
                         f'{_fmt(n)}</title></rect>')
        cx = x + (col_w - 6) / 2
        parts.append(f'<text x="{cx:.1f}" y="{y - 3}" text-anchor="middle" {FONT}>'
                     f'{_fmt(totals[i])}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{top + plot_h + 14}" text-anchor="middle" {FONT}>'
                     f'{escape(col)}</text>')
    parts.append("</svg>")
    return _svg(parts)


def _legend(names: list[str], width: int) -> list[str]:
    out, per_row = [], 3
    cell = width // per_row
    for i, name in enumerate(names):
        x, y = (i % per_row) * cell + 4, (i // per_row) * 16 + 2
        out.append(f'<rect x="{x}" y="{y}" width="10" height="10"'
                   f' fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(f'<text x="{x + 14}" y="{y + 9}" {FONT}>{escape(name[:30])}</text>')
    return out


# --------------------------------------------------------------------------- the five charts

MONTHS_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
TOP_CATEGORIES = 5


def month_label(ym: str) -> str:
    year, month = ym.split("-")
    return f"{MONTHS_ID[int(month) - 1]} {year[2:]}"


def charts_for(report) -> dict[str, Markup]:
    """The dashboard's and the monthly report's charts, from one CaseReport."""
    from slrt.reports.queries.aggregates import REFERRAL_GROUPS

    top = [c for c, _n, _v in report.by_category[:TOP_CATEGORIES]]
    series = []
    for code in top:
        series.append((report.category_names.get(code, code),
                       [report.by_month_category.get(m, {}).get(code, 0)
                        for m in report.months]))
    rest = [sum(n for c, n in report.by_month_category.get(m, {}).items() if c not in top)
            for m in report.months]
    if any(rest):
        series.append(("Lainnya", rest))
    progs = report.programs
    return {
        "per_bulan": stacked_columns([month_label(m) for m in report.months], series,
                                     "Pengaduan per bulan menurut kategori"),
        "per_desa": hbars([(name, n) for _c, name, n in report.by_village], "Kasus per desa"),
        "per_program": stacked_hbars([(p.name, p.by_group) for p in progs], REFERRAL_GROUPS,
                                     "Rujukan per program menurut status"),
        "median_hari": hbars([(p.name, p.median_days) for p in progs if p.resolved],
                             "Median hari sampai selesai per program", unit=" hr"),
        "tepat_waktu": hbars([(p.name, round(100 * p.on_time_share, 1)) for p in progs
                              if p.closed], "Persen selesai dalam waktu layanan",
                             unit="%", max_value=100),
    }
