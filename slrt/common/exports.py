"""CSV and XLSX writers for exports; cells that a spreadsheet would run as a
formula are neutralised, identifiers stay text."""

from __future__ import annotations

import csv
import io
from datetime import date

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS) else text


def _text_for_excel(value) -> str:
    """A 16-digit NIK or No KK as ="...": Excel keeps it as text, not 1.50403E+15."""
    text = "" if value is None else str(value)
    return f'="{text}"' if text.isascii() and text.isdigit() else safe_cell(text)


def to_csv(header: list[str], rows: list[list], text_columns: tuple[int, ...] = ()) -> bytes:
    """CSV with a BOM; the columns listed in text_columns hold identifiers."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text_for_excel(v) if i in text_columns else safe_cell(v)
                         for i, v in enumerate(row)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 correctly


def xlsx_cell(value):
    """A number stays a number (the sheet can sum it), a date a date, an empty
    cell empty; text, a NIK, a No KK or a phone number among it, stays text."""
    if value is None or isinstance(value, bool):
        return None if value is None else safe_cell(value)
    if isinstance(value, int | float | date):
        return value
    return safe_cell(value)


def to_xlsx(header: list[str], rows: list[list], title: str = "Data") -> bytes:
    return sheets_xlsx([(title, header, rows)])


def sheets_xlsx(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """One sheet per (title, header, rows)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append(header)
        for row in rows:
            ws.append([xlsx_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
