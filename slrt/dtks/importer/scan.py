"""One streaming pass over the file: read every data row (reader.py), check
it (checks.py) and hand the valid rows, the problems and the keys of the rows
with errors over in batches. No database, no Flask app needed."""

from __future__ import annotations

import csv
import gc
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from slrt.dtks.importer.base import BATCH_ROWS, _clip, _Rejected
from slrt.dtks.importer.checks import RowChecks
from slrt.dtks.importer.infile import InputFile
from slrt.dtks.importer.reader import (
    DELIMITERS,
    Layout,
    Restart,
    cell_text,
    check_not_cut,
    open_source,
    skip_header,
)
from slrt.dtks.importer.regions import Regions
from slrt.dtks.importer.rows import Batch, Problem, ScanEnd, SkipKey
from slrt.identity import normalise_digits


@dataclass
class _ScanParams:
    """What scan_rows() needs: the file, its layout, the regions table."""

    path: InputFile | str  # the file: a path, or a key of the app's file store
    layout: Layout
    region_rows: list
    scope: str | None
    today: date
    keep_errors: bool
    village_choices: dict | None = None


def _too_wide(row: list, ncols: int) -> bool:
    return len(row) > ncols and any(c.strip() for c in row[ncols:])


def _too_wide_problem(row_no: int, row: list, checks: RowChecks,
                      layout: Layout) -> tuple[Problem, SkipKey]:
    """A row with more cells than the header (a delimiter inside a cell?)."""
    n, ncols = len(row), checks.ncols
    msg = (f"Baris berisi {n} kolom, padahal judul hanya {ncols} kolom "
           f"(tanda pemisah di dalam isi sel?).")
    i_id, i_nik = checks.i_id, checks.i_nik
    problem = Problem(row_no, "", _clip(DELIMITERS.get(layout.delimiter, "").join(row), 200),
                      msg)
    key = SkipKey(row[i_id].strip()[:200] if i_id is not None else None,
                  normalise_digits(row[i_nik])[:200] if i_nik is not None else None)
    return problem, key


def _xlsx_cells(row: list, ncols: int) -> tuple[list, list] | None:
    """(cells as text, cells as the workbook gave them) of an .xlsx row; None
    for an empty row."""
    if not any(v is not None and str(v).strip() for v in row):
        return None
    if len(row) < ncols:
        row.extend([None] * (ncols - len(row)))
    return [cell_text(v) for v in row], row


def scan_rows(params: _ScanParams) -> Iterator[Batch | ScanEnd]:
    """Read and check every data row of the file; no database, no Flask.

    Yields a Batch every few thousand rows, then one ScanEnd (the villages
    covered, ID DTKS and NIK hash buckets). Raises Restart (not UTF-8 after
    all) or _Rejected.
    """
    layout = params.layout
    xlsx = layout.kind == "xlsx"
    regions = Regions(params.region_rows, params.scope, params.village_choices)
    checks = RowChecks(layout.header, regions, params.today, xlsx=xlsx)
    ncols = checks.ncols
    source = open_source(params.path, layout)
    total = rows_error = error_count = 0
    valid, problems, skipped = [], [], []
    covered: set[str] = set()
    # 64-bit hashes of the staged ID DTKS and NIK (8 bytes a row), in 16
    # buckets so that checking them needs little memory: a repeated hash
    # sends us to SQL for the exact duplicates.
    id_hashes = [array("q") for _ in range(16)]
    nik_hashes = [array("q") for _ in range(16)]
    id_add = [a.append for a in id_hashes]
    nik_add = [a.append for a in nik_hashes]
    check = checks._check
    row_no = layout.header_index + 1  # spreadsheet row of the header
    last_fields = ncols  # cells in the last data row read, as the file has them
    records = source.rows()
    skip_header(records, layout)
    # The loop makes millions of short-lived tuples and no reference cycles:
    # the cyclic collector would only cost time (~20%).
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        for row in records:
            row_no += 1
            if xlsx:
                cells = _xlsx_cells(row, ncols)
                if cells is None:
                    continue
                row, raw = cells
            elif not row or (len(row) == 1 and not row[0].strip()):
                continue
            else:
                raw = row
            total += 1
            n = last_fields = len(row)
            if n < ncols:
                row.extend([""] * (ncols - n))
            elif n > ncols and _too_wide(row, ncols):
                problem, key = _too_wide_problem(row_no, row, checks, layout)
                problems.append(problem)
                skipped.append(key)
                rows_error += 1
                error_count += 1
                continue
            staged, errs, key = check(row_no, row, raw)
            if staged is None:
                rows_error += 1
                error_count += len(errs)
                if params.keep_errors:
                    problems.extend(Problem(row_no, *e) for e in errs)
                skipped.append(key)
            else:
                covered.add(staged.village_code)
                h = hash(staged.registry_id)
                id_add[h & 15](h)
                h = hash(staged.nik)
                nik_add[h & 15](h)
                valid.append(staged)
            if len(valid) >= BATCH_ROWS or len(problems) >= 2000 or \
                    len(skipped) >= BATCH_ROWS:
                yield Batch(valid, problems, skipped, source.position(), source.total,
                            total, rows_error, error_count)
                valid, problems, skipped = [], [], []
    except UnicodeDecodeError:
        if layout.kind == "csv" and not layout.lossy:
            raise Restart from None
        raise
    except (csv.Error, StopIteration) as e:
        raise _Rejected(f"Berkas rusak atau tidak terbaca di sekitar baris {row_no}: {e}. "
                        "Ekspor ulang berkas dari SIKS-NG.") from None
    finally:
        if gc_enabled:
            gc.enable()
    check_not_cut(source, row_no, last_fields, ncols)
    yield Batch(valid, problems, skipped, source.total, source.total, total,
                rows_error, error_count)
    yield ScanEnd(sorted(covered), id_hashes, nik_hashes)
