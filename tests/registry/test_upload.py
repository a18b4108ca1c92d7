"""The supervisor's upload page for registry snapshots.

The upload is checked in the request, then `flask dtks run ID` runs each phase
in a real background process (slrt.dtks.jobs) against the test's database;
the tests poll the import row as the page does.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from slrt.demo.registry import generate_registry
from tests.http import login, post

PELAYANGAN = "15.04.03.2021"  # 544 people in the demo registry


@pytest.fixture(scope="module")
def pelayangan():
    return [r for r in generate_registry(villages=[PELAYANGAN])]


@pytest.fixture
def supervisor(app, client, make_user, tmp_path):
    app.instance_path = str(tmp_path / "instance")
    user = make_user("supervisor")
    login(client, user)
    return user


def siksng_bytes(db, rows, *, spoil=None) -> bytes:
    from slrt.dtks.siksng import region_names_for, siksng_header, siksng_row

    names = region_names_for({r["village_code"] for r in rows})
    out = io.StringIO()
    w = csv.writer(out, delimiter="|", lineterminator="\r\n")
    w.writerow(siksng_header())
    for i, row in enumerate(rows):
        line = siksng_row(row, names)
        if spoil:
            spoil(i, line)
        w.writerow(line)
    return out.getvalue().encode("utf-8")


def upload(client, content: bytes, name="DTKS_PELAYANGAN_2022_07.txt", period="2022-07",
           source="DTKS"):
    data = {"period": period, "source": source}
    if content is not None:
        data["file"] = (io.BytesIO(content), name)
    return post(client, "/dtks/impor", data, token_page="/dtks/impor")


def wait_for(db, import_id: int, statuses: tuple[str, ...], timeout: float = 90):
    from slrt.dtks.importer import get_import

    deadline = time.monotonic() + timeout
    while True:
        record = get_import(import_id)
        if record.status in statuses:
            db.session.rollback()
            return record
        assert time.monotonic() < deadline, (record.status, record.message)
        db.session.rollback()
        time.sleep(0.2)


def stored(db, key: str) -> bool:
    """Is the file in the app's file store (as committed)?"""
    from slrt.platform import storage

    db.session.rollback()
    return storage.exists(key)


def stored_uploads(db) -> list[str]:
    from slrt.platform import storage

    db.session.rollback()
    return storage.keys("imports/")


def import_id_of(resp) -> int:
    assert resp.status_code == 302, resp.text
    return int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def active_count(db) -> int:
    from slrt.dtks.models import RegistryRecord

    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(RegistryRecord)
                             .where(RegistryRecord.is_active))


def test_upload_is_checked_in_the_background_then_applied_on_request(
        app, client, db, supervisor, pelayangan):
    resp = upload(client, siksng_bytes(db, pelayangan))
    import_id = import_id_of(resp)
    page = client.get(f"/dtks/impor/{import_id}")
    assert page.status_code == 200
    assert "Berkas diterima" in page.text

    record = wait_for(db, import_id, ("validated", "rejected", "failed"))
    assert record.status == "validated", record.message
    # kept in the app's file store for the apply, which reads it again
    assert record.file_key.startswith("imports/") and record.file_path == ""
    assert stored(db, record.file_key)
    assert (record.rows_total, record.rows_valid, record.rows_error) == (544, 544, 0)
    assert active_count(db) == 0  # nothing applied before the supervisor chooses
    page = client.get(f"/dtks/impor/{import_id}")
    assert "Terapkan 544 baris" in page.text and 'http-equiv="refresh"' not in page.text

    resp = post(client, f"/dtks/impor/{import_id}", {"action": "terapkan"},
                token_page=f"/dtks/impor/{import_id}")
    assert resp.status_code == 302
    record = wait_for(db, import_id, ("applied", "rejected", "failed"))
    assert record.status == "applied", record.message
    assert record.inserted == 544 and active_count(db) == 544
    # The background process deletes the file right after it commits "applied"
    # (never before: a failed commit must leave it for a rerun); give it that moment.
    deadline = time.monotonic() + 10
    while stored(db, record.file_key) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not stored(db, record.file_key)  # the regency's NIKs do not linger in the store
    page = client.get(f"/dtks/impor/{import_id}")
    assert "544 baru" in page.text and 'http-equiv="refresh"' not in page.text

    from slrt.audit.models import AuditEntry

    db.session.rollback()
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "impor", AuditEntry.object_id == import_id)).all()
    assert [(e.outcome, e.actor_id) for e in entries] == [("ok", supervisor.id)]
    # A second click after the apply changes nothing and says why.
    resp = post(client, f"/dtks/impor/{import_id}", {"action": "terapkan"},
                token_page=f"/dtks/impor/{import_id}")
    assert "berstatus sudah diterapkan" in client.get(resp.headers["Location"]).text


