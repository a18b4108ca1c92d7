"""The registry import life cycle table (slrt/dtks/workflow.py): the flags the
import page reads, and the tracker that writes an import's status only along it
(the table's moves: tests/platform/test_lifecycles.py)."""

from __future__ import annotations

import pytest

from slrt.common.errors import DomainError
from slrt.dtks.models import RegistryImport
from slrt.dtks.workflow import (
    CANCELLABLE_STATUSES,
    IMPORT_FLOW,
    RUNNING_STATUSES,
    target_of,
)


def test_the_tracker_accepts_every_move_of_the_table(app):
    for m in IMPORT_FLOW.moves.values():
        for source in m.sources:
            assert target_of(source, m.target) == m.target


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
