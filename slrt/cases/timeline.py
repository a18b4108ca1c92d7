"""The words of the case timeline.

A timeline event is stored as its kind and plain JSON facts (codes, ids, ISO
dates, names as they were at the time, text the user typed) in
`CaseEvent.data`; the sentence is written here, when it is shown, through
gettext. An old record can therefore be shown in another language, and a
renamed program or a corrected label shows on every event that names it.

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
    format_period_id,
)

Renderer = Callable[[dict], str]
RENDERERS: dict[str, Renderer] = {}
PREFIX_RENDERERS: dict[str, Renderer] = {}


def renders(*kinds: str, prefix: str | None = None):
    """Register the sentence of these kinds of event (or of every kind that
    starts with `prefix`). The cases write their own here; a feature above
    registers those of the events it adds to a case (slrt/referrals/timeline.py,
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
def _label(table: dict[str, str], code: str) -> str:
    """A code's label as the code tables say it today, through the catalogue."""
    label = table.get(code)
    return _(label) if label else code


def _short_date(iso: str) -> str:
    """'2026-11-27' -> '27-11-2026' (the numeric form the referral events use)."""
    return date.fromisoformat(iso).strftime("%d-%m-%Y")


def _long_date(iso: str) -> str:
    return format_date_id(date.fromisoformat(iso))


def _datetime(iso: str) -> str:
    return format_datetime_id(datetime.fromisoformat(iso))


def _with(sentence: str, extra: str | None) -> str:
    return f"{sentence} {extra}" if extra else sentence


# ------------------------------------------------------------------ cases
@renders("dibuat")
def _created(d: dict) -> str:
    from slrt.cases.models import CHANNELS

    if d.get("reporter_is_beneficiary", not d.get("reporter_name")):
        reporter = _("penerima manfaat sendiri")
    elif d.get("reporter_relation"):
        reporter = _("%(name)s (%(relation)s)", name=d["reporter_name"],
                     relation=d["reporter_relation"])
    else:
        reporter = d["reporter_name"]
    return _("Pengaduan dicatat (%(channel)s); pelapor: %(reporter)s.",
             channel=_label(CHANNELS, d["channel"]), reporter=reporter)


@renders("cek_dtks")
def _registry_check(d: dict) -> str:
    if not d.get("checked", True):
        return _("DTKS tidak diperiksa: identitas penerima manfaat tidak diketahui.")
    if d["found"]:
        return _("Pemeriksaan %(source)s: %(status)s (data periode %(period)s).",
                 source=d["source"],
                 status=_("terdaftar") if d["active"] else _("tercatat tidak aktif"),
                 period=format_period_id(d["period"]))
    if d.get("period"):
        return _("Pemeriksaan DTKS: tidak terdaftar (data periode %(period)s).",
                 period=format_period_id(d["period"]))
    return _("Pemeriksaan DTKS: tidak terdaftar (belum ada data DTKS yang dimuat).")


@renders("pengaduan_tambahan")
def _more_complaint(d: dict) -> str:
    from slrt.cases.models import CHANNELS

    return _("Pengaduan tambahan (%(channel)s): %(text)s",
             channel=_label(CHANNELS, d["channel"]), text=d["text"])


@renders("catatan")
def _note(d: dict) -> str:
    return d["text"]


@renders("ditutup")
def _closed(d: dict) -> str:
    from slrt.cases.models import DESK_OUTCOMES, REFERRAL_OUTCOME

    if d["outcome"] == REFERRAL_OUTCOME:
        return _("Semua rujukan selesai; kasus ditutup otomatis.")
    sentence = _("Kasus diselesaikan di desa: %(outcome)s.",
                 outcome=_label(DESK_OUTCOMES, d["outcome"]))
    return _with(sentence, _("Catatan: %(note)s", note=d["note"]) if d.get("note") else "")


@renders("dibuka_kembali")
def _reopened(d: dict) -> str:
    return _("Tidak ada rujukan yang terbuka atau berhasil; kasus kembali ke meja Puskesos "
             "untuk ditindaklanjuti.")
