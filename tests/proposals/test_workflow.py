"""The proposal and field-report life cycle tables (slrt/proposals/workflow.py):
every legal move, and an illegal one refused in Indonesian."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from slrt.common.errors import DomainError
from slrt.proposals.workflow import (
    AWAITING_MUSDES,
    FLAG_FLOW,
    OPEN_STATUSES,
    PROPOSAL_FLOW,
    STATUSES,
    WITHDRAWABLE,
    musdes_choices,
)

LEGAL = [
    ("draf", "setujui", "disetujui"), ("ditunda", "setujui", "disetujui"),
    ("draf", "tolak", "ditolak"), ("ditunda", "tolak", "ditolak"),
    ("draf", "tunda", "ditunda"), ("ditunda", "tunda", "ditunda"),
    ("disetujui", "kirim", "dikirim"),
    ("dikirim", "diterima_kemensos", "diterima_kemensos"),
    ("dikirim", "ditolak_kemensos", "ditolak_kemensos"),
    ("draf", "cabut", "dicabut"), ("ditunda", "cabut", "dicabut"),
]


def test_the_table_has_exactly_these_moves():
    table = {(s, a, m.target) for a, m in PROPOSAL_FLOW.moves.items() for s in m.sources}
    assert table == set(LEGAL)


@pytest.mark.parametrize(("status", "action", "target"), LEGAL)
def test_every_legal_move(app, status, action, target):
    p = SimpleNamespace(status=status)
    assert PROPOSAL_FLOW.apply(p, action) == target
    assert p.status == target


@pytest.mark.parametrize(("status", "action"), [
    (s, a) for s in PROPOSAL_FLOW.states for a in PROPOSAL_FLOW.moves
    if (s, a) not in {(x, y) for x, y, _t in LEGAL}])
def test_every_other_move_is_refused_and_the_status_stays(app, status, action):
    p = SimpleNamespace(status=status)
    with pytest.raises(DomainError) as e:
        PROPOSAL_FLOW.apply(p, action)
    assert p.status == status
    assert "tidak dapat dilakukan" in e.value.message


def test_sending_a_proposal_the_musdes_rejected_is_refused_in_indonesian(app):
    with pytest.raises(DomainError) as e:
        PROPOSAL_FLOW.apply(SimpleNamespace(status="ditolak"), "kirim")
    assert e.value.message == ('Usulan berstatus "Ditolak Musdes"; tindakan "Kirim ke SIKS-NG" '
                               'tidak dapat dilakukan.')


def test_decided_proposals_are_final_and_the_rest_open(app):
    assert OPEN_STATUSES == ("draf", "disetujui", "ditunda", "dikirim")
    assert PROPOSAL_FLOW.final_codes == {"ditolak", "diterima_kemensos", "ditolak_kemensos",
                                         "dicabut"}
    assert AWAITING_MUSDES == WITHDRAWABLE == ("draf", "ditunda")
    assert STATUSES["draf"] == "Pra-daftar (menunggu Musdes)"
    assert PROPOSAL_FLOW.initial == "draf"


def test_the_musdes_form_offers_its_three_decisions_and_a_rejection_needs_a_reason(app):
    assert musdes_choices() == [("disetujui", "Disetujui"), ("ditolak", "Ditolak"),
                                ("ditunda", "Ditunda")]
    assert [m.action for m in PROPOSAL_FLOW.moves.values() if m.reason_required] == ["tolak"]


def test_a_field_report_is_withdrawn_once(app):
    flag = SimpleNamespace(status="berlaku")
    assert FLAG_FLOW.apply(flag, "cabut") == "dicabut"
    with pytest.raises(DomainError) as e:
        FLAG_FLOW.apply(flag, "cabut")
    assert e.value.message == ('Laporan berstatus "Dicabut"; tindakan "Cabut laporan" '
                               'tidak dapat dilakukan.')