def test_row_errors_are_listed_with_a_report_and_nothing_is_applied_on_cancel(
        app, client, db, supervisor, pelayangan):
    def spoil(i, line):
        if i == 3:
            line[10] = "1.50403E+15"  # NOMOR NIK after Excel
        if i == 7:
            line[12] = "31-02-1980"

    import_id = import_id_of(upload(client, siksng_bytes(db, pelayangan, spoil=spoil)))
    record = wait_for(db, import_id, ("validated", "rejected", "failed"))
    assert (record.status, record.rows_valid, record.rows_error) == ("validated", 542, 2)
    page = client.get(f"/dtks/impor/{import_id}")
    assert "Terapkan 542 baris yang sah saja" in page.text
    assert "1.50403E+15" in page.text and "Excel" in page.text

    report = client.get(f"/dtks/impor/{import_id}/laporan.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(report.data.decode("utf-8-sig"))))
    assert [(r["baris"], r["nilai"]) for r in rows] == [("5", "1.50403E+15"),
                                                        ("9", "31-02-1980")]
    assert list(rows[0]) == ["baris", "kolom", "nilai", "keterangan"]

    resp = post(client, f"/dtks/impor/{import_id}", {"action": "batal"},
                token_page=f"/dtks/impor/{import_id}")
    assert resp.status_code == 302
    record = wait_for(db, import_id, ("rejected",), timeout=5)
    assert record.message == "Dibatalkan oleh pengguna."
    assert not stored(db, record.file_key)
    assert active_count(db) == 0


def test_apply_valid_rows_only_from_the_page(app, client, db, supervisor, pelayangan):
    def spoil(i, line):
        if i == 0:
            line[10] = "1504031234"  # too short

    import_id = import_id_of(upload(client, siksng_bytes(db, pelayangan, spoil=spoil)))
    wait_for(db, import_id, ("validated",))
    # "Apply everything" is refused while rows have problems; nothing changes.
    post(client, f"/dtks/impor/{import_id}", {"action": "terapkan"},
         token_page=f"/dtks/impor/{import_id}")
    page = client.get(f"/dtks/impor/{import_id}")
    assert "1 baris bermasalah" in page.text and active_count(db) == 0
    post(client, f"/dtks/impor/{import_id}", {"action": "terapkan_sah"},
         token_page=f"/dtks/impor/{import_id}")
    record = wait_for(db, import_id, ("applied", "failed", "rejected"))
    assert record.status == "applied" and record.apply_valid
    assert active_count(db) == 543


@pytest.mark.parametrize("content,name,field,message", [
    (None, "", "file", "Pilih berkas ekspor"),
    (b"", "kosong.csv", "file", "bukan CSV/Excel"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "dtks.csv", "file", "bukan CSV/Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "dtks.xls", "file", ".xls"),
])
def test_bad_uploads_get_a_message_next_to_the_field_and_keep_the_period(
        app, client, db, supervisor, content, name, field, message):
    from slrt.dtks.models import RegistryImport

    resp = upload(client, content, name=name, period="2022-07", source="DTSEN")
    assert resp.status_code == 422
    assert message in resp.text
    assert f'id="{field}-err"' in resp.text
    assert 'value="2022-07"' in resp.text
    assert '<option value="DTSEN" selected>' in resp.text
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RegistryImport)) == 0
    assert not stored_uploads(db)


