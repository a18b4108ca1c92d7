"""The case life cycle table (slrt/cases/workflow.py): its message, the flags the
pages read, and when the desk may close (its moves: tests/platform/test_lifecycles.py)."""

from __future__ import annotations

from types import SimpleNamespace

from slrt.cases.workflow import CASE_FLOW, CLOSED_STATUSES, OPEN_STATUSES, can_close_at_desk


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
