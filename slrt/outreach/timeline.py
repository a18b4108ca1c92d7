"""The sentences of the outreach events on a case's timeline (slrt/cases/timeline.py)."""

from __future__ import annotations

from flask_babel import gettext as _

from slrt.cases.timeline import _datetime, _label, renders
from slrt.outreach.hints import next_visit_text


@renders("kunjungan")
def _visit(d: dict) -> str:
    from slrt.outreach.models import VISIT_OUTCOMES

    parts = [_("Kunjungan penjangkauan %(when)s: %(outcome)s.",
               when=_datetime(d["visited_at"]), outcome=_label(VISIT_OUTCOMES, d["outcome"]))]
    if d.get("notes"):
        parts.append(_("Catatan: %(notes)s", notes=d["notes"]))
    if d.get("next_visit"):
        hint = next_visit_text(d.get("next_visit_why", ""), {"at": d["next_visit"]})
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


