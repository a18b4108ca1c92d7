"""Server-rendered SVG charts: no JavaScript, no CDN, nothing the CSP would block.

Colours are SVG presentation attributes (fill="..."), not style attributes,
so the strict CSP (no inline style) holds. Every chart has a <title> and an
aria-label (and its page a visible caption, `Chart.title`), and every bar
carries its value as text, so the printed monthly report reads without colour.

The charts are drawn 360 units wide with 14-unit text: on a phone 360 pixels
wide, where the chart shrinks to the width of its box, the text stays about
12 pixels high. A long label is wrapped on two lines; what still does not fit
ends in "…", and the whole label is the element's <title> (a tooltip).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

from slrt.common.time import format_number_id

PALETTE = ("#1f6f8b", "#e07a1f", "#3a9d5d", "#c0392b", "#7d5ba6", "#8c6d46", "#d4a017",
           "#5d6d7e")
WIDTH = 360
FONT_SIZE = 14
FONT = f'font-family="sans-serif" font-size="{FONT_SIZE}"'
LINE = 16  # the height of a line of text
LABEL_CHARS = 18  # characters of a label line (the left column of the bar charts)


@dataclass(frozen=True)
class Chart:
    """A chart and its caption: the page shows the title above the drawing."""

    title: str
    svg: Markup

    def __str__(self) -> str:
        return str(self.svg)

    def __html__(self) -> str:
        return str(self.svg)


def _fmt(v) -> str:
    if v is None:
        return "–"
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


def _empty(title: str, width: int = WIDTH) -> Markup:
    parts = _open(width, 30, title)
    parts.append(f'<text x="4" y="20" {FONT}>'
                 f'{escape(_("Belum ada data untuk periode ini."))}</text></svg>')
    return _svg(parts)


def wrap(label: str, chars: int = LABEL_CHARS, lines: int = 2) -> list[str]:
    """The label in at most `lines` lines of about `chars` characters, cut at
    spaces; the last line ends in "…" when the label is longer."""
    words, out, line = str(label).split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > chars:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    out.append(line)
    out = [w if len(w) <= chars else w[:chars - 1] + "…" for w in out]
    if len(out) > lines:
        rest = " ".join(out[lines - 1:])
        out = out[:lines - 1] + [rest[:chars - 1].rstrip() + "…"]
    return out


def _label(x: float, y: float, label: str, anchor: str = "end", chars: int = LABEL_CHARS,
           lines: int = 2) -> str:
    """A label of one or two lines, the full text as its tooltip when cut."""
    shown = wrap(label, chars, lines)
    title = f"<title>{escape(label)}</title>" if " ".join(shown) != " ".join(str(label).split()) \
        else ""
    top = y - (len(shown) - 1) * LINE / 2
    spans = "".join(f'<tspan x="{x:.1f}" y="{top + i * LINE:.1f}">{escape(line)}</tspan>'
                    for i, line in enumerate(shown))
    return f'<text text-anchor="{anchor}" {FONT}>{title}{spans}</text>'


def _row_height(labels) -> int:
    return 2 * LINE + 6 if any(len(wrap(label)) > 1 for label in labels) else LINE + 8


def hbars(items: list[tuple[str, float | int | None]], title: str, *, unit: str = "",
          max_value: float | None = None, width: int = WIDTH) -> Markup:
    """Horizontal bars, one per (label, value); None is drawn as "–"."""
    if not items:
        return _empty(title, width)
    label_w, top = 150, 4
    row_h = _row_height(label for label, _v in items)
    bar_w = width - label_w - 60
    top_value = max_value or max((v or 0) for _l, v in items) or 1
    parts = _open(width, top + row_h * len(items) + 4, title)
    for i, (label, value) in enumerate(items):
        y = top + i * row_h
        mid = y + row_h / 2
        w = 0 if value is None else max(1, round(bar_w * value / top_value)) if value else 0
        parts.append(_label(label_w - 6, mid + 5, label))
        parts.append(f'<rect x="{label_w}" y="{mid - 8:.1f}" width="{w}" height="16"'
                     f' fill="{PALETTE[0]}"/>')
        parts.append(f'<text x="{label_w + w + 4}" y="{mid + 5:.1f}" {FONT}>'
                     f'{_fmt(value)}{escape(unit) if value is not None else ""}</text>')
    parts.append("</svg>")
    return _svg(parts)


def stacked_hbars(rows: list[tuple[str, dict[str, int]]], groups: dict[str, str], title: str,
                  *, width: int = WIDTH) -> Markup:
    """One horizontal bar per row, split into the groups (legend on top)."""
    if not rows:
        return _empty(title, width)
    label_w = 150
    legend = _legend([str(g) for g in groups.values()], width)
    top = legend_height(len(groups)) + 4
    row_h = _row_height(label for label, _d in rows)
    bar_w = width - label_w - 40
    top_value = max(sum(d.values()) for _l, d in rows) or 1
    parts = _open(width, top + row_h * len(rows) + 4, title)
    parts.extend(legend)
    for i, (label, data) in enumerate(rows):
        y, x = top + i * row_h, label_w
        mid = y + row_h / 2
        parts.append(_label(label_w - 6, mid + 5, label))
        for j, g in enumerate(groups):
            n = data.get(g, 0)
            if not n:
                continue
            w = max(1, round(bar_w * n / top_value))
            parts.append(f'<rect x="{x}" y="{mid - 8:.1f}" width="{w}" height="16"'
                         f' fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(groups[g])}: '
                         f'{_fmt(n)}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 4}" y="{mid + 5:.1f}" {FONT}>'
                     f'{_fmt(sum(data.values()))}</text>')
    parts.append("</svg>")
    return _svg(parts)


def stacked_columns(columns: list[str], series: list[tuple[str, list[int]]], title: str,
                    *, width: int = WIDTH, height: int = 200) -> Markup:
    """Vertical stacked columns (e.g. months) of several series (e.g. categories).
    A column's label may have two lines ("Jan" above "2026")."""
    totals = [sum(s[1][i] for s in series) for i in range(len(columns))]
    if not columns or not any(totals):
        return _empty(title, width)
    legend_h = legend_height(len(series))
    top, bottom, left = legend_h + LINE + 4, 2 * LINE + 6, 4
    plot_h = height - LINE - 4 - bottom
    col_w = (width - 2 * left) / len(columns)
    top_value = max(totals) or 1
    parts = _open(width, top + plot_h + bottom, title)
    parts.extend(_legend([s[0] for s in series], width))
    for i, col in enumerate(columns):
        x, y = left + i * col_w + 2, top + plot_h
        for j, (name, values) in enumerate(series):
            n = values[i]
            if not n:
                continue
            h = max(1, round(plot_h * n / top_value))
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{col_w - 4:.1f}" height="{h}"'
                         f' fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(name)}: '
                         f'{_fmt(n)}</title></rect>')
        cx = x + (col_w - 4) / 2
        if totals[i]:
            parts.append(f'<text x="{cx:.1f}" y="{y - 3}" text-anchor="middle" {FONT}>'
                         f'{_fmt(totals[i])}</text>')
        for k, line in enumerate(str(col).split("\n")):
            parts.append(f'<text x="{cx:.1f}" y="{top + plot_h + LINE * (k + 1)}"'
                         f' text-anchor="middle" {FONT}>{escape(line)}</text>')
    parts.append("</svg>")
    return _svg(parts)


