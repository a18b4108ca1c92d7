"""Registry snapshots: import a DTKS / DTSEN export (SIKS-NG layout) for a period.

Two phases, both reading the file in one streaming pass:

1. **Validation.** The header is found in the first lines (any of ``|``,
   ``;``, tab or ``,``; UTF-8 with or without BOM, or Windows-1252; or an
   ``.xlsx`` sheet), then every row is checked: NIK and No KK with
   ``slrt.identity``, the birth date, the region names (resolved to Kemendagri
   codes within the named regency and district, never guessed), flags,
   lengths; duplicate ID DTKS or NIK inside the file. Each problem is kept with
   its spreadsheet row (header = row 1), column, value and an Indonesian
   explanation in ``registry_import_errors``. Valid rows go to a staging table.

2. **Apply**, in ONE transaction, set-based: records are matched by ID DTKS,
   else by NIK (a record that would otherwise be deactivated, or an inactive
   one); changed records are updated and their previous values kept in
   ``registry_record_history``; unchanged ones only get the new period; new
   ones are inserted; the records of the villages present in the file that
   the file no longer lists are marked inactive (never deleted). Nothing is
   committed before the end, so a crash or a kill leaves the previous
   snapshot intact and usable, and running the import again completes it.

The import's state lives in ``registry_imports`` (status, progress, counts),
written on a connection of its own so that a page can poll it. Statuses:
``validating`` -> ``validated`` | ``rejected`` -> ``applying`` -> ``applied``
| ``failed``; see ``IMPORT_STATUSES``.

Public API (call inside an app context; safe from a background thread):

* ``import_file(path, period, ...)``: both phases, as ``flask dtks import``;
* ``validate_file(path, period, ...)`` then ``apply_import(import_id, ...)``:
  the same in two steps, for the upload page (the apply re-reads the file);
* ``write_report(import_id, dest)``: the CSV ``baris,kolom,nilai,keterangan``;
* ``get_import``, ``recent_imports``, ``import_problems``, ``cancel_import``;
* ``record_history(record_id)``, ``record_as_of(nik, period)``;
* every import_file() and apply_import() ends with one "impor" entry in the
  audit log (slrt.audit), as the user in created_by_id;
* ``SIKS_NG_COLUMNS``, ``siksng_row``, ``write_siksng``: the export layout,
  for tests, benchmarks and templates.

Modules (each does one thing; none needs another's internals):

* ``columns``: the column table (header titles and aliases, lengths, the
  staging column order and types); ``rows``: the named rows passed around;
* ``reader``: CSV / .xlsx reading, encodings, delimiters, the header, the
  zip-size and cut-file checks; ``parsers``: value parsers; ``regions``:
  region names to codes; ``checks``: the rules of a row; ``scan``: one pass
  over the file (no database in any of these);
* ``staging``: the staging tables, phase 1 into them, duplicates in the
  file; ``apply``: phase 2; ``job``: one import at work (_Run);
  ``tracker``: the import row while it works;
* ``phases``: validate_file, apply_import, import_file; ``runs``: queued
  imports and the background process; ``report``: reading the outcome.

The SIKS-NG writer (tests, benchmarks, demo) is ``slrt.dtks.siksng``.
"""

import logging

from slrt.dtks.importer.base import (
    BATCH_ROWS,
    MAX_STORED_ERRORS,
    ApplyResult,
    ImportOutcome,
    ImportRefused,
    ProgressCallback,
    ValidationResult,
    format_count,
    gettext,
)
from slrt.dtks.importer.columns import COLUMNS, REQUIRED
from slrt.dtks.importer.infile import InputFile
from slrt.dtks.importer.job import _Run
from slrt.dtks.importer.parsers import check_period
from slrt.dtks.importer.phases import apply_import, import_file, validate_file
from slrt.dtks.importer.reader import (
    XLSX_MAX_MEMBERS,
    XLSX_MAX_RATIO,
    XLSX_MAX_UNPACKED,
    XLSX_RATIO_FROM,
    check_upload,
)
from slrt.dtks.importer.report import (
    get_import,
    import_problems,
    recent_imports,
    record_as_of,
    record_history,
    write_report,
)
from slrt.dtks.importer.runs import (
    CANCELLABLE_IMPORT_STATUSES,
    cancel_import,
    mark_failed,
    queue_apply,
    queue_validation,
    run_queued,
)
from slrt.dtks.siksng import (
    SIKS_NG_COLUMNS,
    region_names_for,
    siksng_header,
    siksng_row,
    write_siksng,
)

# The modules log as children of this logger: `flask dtks import --verbose`
# gives it a handler and the DEBUG level.
log = logging.getLogger(__name__)

__all__ = [
    "ApplyResult",
    "BATCH_ROWS",
    "CANCELLABLE_IMPORT_STATUSES",
    "COLUMNS",
    "ImportOutcome",
    "InputFile",
    "ImportRefused",
    "MAX_STORED_ERRORS",
    "ProgressCallback",
    "REQUIRED",
    "SIKS_NG_COLUMNS",
    "ValidationResult",
    "XLSX_MAX_MEMBERS",
    "XLSX_MAX_RATIO",
    "XLSX_MAX_UNPACKED",
    "XLSX_RATIO_FROM",
    "_Run",
    "apply_import",
    "cancel_import",
    "check_period",
    "check_upload",
    "format_count",
    "get_import",
    "gettext",
    "import_file",
    "import_problems",
    "mark_failed",
    "queue_apply",
    "queue_validation",
    "record_as_of",
    "record_history",
    "recent_imports",
    "region_names_for",
    "run_queued",
    "siksng_header",
    "siksng_row",
    "validate_file",
    "write_report",
    "write_siksng",
]
