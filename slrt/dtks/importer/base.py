"""What every part of the importer shares: messages, results, errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ProgressCallback = Callable[[str, int, int], None]
"""progress(phase, done, total): phase "memeriksa" (done/total in bytes, or rows
for .xlsx) or "menerapkan" (done/total in steps)."""

MAX_STORED_ERRORS = 100_000  # problems kept for the report; all are counted
BATCH_ROWS = 5000
_CACHE_MAX = 10_000  # distinct raw values remembered per column (junk files stay small)


def gettext(text: str, **params) -> str:
    """An Indonesian message through flask_babel's gettext when an app is
    there; the same text, formatted, in a process without one. Named so that
    `pybabel extract` (babel.cfg) finds the messages."""
    from flask import has_app_context

    if has_app_context():
        from flask_babel import gettext as babel_gettext

        return babel_gettext(text, **params)
    return text % params if params else text


def format_count(n: int) -> str:
    """12345 -> '12.345' (Indonesian thousands separator)."""
    return f"{n:,}".replace(",", ".")



def _clip(value, n: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= n else text[: n - 1] + "\u2026"

# --------------------------------------------------------------------------
# Results and errors


class ImportRefused(Exception):
    """The import cannot go on; ``str(exc)`` is an Indonesian message."""


@dataclass
class ValidationResult:
    import_id: int
    status: str
    file_format: str = ""
    rows_total: int = 0
    rows_valid: int = 0
    rows_error: int = 0
    error_count: int = 0
    villages: int = 0
    message: str = ""
    duplicate_of_id: int | None = None

    @property
    def ok(self) -> bool:
        """Validated without a single problem."""
        return self.status == "validated" and self.rows_error == 0

    @property
    def is_noop(self) -> bool:
        return self.duplicate_of_id is not None


@dataclass
class ApplyResult:
    import_id: int
    status: str
    inserted: int = 0
    updated: int = 0
    confirmed: int = 0
    unchanged: int = 0
    reactivated: int = 0
    deactivated: int = 0
    skipped_newer: int = 0
    rows_skipped: int = 0
    villages: int = 0
    message: str = ""


@dataclass
class ImportOutcome:
    validation: ValidationResult
    applied: ApplyResult | None = None

    @property
    def import_id(self) -> int:
        return self.validation.import_id

    @property
    def status(self) -> str:
        return self.applied.status if self.applied else self.validation.status


class _Unconfirmed(Exception):
    """The apply would mark inactive more than MASS_DEACTIVATION_SHARE of a
    village's active records, and nobody confirmed that number."""

    def __init__(self, count: int, message: str):
        super().__init__(message)
        self.count = count
        self.message = message


class _Rejected(Exception):
    """The file as a whole cannot be imported (message in Indonesian)."""

    def __init__(self, message: str, problems: list[tuple] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []
