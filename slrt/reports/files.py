"""The report files, the same from the page and from `flask reports`: the case
report as one long CSV or one sheet per table, the registry recap as a sheet."""

from __future__ import annotations

from datetime import date

from slrt.common.exports import sheets_xlsx, to_csv
from slrt.reports.queries.registry_recap import RECAP_LABELS


def report_csv(tables) -> bytes:
    """All tables in one CSV, one row per figure: the section, the code and name
    of what the row counts, the value, the code of the column."""
    header = ["bagian", "kode", "nama", "nilai", "kolom"]
    rows = []
    for table in tables:
        for code, cells in table.rows:
            for (column, _label), value in list(zip(table.columns, cells, strict=True))[1:]:
                rows.append([table.title, code, cells[0],
                             value.isoformat() if isinstance(value, date) else value, column])
    return to_csv(header, rows)


def recap_xlsx(rows) -> bytes:
    return sheets_xlsx([("Rekap DTKS", [str(label) for label in RECAP_LABELS], rows)])


def report_xlsx(tables) -> bytes:
    """One sheet per table, the page's header and cells; numbers are numbers."""
    return sheets_xlsx([(t.title, t.labels, [cells for _code, cells in t.rows])
                        for t in tables])