@pytest.mark.parametrize("period,message", [
    ("", "Periode"), ("2022-13", "Periode"), ("07-2022", "Periode"), ("2099-01", "masa depan"),
])
def test_a_bad_period_is_refused_next_to_its_field(app, client, db, supervisor, pelayangan,
                                                   period, message):
    resp = upload(client, siksng_bytes(db, pelayangan[:3]), period=period)
    assert resp.status_code == 422
    assert 'id="period-err"' in resp.text and message in resp.text
    assert "Pilih berkasnya lagi" in resp.text


def test_an_upload_over_the_import_limit_gets_413_before_the_body_is_read(
        app, client, db, supervisor):
    app.config["DTKS_UPLOAD_MAX_BYTES"] = 1000
    token_page = client.get("/dtks/impor").text
    from tests.http import csrf_from

    resp = client.post("/dtks/impor", data={
        "csrf_token": csrf_from(token_page), "period": "2022-07",
        "file": (io.BytesIO(b"x" * 5000), "besar.csv")})
    assert resp.status_code == 413
    assert not stored_uploads(db)


def test_the_import_limit_is_larger_than_the_general_one_and_only_there(app):
    assert app.config["DTKS_UPLOAD_MAX_BYTES"] >= 500 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] <= 10 * 1024 * 1024
    with app.test_request_context("/dtks/impor", method="POST"):
        from flask import request

        app.create_url_adapter(request)
        request.url_rule, _ = app.url_map.bind("x").match("/dtks/impor", method="POST",
                                                           return_rule=True)
        assert request.max_content_length == app.config["DTKS_UPLOAD_MAX_BYTES"]
    with app.test_request_context("/usulan/musdes/baru", method="POST"):
        from flask import request

        request.url_rule, _ = app.url_map.bind("x").match("/usulan/musdes/baru",
                                                           method="POST", return_rule=True)
        assert request.max_content_length == app.config["MAX_CONTENT_LENGTH"]


@pytest.mark.parametrize("role", ["operator", "fasilitator", "handler"])
def test_only_the_supervisor_imports(app, client, make_user, role):
    from tests.factories import ARO

    user = make_user(role, villages=[ARO] if role != "handler" else None)
    login(client, user)
    assert client.get("/dtks/impor").status_code == 403


def test_a_waiting_import_page_refreshes_itself_until_the_phase_ends(
        app, client, db, supervisor, pelayangan, tmp_path):
    from slrt.dtks import importer

    path = tmp_path / "dtks.txt"
    path.write_bytes(siksng_bytes(db, pelayangan[:40]))
    import_id = importer.queue_validation(path, "2022-07", "DTKS", "15.04",
                                          created_by_id=supervisor.id, file_name="dtks.txt")
    page = client.get(f"/dtks/impor/{import_id}")
    assert "Menunggu diperiksa" in page.text
    assert '<meta http-equiv="refresh" content="3">' in page.text and "<progress" in page.text
    assert "Menunggu diperiksa" in client.get("/dtks/impor").text

    assert importer.run_queued(import_id) == "validated"
    assert importer.run_queued(import_id) is None  # a second runner finds nothing to do
    page = client.get(f"/dtks/impor/{import_id}")
    assert "Terapkan 40 baris" in page.text and 'http-equiv="refresh"' not in page.text
    importer.queue_apply(import_id)
    with pytest.raises(importer.ImportRefused, match="sedang|sudah|berstatus"):
        importer.queue_apply(import_id)  # a double click queues it once
    assert importer.run_queued(import_id) == "applied"
    assert active_count(db) == 40


