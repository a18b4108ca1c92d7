"""The case life cycle table (slrt/cases/workflow.py): every legal move, and
an illegal one refused in Indonesian."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from slrt.cases.workflow import CASE_FLOW, CLOSED_STATUSES, OPEN_STATUSES, can_close_at_desk
from slrt.common.errors import DomainError

LEGAL = [
    ("terbuka", "tutup", "selesai"),
    ("dirujuk", "tutup", "selesai"),
    ("terbuka", "rujuk", "dirujuk"),
    ("selesai", "rujuk", "dirujuk"),
    ("dirujuk", "kembali_ke_desa", "terbuka"),
    ("selesai", "kembali_ke_desa", "terbuka"),
    ("terbuka", "rujukan_selesai", "selesai"),
    ("dirujuk", "rujukan_selesai", "selesai"),
]


def test_the_table_has_exactly_these_moves():
    table = {(s, a, m.target) for a, m in CASE_FLOW.moves.items() for s in m.sources}
    assert table == set(LEGAL)


@pytest.mark.parametrize(("status", "action", "target"), LEGAL)
def test_every_legal_move(app, status, action, target):
    case = SimpleNamespace(status=status)
    assert CASE_FLOW.apply(case, action) == target
    assert case.status == target


@pytest.mark.parametrize(("status", "action"), [
    (s, a) for s in CASE_FLOW.states for a in CASE_FLOW.moves
    if (s, a) not in {(x, y) for x, y, _t in LEGAL}])
def test_every_other_move_is_refused_and_the_status_stays(app, status, action):
    case = SimpleNamespace(status=status)
    with pytest.raises(DomainError) as e:
        CASE_FLOW.apply(case, action)
    assert case.status == status
    assert "tidak dapat dilakukan" in e.value.message


def test_closing_a_settled_case_at_the_desk_is_refused_in_indonesian(app):
    with pytest.raises(DomainError) as e:
        CASE_FLOW.apply(SimpleNamespace(status="selesai"), "tutup")
    assert e.value.message == ('Kasus berstatus "Selesai"; tindakan "Selesaikan di desa" '
                               'tidak dapat dilakukan.')


def test_an_unknown_action_is_refused(app):
    with pytest.raises(DomainError, match="Tindakan tidak dikenal"):
        CASE_FLOW.apply(SimpleNamespace(status="terbuka"), "hapus")


def test_display_flags(app):
    assert OPEN_STATUSES == ("terbuka", "dirujuk")
    assert CLOSED_STATUSES == ("selesai",)
    assert [(s.code, str(s.label), s.badge) for s in CASE_FLOW.states.values()] == [
        ("terbuka", "Terbuka", "terbuka"), ("dirujuk", "Dirujuk", "dirujuk"),
        ("selesai", "Selesai", "selesai")]
    assert CASE_FLOW.initial == "terbuka"
    assert CASE_FLOW.label("diarsipkan") == "diarsipkan"  # an unknown stored value


def test_the_desk_closes_only_an_open_case_without_open_referrals():
    open_ref, closed_ref = SimpleNamespace(is_open=True), SimpleNamespace(is_open=False)
    assert can_close_at_desk(SimpleNamespace(status="terbuka", referrals=[]))
    assert can_close_at_desk(SimpleNamespace(status="terbuka", referrals=[closed_ref]))
    assert not can_close_at_desk(SimpleNamespace(status="dirujuk", referrals=[open_ref]))
    assert not can_close_at_desk(SimpleNamespace(status="selesai", referrals=[]))
