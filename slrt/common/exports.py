"""CSV and XLSX writers for exports; cells that a spreadsheet would run as a
formula are neutralised, identifiers stay text."""

from __future__ import annotations

import csv
import io

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS) else text


def to_csv(header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 correctly


def to_xlsx(header: list[str], rows: list[list], title: str = "Data") -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append(header)
    for row in rows:
        ws.append([safe_cell(v) for v in row])  # strings: NIK keeps its 16 digits
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
