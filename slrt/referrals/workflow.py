"""The referral life cycle, as data in one place.

Every move a referral can make, from which statuses, to which status, who
may make it and whether a reason is required. Views and services never test
statuses themselves: they ask this table.

Sides: "handler" is a handler of the referral's program; "desk" is an
operator or facilitator of the case's village, or the regency supervisor.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from slrt.common.permissions import can

STATUSES = {
    "dikirim": _l("Dikirim, menunggu diterima"),
    "diterima": _l("Diterima"),
    "diproses": _l("Sedang diproses"),
    "perlu_info": _l("Dikembalikan: perlu informasi"),
    "dijawab": _l("Informasi dijawab, kembali ke antrean"),
    "tersalurkan": _l("Bantuan disalurkan"),
    "selesai": _l("Selesai"),
    "ditolak": _l("Ditolak"),
    "diteruskan": _l("Diteruskan ke program lain"),
    "dibatalkan": _l("Dibatalkan"),
}

OPEN_STATUSES = frozenset({"dikirim", "diterima", "diproses", "perlu_info", "dijawab"})
CLOSED_STATUSES = frozenset(STATUSES) - OPEN_STATUSES
# Waiting on the handler's side (in the program queue).
QUEUE_STATUSES = frozenset({"dikirim", "diterima", "diproses", "dijawab"})
# Waiting on the village desk: the handler asked a question (shown on the case page).
ASKS_DESK_STATUSES = frozenset({"perlu_info"})
# Ended with the help delivered: a case whose referrals all ended so is settled.
DELIVERED_STATUSES = frozenset({"tersalurkan", "selesai"})
# Display flags of the moves: the main button of the page, and the moves
# that take an optional note when no reason is required.
PRIMARY_ACTIONS = frozenset({"terima", "selesaikan", "salurkan", "jawab"})
OPTIONAL_NOTE_ACTIONS = frozenset({"salurkan", "selesaikan"})
# Accepted and not yet ended: the handler may record the goods handed over.
HANDOVER_STATUSES = frozenset({"diterima", "diproses"})


@dataclass(frozen=True)
class Move:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    sides: frozenset[str]
    reason_required: bool = False
    reason_label: str = _l("Alasan")
    needs_program: bool = False  # forwarding names the new program

    @property
    def primary(self) -> bool:
        return self.action in PRIMARY_ACTIONS

    @property
    def takes_note(self) -> bool:
        """The form has the "reason" field: a required reason or an optional note."""
        return self.reason_required or self.action in OPTIONAL_NOTE_ACTIONS

    @property
    def note_label(self) -> str:
        return str(self.reason_label) if self.reason_required else _("Keterangan (boleh kosong)")


def _m(action, label, sources, target, sides, **kw) -> Move:
    return Move(action, label, frozenset(sources), target, frozenset(sides), **kw)


MOVES: dict[str, Move] = {m.action: m for m in (
    _m("terima", _l("Terima"), {"dikirim", "dijawab"}, "diterima", {"handler"}),
    _m("proses", _l("Mulai proses"), {"diterima"}, "diproses", {"handler"}),
    _m("minta_info", _l("Kembalikan: minta informasi"),
       {"dikirim", "diterima", "diproses", "dijawab"}, "perlu_info", {"handler"},
       reason_required=True, reason_label=_l("Pertanyaan untuk desa")),
    _m("jawab", _l("Jawab pertanyaan"), {"perlu_info"}, "dijawab", {"desk"}, reason_required=True,
       reason_label=_l("Jawaban")),
    _m("salurkan", _l("Bantuan disalurkan"), {"diterima", "diproses"}, "tersalurkan", {"handler"}),
    _m("selesaikan", _l("Selesai ditangani"), {"diterima", "diproses"}, "selesai", {"handler"}),
    _m("tolak", _l("Tolak"), {"dikirim", "diterima", "diproses", "dijawab"}, "ditolak",
       {"handler"}, reason_required=True, reason_label=_l("Alasan penolakan")),
    _m("teruskan", _l("Teruskan ke program lain"), {"dikirim", "diterima", "diproses", "dijawab"},
       "diteruskan", {"handler"}, reason_required=True, reason_label=_l("Alasan diteruskan"),
       needs_program=True),
    _m("batalkan", _l("Batalkan rujukan"), OPEN_STATUSES, "dibatalkan", {"desk"},
       reason_required=True, reason_label=_l("Alasan pembatalan")),
)}


def sides_of(user, referral) -> set[str]:
    """Which sides of a referral the user stands on."""
    sides = set()
    if can(user, "referral.handle", referral):   # a handler of the referral's program
        sides.add("handler")
    if can(user, "referral.desk", referral.case):  # a desk of the case's village, the regency
        sides.add("desk")
    return sides


def allowed_moves(user, referral) -> list[Move]:
    sides = sides_of(user, referral)
    return [m for m in MOVES.values() if referral.status in m.sources and m.sides & sides]


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


# What the page says once a move is made: a sentence, never the button's label.
DONE = {
    "terima": _l("Rujukan %(number)s diterima dan masuk antrean program."),
    "proses": _l("Rujukan %(number)s mulai diproses."),
    "minta_info": _l("Rujukan %(number)s dikembalikan ke desa dengan pertanyaan."),
    "jawab": _l("Jawaban untuk rujukan %(number)s terkirim; rujukan kembali ke antrean."),
    "salurkan": _l("Bantuan untuk rujukan %(number)s dicatat sudah disalurkan."),
    "selesaikan": _l("Rujukan %(number)s dicatat selesai ditangani."),
    "tolak": _l("Rujukan %(number)s ditolak; desa diberi tahu alasannya."),
    "teruskan": _l("Rujukan %(number)s diteruskan ke program lain."),
    "batalkan": _l("Rujukan %(number)s dibatalkan."),
}


def done_message(action: str, number: str) -> str:
    """The sentence that tells what a move did."""
    sentence = DONE.get(action)
    if sentence is None:
        return _("Rujukan %(number)s: %(status)s.", number=number,
                 status=str(STATUSES[MOVES[action].target]).lower())
    return str(sentence) % {"number": number}
