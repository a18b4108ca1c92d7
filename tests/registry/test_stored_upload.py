"""An uploaded registry file read from the app's file store (the database by
default): an .xlsx (a zip the reader seeks through) and a CSV checked and
applied as the upload page's background process does, with chunks small
enough that every read straddles them; then the file leaves the store."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from slrt.demo.registry import generate_registry
from slrt.platform import storage
from tests.registry.sample import siksng_xlsx

PELAYANGAN = "15.04.03.2021"


@pytest.fixture(scope="module")
def pelayangan():
    return list(generate_registry(villages=[PELAYANGAN]))[:60]


def _csv(rows) -> bytes:
    from slrt.dtks.siksng import region_names_for, siksng_header, siksng_row

    names = region_names_for({r["village_code"] for r in rows})
    lines = ["|".join(siksng_header())] + ["|".join(siksng_row(r, names)) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_stored_upload_is_checked_applied_and_then_discarded(app, db, make_user, pelayangan,
                                                               monkeypatch, kind):
    from slrt.dtks import importer, jobs
    from slrt.dtks.models import RegistryRecord

    app.config["SLRT_STORAGE"] = "database"
    monkeypatch.setattr(storage, "CHUNK_SIZE", 4096)  # many chunks for a small file
    supervisor = make_user("supervisor")
    data = siksng_xlsx(pelayangan) if kind == "xlsx" else _csv(pelayangan)
    key = jobs.store_upload(io.BytesIO(data), kind)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(storage.StoredChunk)) == \
        -(-len(data) // 4096)

    import_id = importer.queue_validation(importer.InputFile(key=key), "2022-07", "DTKS",
                                          "15.04", created_by_id=supervisor.id,
                                          file_name=f"DTKS_PELAYANGAN.{kind}")
    record = importer.get_import(import_id)
    assert (record.file_key, record.file_path) == (key, "")
    assert importer.run_queued(import_id) == "validated"
    record = importer.get_import(import_id)
    assert (record.rows_total, record.rows_valid) == (60, 60), record.message
    assert record.file_size == len(data)
    assert ("Excel .xlsx" if kind == "xlsx" else "CSV") in record.file_format

    importer.queue_apply(import_id)
    assert importer.run_queued(import_id) == "applied"
    jobs.discard_upload(importer.get_import(import_id))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(RegistryRecord)
                             .where(RegistryRecord.is_active)) == 60
    assert not storage.exists(key)
    assert db.session.scalar(select(func.count()).select_from(storage.StoredChunk)) == 0


def test_the_file_of_a_failed_import_leaves_the_store_too(app, db, make_user, pelayangan):
    """A failed import is over for good, like an applied or refused one: its file
    (a whole village's NIKs) is not kept."""
    from slrt.dtks import importer, jobs

    app.config["SLRT_STORAGE"] = "database"
    key = jobs.store_upload(io.BytesIO(_csv(pelayangan)), "csv")
    import_id = importer.queue_validation(importer.InputFile(key=key), "2022-07", "DTKS",
                                          "15.04", created_by_id=make_user("supervisor").id,
                                          file_name="DTKS_PELAYANGAN.csv")
    jobs.discard_upload(importer.get_import(import_id))  # still queued: kept
    db.session.commit()
    assert storage.exists(key)
    importer.mark_failed(import_id, "Proses pemeriksaan berhenti (mesin dimatikan).")
    jobs.discard_upload(importer.get_import(import_id))
    db.session.commit()
    assert importer.get_import(import_id).status == "failed"
    assert not storage.exists(key)
