"""The proposal and field-report life cycle tables (slrt/proposals/workflow.py):
their messages and the flags the pages read (their moves:
tests/platform/test_lifecycles.py)."""

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
