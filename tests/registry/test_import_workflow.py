"""The registry import life cycle table (slrt/dtks/workflow.py): every legal
move, an illegal one refused in Indonesian, and the tracker that writes an
import's status only along it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from slrt.common.errors import DomainError
from slrt.dtks.models import RegistryImport
from slrt.dtks.workflow import (
    CANCELLABLE_STATUSES,
    IMPORT_FLOW,
    RUNNING_STATUSES,
    target_of,
)

LEGAL = [
    ("queued", "periksa", "validating"),
    ("validating", "diperiksa", "validated"),
    ("validating", "sama", "applied"),
    ("validated", "antre_terapkan", "apply_queued"),
    ("validated", "terapkan", "applying"),
    ("apply_queued", "terapkan", "applying"),
    ("validating", "terapkan", "applying"),
    ("applying", "diterapkan", "applied"),
    ("applying", "minta_konfirmasi", "validated"),
    ("validating", "tolak", "rejected"), ("applying", "tolak", "rejected"),
    ("queued", "batalkan", "rejected"), ("validated", "batalkan", "rejected"),
    ("apply_queued", "batalkan", "rejected"),
    ("queued", "gagal", "failed"), ("validating", "gagal", "failed"),
    ("apply_queued", "gagal", "failed"), ("applying", "gagal", "failed"),
]


def test_the_table_has_exactly_these_moves():
    table = {(s, a, m.target) for a, m in IMPORT_FLOW.moves.items() for s in m.sources}
    assert table == set(LEGAL)


@pytest.mark.parametrize(("status", "action", "target"), LEGAL)
def test_every_legal_move(app, status, action, target):
    record = SimpleNamespace(status=status)
    assert IMPORT_FLOW.apply(record, action) == target
    assert target_of(status, target) == target


@pytest.mark.parametrize(("status", "action"), [
    (s, a) for s in IMPORT_FLOW.states for a in IMPORT_FLOW.moves
    if (s, a) not in {(x, y) for x, y, _t in LEGAL}])
def test_every_other_move_is_refused(app, status, action):
    record = SimpleNamespace(status=status)
    with pytest.raises(DomainError):
        IMPORT_FLOW.apply(record, action)
    assert record.status == status


def test_an_applied_import_is_never_checked_again(app):
    with pytest.raises(DomainError) as e:
        target_of("applied", "validating")
    assert e.value.message == ('Impor berstatus "Sudah diterapkan" tidak dapat menjadi '
                               '"Sedang diperiksa".')
    assert target_of("applying", "applying") == "applying"  # written again: no move


def test_flags_the_import_page_reads(app):
    assert RUNNING_STATUSES == ("queued", "validating", "apply_queued", "applying")
    assert CANCELLABLE_STATUSES == ("queued", "validated", "apply_queued")
    assert IMPORT_FLOW.final_codes == {"applied", "failed", "rejected"}
    flags = {code: (RegistryImport(status=code).status_badge,
                    RegistryImport(status=code).awaits_decision,
                    RegistryImport(status=code).awaits_apply,
                    RegistryImport(status=code).is_applied) for code in IMPORT_FLOW.states}
    assert flags == {
        "queued": ("", False, False, False), "validating": ("", False, False, False),
        "validated": ("info", True, False, False), "apply_queued": ("", False, True, False),
        "applying": ("", False, False, False), "applied": ("", False, False, True),
        "failed": ("warning", False, False, False), "rejected": ("warning", False, False, False),
    }
    assert RegistryImport(status="validated").status_label == "Selesai diperiksa"


def test_the_tracker_refuses_a_status_the_table_does_not_lead_to(app, db):
    from slrt.dtks.importer.tracker import Tracker

    record = RegistryImport(file_name="DTKS_1504_2026-10.csv", file_path="/tmp/x.csv",
                            file_size=0, sha256="", file_format="", encoding="",
                            period="2026-10", source="DTKS", status="validating")
    db.session.add(record)
    db.session.commit()
    tracker = Tracker(record.id, record.status)
    try:
        tracker.set(status="validated", progress=100)
        with pytest.raises(DomainError):
            tracker.set(status="queued")
    finally:
        tracker.close()
    db.session.expire_all()
    assert db.session.get(RegistryImport, record.id).status == "validated"
    assert tracker.status == "validated"
