"""The life cycles of a registry proposal (usulan) and of a moved/died report
on a registry record, as data in one place.

A proposal waits in the village's pre-list ("draf") for the Musdes, which
approves, rejects or postpones it; an approved one is sent to SIKS-NG and the
ministry accepts or rejects it. A proposal raised by a field report is
withdrawn with the last report standing on it, while the Musdes has not yet
decided. The services move a proposal only through this table; pages read
its flags.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from slrt.common.lifecycle import Lifecycle, State, move

PROPOSAL_FLOW = Lifecycle(_l("Usulan"), [
    State("draf", _l("Pra-daftar (menunggu Musdes)")),
    State("disetujui", _l("Disetujui Musdes")),
    State("ditolak", _l("Ditolak Musdes"), is_open=False, is_final=True),
    State("ditunda", _l("Ditunda ke Musdes berikutnya")),
    State("dikirim", _l("Dikirim ke SIKS-NG")),
    State("diterima_kemensos", _l("Diterima Kemensos"), is_open=False, is_final=True),
    State("ditolak_kemensos", _l("Ditolak Kemensos"), is_open=False, is_final=True),
    State("dicabut", _l("Dicabut (laporan lapangan ditarik)"), is_open=False, is_final=True),
], [
    # The Musdes decides on each proposal of the pre-list.
    move("setujui", _l("Disetujui"), {"draf", "ditunda"}, "disetujui", {"musdes"}),
    move("tolak", _l("Ditolak"), {"draf", "ditunda"}, "ditolak", {"musdes"},
         reason_required=True),
    move("tunda", _l("Ditunda"), {"draf", "ditunda"}, "ditunda", {"musdes"}),
    move("kirim", _l("Kirim ke SIKS-NG"), {"disetujui"}, "dikirim", {"desk"}),
    move("diterima_kemensos", _l("Diterima"), {"dikirim"}, "diterima_kemensos", {"desk"}),
    move("ditolak_kemensos", _l("Ditolak"), {"dikirim"}, "ditolak_kemensos", {"desk"}),
    move("cabut", _l("Cabut usulan"), {"draf", "ditunda"}, "dicabut", {"reporter"}),
])

STATUSES = PROPOSAL_FLOW.labels()
OPEN_STATUSES = PROPOSAL_FLOW.open_codes
# The Musdes's choices, by the status each leads to (the form's values).
MUSDES_MOVES = {m.target: m for m in PROPOSAL_FLOW.moves.values() if "musdes" in m.sides}
MINISTRY_MOVES = ("diterima_kemensos", "ditolak_kemensos")
# In the pre-list, waiting for the Musdes (its form lists them).
AWAITING_MUSDES = PROPOSAL_FLOW.sources_of("setujui", "tolak", "tunda")
# Before the Musdes decided: a field report may still be taken back.
WITHDRAWABLE = PROPOSAL_FLOW.sources_of("cabut")
POSTPONED = ("ditunda",)


def musdes_choices() -> list[tuple[str, str]]:
    """(value, label) of the Musdes form's decision per proposal."""
    return [(code, str(m.label)) for code, m in MUSDES_MOVES.items()]


# A moved/died report on a registry record: standing until withdrawn. It has
# no status column; its status is read from withdrawn_at.
FLAG_FLOW = Lifecycle(_l("Laporan"), [
    State("berlaku", _l("Berlaku")),
    State("dicabut", _l("Dicabut"), is_open=False, is_final=True),
], [
    move("cabut", _l("Cabut laporan"), {"berlaku"}, "dicabut", {"reporter", "supervisor"}),
])