def legend_height(n: int) -> int:
    return LINE * n + 4


def _legend(names: list[str], width: int) -> list[str]:
    """One name per line (full width), so that a long category is not cut."""
    out = []
    for i, name in enumerate(names):
        y = i * LINE + 2
        out.append(f'<rect x="4" y="{y + 2}" width="11" height="11"'
                   f' fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(_label(20, y + 12, name, anchor="start", chars=(width - 24) // 8, lines=1))
    return out


# --------------------------------------------------------------------------- the five charts

MONTHS_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
TOP_CATEGORIES = 5


def month_label(ym: str, first: bool = False) -> str:
    """"Jan" under a column; the year on a second line under the first column
    and under every January."""
    year, month = ym.split("-")
    name = MONTHS_ID[int(month) - 1]
    return f"{name}\n{year}" if first or month == "01" else name


def charts_for(report) -> dict[str, Chart]:
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
        series.append((_("Lainnya"), rest))
    progs = report.programs
    titles = {
        "per_bulan": _("Pengaduan per bulan menurut kategori"),
        "per_desa": _("Kasus per desa"),
        "per_program": _("Rujukan per program menurut status"),
        "median_hari": _("Median hari sampai selesai per program"),
        "tepat_waktu": _("Persen rujukan selesai dalam waktu layanan"),
    }
    drawn = {
        "per_bulan": stacked_columns(
            [month_label(m, first=i == 0) for i, m in enumerate(report.months)], series,
            titles["per_bulan"]),
        "per_desa": hbars([(name, n) for _c, name, n in report.by_village], titles["per_desa"]),
        "per_program": stacked_hbars([(p.name, p.by_group) for p in progs], REFERRAL_GROUPS,
                                     titles["per_program"]),
        "median_hari": hbars([(p.name, p.median_days) for p in progs if p.resolved],
                             titles["median_hari"], unit=" " + _("hari")),
        "tepat_waktu": hbars([(p.name, round(100 * p.on_time_share, 1)) for p in progs
                              if p.closed], titles["tepat_waktu"], unit="%", max_value=100),
    }
    return {key: Chart(titles[key], svg) for key, svg in drawn.items()}
