"""The sentences of the cases' own events on the timeline (slrt/cases/timeline.py)."""

from __future__ import annotations

from flask_babel import gettext as _

from slrt.cases.timeline import _label, _with, renders
from slrt.common.time import format_period_id


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


@renders("lampiran")
def _attachment(d: dict) -> str:
    from slrt.cases.models import ATTACHMENT_KINDS

    sentence = _("Lampiran ditambahkan: %(kind)s.", kind=_label(ATTACHMENT_KINDS, d["kind"]))
    return _with(sentence, _("Keterangan: %(caption)s", caption=d["caption"])
                 if d.get("caption") else "")
