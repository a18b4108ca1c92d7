"""The sentences of the referral events on a case's timeline (slrt/cases/timeline.py)."""

from __future__ import annotations

from flask_babel import gettext as _

from slrt.cases.timeline import _label, _long_date, _short_date, _with, renders
from slrt.referrals.aid import item_name, quantity_text


def _program(d: dict) -> tuple[str, str]:
    """The program's name and unit as the program table says it now; the
    names stored with the event when the program is gone."""
    from slrt.extensions import db
    from slrt.referrals.models import Program

    program = db.session.get(Program, d["program"]) if d.get("program") else None
    if program is not None:
        return program.name, program.unit
    return d.get("program_name") or d.get("program", ""), d.get("unit", "")


@renders("rujukan")
def _referred(d: dict) -> str:
    name, unit = _program(d)
    if d.get("forwarded"):
        return _("Diteruskan ke %(program)s (%(unit)s), batas layanan %(due)s.",
                 program=name, unit=unit, due=_short_date(d["due"]))
    return _("Dirujuk ke %(program)s (%(unit)s), batas layanan %(due)s. Alasan: %(reason)s",
             program=name, unit=unit, due=_short_date(d["due"]), reason=d["reason"])


@renders(prefix="rujukan_")
def _referral_move(d: dict) -> str:
    """rujukan_<action>: one move of the referral life cycle (workflow.MOVES)."""
    from slrt.referrals.workflow import MOVES, STATUSES

    name, _unit = _program(d)
    sentence = _("%(number)s (%(program)s): %(old)s → %(new)s.", number=d["number"],
                 program=name, old=_label(STATUSES, d["old"]), new=_label(STATUSES, d["status"]))
    if not d.get("reason"):
        return sentence
    spec = MOVES.get(d["action"])
    label = str(spec.reason_label) if spec else _("Alasan")
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
        items = ", ".join(quantity_text(qty, unit, item_name(code[0] if code else None, name))
                          for qty, unit, name, *code in d["items"])
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