def test_a_background_process_that_cannot_start_fails_the_import_and_says_so(
        app, client, db, supervisor, pelayangan, monkeypatch):
    import sys

    from slrt.dtks.models import RegistryRecord

    monkeypatch.setattr(sys, "executable", str(Path(app.instance_path) / "tidak-ada-python"))
    import_id = import_id_of(upload(client, siksng_bytes(db, pelayangan[:5])))
    record = wait_for(db, import_id, ("failed",), timeout=5)
    assert "tidak dapat dijalankan" in record.message
    page = client.get(f"/dtks/impor/{import_id}").text
    assert "Gagal" in page and "Berkas diterima" not in page
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RegistryRecord)) == 0


def test_the_supervisor_says_once_which_village_an_ambiguous_name_means(
        app, client, db, supervisor, pelayangan):
    """Kecamatan Maro Sebo Ilir has a desa and a kelurahan named Terusan: a
    file that writes just TERUSAN is resolved by the choice made on upload."""
    from slrt.dtks.models import RegistryRecord
    from slrt.dtks.siksng import siksng_header

    page = client.get("/dtks/impor").text
    assert 'name="desa:15.04.08|TERUSAN"' in page
    assert "Terusan di Kecamatan Maro Sebo Ilir" in page
    assert "Kelurahan Terusan (15.04.08.1008)" in page and "Desa Terusan (15.04.08.2006)" in page

    header = siksng_header()
    district, village = header.index("KECAMATAN"), header.index("DESA/KELURAHAN")

    def to_terusan(i, line):
        if i < 3:
            line[district], line[village] = "MARO SEBO ILIR", "TERUSAN"

    content = siksng_bytes(db, pelayangan, spoil=to_terusan)
    unsure = wait_for(db, import_id_of(upload(client, content)),
                      ("validated", "rejected", "failed"))
    assert (unsure.rows_valid, unsure.rows_error) == (541, 3)  # no choice: those rows wait

    data = {"period": "2022-07", "source": "DTKS", "desa:15.04.08|TERUSAN": "15.04.08.1008",
            "file": (io.BytesIO(content), "DTKS_TERUSAN_2022_07.txt")}
    import_id = import_id_of(post(client, "/dtks/impor", data, token_page="/dtks/impor"))
    record = wait_for(db, import_id, ("validated", "rejected", "failed"))
    assert record.village_choices == {"15.04.08|TERUSAN": "15.04.08.1008"}
    assert (record.rows_valid, record.rows_error) == (544, 0)
    page = client.get(f"/dtks/impor/{import_id}").text
    assert "berarti Kelurahan Terusan, Kecamatan Maro Sebo Ilir" in page

    post(client, f"/dtks/impor/{import_id}", {"action": "terapkan"},
         token_page=f"/dtks/impor/{import_id}")
    assert wait_for(db, import_id, ("applied", "rejected", "failed")).status == "applied"
    assert db.session.scalar(select(func.count()).select_from(RegistryRecord).where(
        RegistryRecord.village_code == "15.04.08.1008")) == 3


def test_a_choice_applies_only_to_its_name_and_its_villages():
    from slrt.dtks.importer.regions import Regions, _Unresolved, choice_key

    rows = [("15.04.08", "Maro Sebo Ilir", "kecamatan", "15.04"),
            ("15.04.08.1008", "Terusan", "kelurahan", "15.04.08"),
            ("15.04.08.2006", "Terusan", "desa", "15.04.08")]
    assert choice_key("15.04.08", "Desa  terusan") == "15.04.08|TERUSAN"
    chosen = Regions(rows, None, {"15.04.08|TERUSAN": "15.04.08.2006"})
    assert chosen._village("15.04", "15.04.08", "terusan") == "15.04.08.2006"
    assert chosen._village("15.04", "15.04.08", "KEL. TERUSAN") == "15.04.08.1008"  # as written
    assert chosen.ambiguous() == [("15.04.08", "Terusan", ["15.04.08.1008", "15.04.08.2006"])]
    elsewhere = Regions(rows, None, {"15.04.08|TERUSAN": "15.04.03.2021"})  # not one of them
    with pytest.raises(_Unresolved):
        elsewhere._village("15.04", "15.04.08", "TERUSAN")
