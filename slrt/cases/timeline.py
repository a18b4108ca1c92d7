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
    format_number_id,
    format_period_id,
)

Renderer = Callable[[dict], str]
RENDERERS: dict[str, Renderer] = {}


def renders(*kinds: str):
    def register(fn: Renderer) -> Renderer:
        for kind in kinds:
            RENDERERS[kind] = fn
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
    if fn is None and kind.startswith("rujukan_"):
        fn = _referral_move
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


def _program(d: dict) -> tuple[str, str]:
    """The program's name and unit as the program table says it now; the
    names stored with the event when the program is gone."""
    from slrt.extensions import db
    from slrt.referrals.models import Program

    program = db.session.get(Program, d["program"]) if d.get("program") else None
    if program is not None:
        return program.name, program.unit
    return d.get("program_name") or d.get("program", ""), d.get("unit", "")


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


# ------------------------------------------------------------------ referrals
@renders("rujukan")
def _referred(d: dict) -> str:
    name, unit = _program(d)
    if d.get("forwarded"):
        return _("Diteruskan ke %(program)s (%(unit)s), batas layanan %(due)s.",
                 program=name, unit=unit, due=_short_date(d["due"]))
    return _("Dirujuk ke %(program)s (%(unit)s), batas layanan %(due)s. Alasan: %(reason)s",
             program=name, unit=unit, due=_short_date(d["due"]), reason=d["reason"])


def _referral_move(d: dict) -> str:
    """rujukan_<action>: one move of the referral life cycle (workflow.MOVES)."""
    from slrt.referrals.workflow import MOVES, STATUSES

    name, _unit = _program(d)
    sentence = _("%(number)s (%(program)s): %(old)s → %(new)s.", number=d["number"],
                 program=name, old=_label(STATUSES, d["old"]), new=_label(STATUSES, d["status"]))
    if not d.get("reason"):
        return sentence
    spec = MOVES.get(d["action"])
    label = _(spec.reason_label) if spec else _("Alasan")
    return _with(sentence, _("%(label)s: %(reason)s", label=label, reason=d["reason"]))


@renders("rujukan_tugas")
def _assigned(d: dict) -> str:
    if d.get("handler"):
        return _("%(number)s ditugaskan kepada %(name)s.", number=d["number"],
                 name=d["handler"])
    return _("%(number)s dilepas dari petugas.", number=d["number"])


@renders("serah_terima")
def _handover(d: dict) -> str:
    if "items" in d:
        items = ", ".join(f"{format_number_id(qty)} {unit} {name.lower()}"
                          for qty, unit, name in d["items"])
    else:  # a migrated row: the list as it was written
        items = d["items_text"]
    return _("Serah terima barang %(number)s kepada %(name)s: %(items)s.",
             number=d["number"], name=d["recipient"], items=items)


@renders("rujukan_jeda")
def _paused(d: dict) -> str:
    return _("%(number)s: waktu layanan dijeda. Alasan: %(reason)s",
             number=d["number"], reason=d["reason"])


@renders("rujukan_lanjut")
def _resumed(d: dict) -> str:
    sentence = _("%(number)s: jeda selesai setelah %(n)d hari kerja; batas layanan %(due)s.",
                 number=d["number"], n=int(d["days"]), due=_long_date(d["due"]))
    return _with(sentence, _("Keterangan: %(note)s", note=d["note"]) if d.get("note") else "")


# ------------------------------------------------------------------ outreach
NEXT_VISIT_WHY = {
    "sore": "warga biasanya di kebun pagi sampai siang; coba sore hari",
    "pagi": "coba pagi hari sebelum warga berangkat ke kebun",
}


@renders("kunjungan")
def _visit(d: dict) -> str:
    from slrt.reminders.models import VISIT_OUTCOMES

    parts = [_("Kunjungan penjangkauan %(when)s: %(outcome)s.",
               when=_datetime(d["visited_at"]), outcome=_label(VISIT_OUTCOMES, d["outcome"]))]
    if d.get("notes"):
        parts.append(_("Catatan: %(notes)s", notes=d["notes"]))
    if d.get("next_visit"):
        why = NEXT_VISIT_WHY.get(d.get("next_visit_why", ""))
        hint = _datetime(d["next_visit"]) + (f" ({_(why)})" if why else "")
        parts.append(_("Kunjungan berikutnya disarankan %(hint)s.", hint=hint))
    elif d.get("hint"):  # a migrated row: the suggestion as it was written
        parts.append(_("Kunjungan berikutnya disarankan %(hint)s.", hint=d["hint"]))
    if d.get("stale_proposal"):
        parts.append(_("Usulan penonaktifan DTKS %(number)s masuk pra-daftar Musdes.",
                       number=d["stale_proposal"]))
    elif d.get("stale_none"):
        parts.append(_("Warga tidak tercatat aktif di DTKS; tidak ada usulan penonaktifan."))
    return " ".join(parts)


@renders("tindak_lanjut")
def _contact(d: dict) -> str:
    return _("Tindak lanjut: %(text)s", text=d["text"])


# ------------------------------------------------------------------ proposals
@renders("usulan")
def _proposal(d: dict) -> str:
    from slrt.proposals.models import FLAG_KINDS, KINDS, STATUSES

    step = d["step"]
    if step == "dibuat":
        return _("Usulan DTKS %(number)s dibuat: %(kind)s.", number=d["number"],
                 kind=_label(KINDS, d["proposal_kind"]))
    if step == "dicabut":
        return _("Laporan \"%(flag)s\" atas %(name)s dicabut; usulan %(number)s dicabut.",
                 flag=_label(FLAG_KINDS, d["flag"]).lower(), name=d["name"],
                 number=d["number"])
    if step == "musdes":
        return _("Musdes %(date)s: usulan %(number)s %(status)s.", date=_short_date(d["date"]),
                 number=d["number"], status=_label(STATUSES, d["status"]).lower())
    if step == "dikirim":
        return _("Usulan %(number)s dikirim ke SIKS-NG.", number=d["number"])
    if step == "kemensos":
        return _("Usulan %(number)s: %(status)s.", number=d["number"],
                 status=_label(STATUSES, d["status"]).lower())
    raise KeyError(step)
