"""The words of the case timeline.

A timeline event is stored as its kind and plain JSON facts (codes, ids, ISO
dates, names as they were at the time, text the user typed) in
`CaseEvent.data`; the sentence is written when it is shown, through gettext,
by the renderer registered here for its kind: the cases' own in
slrt/cases/sentences.py, each feature's in its timeline.py. An old record
can therefore be shown in another language, and a renamed program or a
corrected label shows on every event that names it.

Rows written before this module (and that migration 0012 could not read
back into facts) keep their sentence in `CaseEvent.message`; a non-empty
message is shown as it was written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask_babel import gettext as _

from slrt.common.time import (
    format_date_id,
    format_datetime_id,
)

Renderer = Callable[[dict], str]
RENDERERS: dict[str, Renderer] = {}
PREFIX_RENDERERS: dict[str, Renderer] = {}


def renders(*kinds: str, prefix: str | None = None):
    """Register the sentence of these kinds of event (or of every kind that
    starts with `prefix`): the cases' own (slrt/cases/sentences.py) and
    those a feature above adds to a case (slrt/referrals/timeline.py,
    slrt/outreach/timeline.py, slrt/proposals/timeline.py, imported with
    their package), so the timeline imports none of them."""
    def register(fn: Renderer) -> Renderer:
        for kind in kinds:
            RENDERERS[kind] = fn
        if prefix:
            PREFIX_RENDERERS[prefix] = fn
        return fn
    return register


def render(kind: str, data: dict | None, legacy: str | None = "", *,
           programs: dict[str, tuple[str, str]] | None = None) -> str:
    """The sentence of one event; the stored text for a legacy row or an
    event this module does not know (or whose facts are incomplete).

    programs (code -> (name, unit)) names the programs without the session
    (a migration's connection)."""
    if legacy:
        return legacy
    if programs is not None and data and data.get("program") in programs:
        name, unit = programs[data["program"]]
        data = {**data, "program": None, "program_name": name, "unit": unit}
    fn = RENDERERS.get(kind)
    if fn is None:
        fn = next((f for p, f in PREFIX_RENDERERS.items() if kind.startswith(p)), None)
    if fn is None:
        return legacy or ""
    try:
        return fn(data or {})
    except (KeyError, TypeError, ValueError):
        return legacy or ""


# ------------------------------------------------------------------ helpers
def _label(table: dict, code: str) -> str:
    """A code's label as the code tables say it today, through the catalogue
    (a table of lazy_gettext labels is translated when read)."""
    label = table.get(code)
    if not label:
        return code
    return _(label) if isinstance(label, str) else str(label)


def _short_date(iso: str) -> str:
    """'2026-11-27' -> '27-11-2026' (the numeric form the referral events use)."""
    return date.fromisoformat(iso).strftime("%d-%m-%Y")


def _long_date(iso: str) -> str:
    return format_date_id(date.fromisoformat(iso))


def _datetime(iso: str) -> str:
    return format_datetime_id(datetime.fromisoformat(iso))


def _with(sentence: str, extra: str | None) -> str:
    return f"{sentence} {extra}" if extra else sentence
