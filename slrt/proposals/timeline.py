"""The sentences of the proposal events on a case's timeline (slrt/cases/timeline.py)."""

from __future__ import annotations

from flask_babel import gettext as _

from slrt.cases.timeline import _label, _short_date, renders


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
