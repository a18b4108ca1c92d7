"""Registry import safety: what outside testers broke on main.

The command line runs as a user runs it (a subprocess with the development
configuration, on a migrated file database or the PostgreSQL test database),
never through the in-process test runner: the testing configuration keeps
SQLite's deferred transactions and hid a lock the command took on itself.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from slrt.demo.registry import generate_registry
from tests.commands import Ran, flask_cli, ran
from tests.registry.sample import siksng_xlsx

PELAYANGAN = "15.04.03.2021"  # 544 people in the demo registry


@pytest.fixture(scope="module")
def pelayangan():
    return list(generate_registry(villages=[PELAYANGAN]))


def write_file(db, path: Path, rows, *, spoil=None) -> Path:
    from slrt.dtks.siksng import region_names_for, siksng_header, siksng_row

    names = region_names_for({r["village_code"] for r in rows})
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="|", lineterminator="\r\n")
        header = siksng_header()
        w.writerow(header)
        for i, row in enumerate(rows):
            line = siksng_row(row, names)
            if spoil:
                spoil(i, line, header)
            w.writerow(line)
    return path


def report_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def active_records(db) -> int:
    from slrt.dtks.models import RegistryRecord

    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(RegistryRecord)
                             .where(RegistryRecord.is_active))


def latest_import(db):
    from slrt.dtks.models import RegistryImport

    db.session.rollback()
    return db.session.scalars(select(RegistryImport).order_by(RegistryImport.id.desc())).first()


def _two_bad_rows(i, line, header):
    if i == 4:
        line[header.index("NOMOR NIK")] = "1.50403E+15"  # a NIK after Excel
    if i == 11:
        line[header.index("TANGGAL LAHIR")] = "31-02-1980"


# --------------------------------------------------------------------------- 3. CLI + row errors


@pytest.mark.parametrize("config", ["development", "production"])
def test_the_command_with_row_errors_exits_1_and_reports_every_problem(
        app, db, db_url, tmp_path, pelayangan, config):
    path = write_file(db, tmp_path / "dtks_pelayangan.txt", pelayangan[:30], spoil=_two_bad_rows)
    done = flask_cli(db_url, tmp_path, "dtks", "import", path, "--period", "2022-07",
                     config=config)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "locked" not in done.stderr
    assert "TIDAK ADA YANG DITERAPKAN" in done.stderr and "--apply-valid" in done.stderr
    assert "28 sah, 2 bermasalah" in done.stdout
    report = tmp_path / "dtks_pelayangan-laporan.csv"
    assert f"Laporan masalah per baris: {report}" in done.stdout
    assert [(p["baris"], p["kolom"], p["nilai"]) for p in report_rows(report)] == [
        ("6", "NOMOR NIK", "1.50403E+15"), ("13", "TANGGAL LAHIR", "31-02-1980")]
    assert active_records(db) == 0 and latest_import(db).status == "rejected"


def test_the_command_with_apply_valid_exits_0_and_reports_every_problem(
        app, db, db_url, tmp_path, pelayangan):
    path = write_file(db, tmp_path / "dtks_pelayangan.txt", pelayangan[:30], spoil=_two_bad_rows)
    report = tmp_path / "laporan.csv"
    done = flask_cli(db_url, tmp_path, "dtks", "import", path, "--period", "2022-07",
                     "--apply-valid", "--report", report)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "28 baru" in done.stdout and "2 baris bermasalah tidak diterapkan" in done.stdout
    assert [p["baris"] for p in report_rows(report)] == ["6", "13"]
    assert active_records(db) == 28 and latest_import(db).status == "applied"


# --------------------------------------------------------------------------- 11a. formulas


def _formulas(i, line, header):
    if i == 2:
        line[header.index("JENIS KELAMIN")] = "=1+1"
    if i == 5:
        line[header.index("BANSOS PKH")] = "@SUM(A1:A9)"
    if i == 8:
        line[header.index("NOMOR NIK")] = "+6281234567890"


def _neutralised(rows: list[dict]) -> None:
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@")), row
    values = [r["nilai"] for r in rows]
    assert values == ["'=1+1", "'@SUM(A1:A9)", "'+6281234567890"]


def test_the_report_file_of_the_command_neutralises_formulas(app, db, db_url, tmp_path,
                                                             pelayangan):
    path = write_file(db, tmp_path / "dtks.txt", pelayangan[:12], spoil=_formulas)
    done = flask_cli(db_url, tmp_path, "dtks", "import", path, "--period", "2022-07")
    assert done.returncode == 1, done.stdout + done.stderr
    _neutralised(report_rows(tmp_path / "dtks-laporan.csv"))


def test_the_report_download_neutralises_formulas(app, client, db, make_user, tmp_path,
                                                  pelayangan):
    from slrt.dtks import importer
    from tests.http import login

    login(client, make_user("supervisor"))
    path = write_file(db, tmp_path / "dtks.txt", pelayangan[:12], spoil=_formulas)
    result = importer.validate_file(path, "2022-07", "DTKS", "15.04")
    assert result.rows_error == 3
    resp = client.get(f"/dtks/impor/{result.import_id}/laporan.csv")
    assert resp.status_code == 200
    _neutralised(list(csv.DictReader(resp.data.decode("utf-8-sig").splitlines())))


# --------------------------------------------------------------------------- 8. demo load again


def test_demo_load_runs_again_after_an_import_of_the_demo_villages(app, db, db_url, tmp_path,
                                                                   pelayangan):
    """./scripts/start after a supervisor imported a newer snapshot of a demo
    village (same ID DTKS, newer period; one person under a new DTSEN ID)."""
    from slrt.demo.registry import MUARA_BULIAN_2022_07
    from slrt.dtks import importer
    from slrt.dtks.models import RegistryRecord

    rows = [dict(r) for r in pelayangan]
    rows[0]["registry_id"] = "DTSEN-" + rows[0]["registry_id"]  # the same NIK, a new ID
    path = write_file(db, tmp_path / "pelayangan_2023_01.txt", rows)
    outcome = importer.import_file(path, "2023-01", "DTKS", "15.04")
    assert outcome.status == "applied" and outcome.applied.inserted == 544

    for _ in range(2):
        done = flask_cli(db_url, tmp_path, "demo", "load", "--quiet", timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
    db.session.rollback()
    total = db.session.scalar(select(func.count()).select_from(RegistryRecord))
    niks = db.session.scalar(select(func.count(RegistryRecord.nik.distinct())))
    assert total == niks == sum(v[2] for v in MUARA_BULIAN_2022_07)  # nobody twice
    # the imported snapshot is left as it was
    kept = db.session.scalars(select(RegistryRecord).where(
        RegistryRecord.village_code == PELAYANGAN)).all()
    assert len(kept) == 544 and {r.period for r in kept} == {"2023-01"}
    assert {r.import_id for r in kept} == {outcome.import_id}


# --------------------------------------------------------------------------- 11b. zip bombs


def xlsx_bytes(db, rows, *, padding_mb: int = 0) -> bytes:
    """A real SIKS-NG .xlsx; with padding_mb, its sheet carries that many MB of
    blanks (valid XML) that pack to a few KB: a zip bomb of the small kind."""
    import zipfile

    plain = siksng_xlsx(rows)
    if not padding_mb:
        return plain
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
                member.write(head)
                blanks = b" " * (1 << 20)
                for _ in range(padding_mb):
                    member.write(blanks)
                member.write(b"</sheetData>" + tail)
    return out.getvalue()


def test_an_xlsx_bomb_is_refused_by_the_command_before_it_is_parsed(app, db, db_url, tmp_path,
                                                                   pelayangan):
    path = tmp_path / "dtks.xlsx"
    path.write_bytes(xlsx_bytes(db, pelayangan[:5], padding_mb=64))
    assert path.stat().st_size < 200 * 1024  # small on disk, 64 MB unpacked
    done = flask_cli(db_url, tmp_path, "dtks", "import", path, "--period", "2022-07")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "DITOLAK: Berkas Excel ini tidak wajar" in done.stderr
    assert "xl/worksheets/sheet1.xml" in done.stderr and "64 MB" in done.stderr
    imp = latest_import(db)
    assert imp.status == "rejected" and imp.rows_total == 0 and active_records(db) == 0


def test_an_xlsx_over_the_unpacked_total_is_refused(app, db, tmp_path, pelayangan,
                                                    monkeypatch):
    from slrt.dtks import importer
    from slrt.dtks.importer import reader

    path = tmp_path / "dtks.xlsx"
    path.write_bytes(xlsx_bytes(db, pelayangan[:40]))
    monkeypatch.setattr(reader, "XLSX_MAX_UNPACKED", 20 * 1024)  # where check_zip reads it
    refused = importer.validate_file(path, "2022-07", "DTKS", "15.04")
    assert refused.status == "rejected" and "lebih dari batas" in refused.message
    monkeypatch.undo()  # the same file within the limits is read as before
    taken = importer.validate_file(path, "2022-07", "DTKS", "15.04")
    assert (taken.status, taken.rows_valid) == ("validated", 40)


def test_an_xlsx_bomb_is_refused_next_to_the_file_field_and_not_stored(
        app, client, db, make_user, tmp_path, pelayangan):
    from slrt.dtks.models import RegistryImport
    from tests.http import login, post

    app.instance_path = str(tmp_path / "instance")
    login(client, make_user("supervisor"))
    content = xlsx_bytes(db, pelayangan[:5], padding_mb=64)
    resp = post(client, "/dtks/impor", {"period": "2022-07", "source": "DTKS",
                                        "file": (io.BytesIO(content), "dtks.xlsx")},
                token_page="/dtks/impor")
    assert resp.status_code == 422
    assert 'id="file-err"' in resp.text and "Berkas Excel ini tidak wajar" in resp.text
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RegistryImport)) == 0
    assert not list((tmp_path / "instance").glob("imports/*"))


# --------------------------------------------------------------------------- 4. cancel


def validated_import(db, tmp_path, rows, make_user):
    from slrt.dtks import importer

    path = write_file(db, tmp_path / "dtks_pelayangan.txt", rows)
    supervisor = make_user("supervisor")
    result = importer.validate_file(path, "2022-07", "DTKS", "15.04",
                                    created_by_id=supervisor.id)
    assert (result.status, result.rows_error) == ("validated", 0)
    return result.import_id, supervisor


def test_a_cancel_before_the_apply_starts_stops_it(app, db, tmp_path, pelayangan, make_user):
    from slrt.dtks import importer

    import_id, _ = validated_import(db, tmp_path, pelayangan[:40], make_user)
    importer.queue_apply(import_id)
    importer.cancel_import(import_id)
    record = importer.get_import(import_id)
    assert (record.status, record.message) == ("rejected", "Dibatalkan oleh pengguna.")
    assert importer.run_queued(import_id) is None  # the background process finds nothing
    assert active_records(db) == 0


@pytest.mark.parametrize("moment", ["rereading", "before_apply", "applying"])
def test_a_cancel_once_the_apply_has_begun_is_refused_and_says_so(
        app, db, tmp_path, pelayangan, make_user, monkeypatch, moment):
    from slrt.dtks import importer

    import_id, _ = validated_import(db, tmp_path, pelayangan[:40], make_user)
    importer.queue_apply(import_id)
    refusals = []

    def try_cancel():
        try:
            importer.cancel_import(import_id)
        except importer.ImportRefused as e:
            refusals.append(str(e))
        else:
            refusals.append(None)

    def progress(phase, done, total):
        if not refusals and ((moment == "rereading" and phase == "memeriksa")
                             or (moment == "applying" and phase == "menerapkan")):
            try_cancel()

    if moment == "before_apply":  # the re-read is over, the apply transaction not begun
        real_apply = importer._Run.apply

        def apply(self, values):
            try_cancel()
            return real_apply(self, values)

        monkeypatch.setattr(importer._Run, "apply", apply)
    assert importer.run_queued(import_id, progress=progress) == "applied"
    (refusal,) = refusals
    assert refusal is not None and "sudah mulai diterapkan" in refusal
    assert "tidak dapat dibatalkan" in refusal
    record = importer.get_import(import_id)
    assert record.status == "applied" and record.inserted == 40 and active_records(db) == 40


@pytest.mark.parametrize("phase", ["memeriksa", "menerapkan"])
def test_batal_after_terapkan_on_the_page_is_refused_while_the_apply_goes_on(
        app, client, db, tmp_path, pelayangan, make_user, phase):
    """Two tabs: "Terapkan" in one, "Batal" in the other while the background
    process applies (re-reading the file, or inside its transaction, which on
    SQLite holds the write lock); the page says the apply goes on, never
    "dibatalkan"."""
    import threading

    from slrt.dtks import importer
    from tests.http import login, post

    app.instance_path = str(tmp_path / "instance")
    import_id, supervisor = validated_import(db, tmp_path, pelayangan[:40], make_user)
    login(client, supervisor)
    importer.queue_apply(import_id)  # the "Terapkan" of the first tab
    reached, go, outcome = threading.Event(), threading.Event(), {}

    def progress(current, done, total):
        if current == phase and not reached.is_set():
            reached.set()
            go.wait(60)

    def background():  # what `flask dtks run ID` does
        with app.app_context():
            outcome["status"] = importer.run_queued(import_id, progress=progress)

    worker = threading.Thread(target=background)
    worker.start()
    try:
        assert reached.wait(60)
        resp = post(client, f"/dtks/impor/{import_id}", {"action": "batal"},
                    token_page=f"/dtks/impor/{import_id}")
        assert resp.status_code == 302
        page = client.get(resp.headers["Location"]).text
    finally:
        go.set()
        worker.join(60)
    assert "sudah mulai diterapkan dan tidak dapat dibatalkan lagi" in page
    assert "Impor dibatalkan" not in page
    assert outcome["status"] == "applied" and active_records(db) == 40
    page = client.get(f"/dtks/impor/{import_id}").text
    assert "Sudah diterapkan" in page and "40 baru" in page


# --------------------------------------------------------------------------- 5. cut files


def cut_last_row(path: Path, keep_fields: int) -> None:
    """Cut the file inside its last row, after `keep_fields` cells and part of
    the next one, as an interrupted download leaves it (no line end)."""
    data = path.read_bytes()
    body, last = data.rstrip(b"\r\n").rsplit(b"\r\n", 1)
    cells = last.split(b"|")
    cut = b"|".join(cells[:keep_fields]) + b"|" + cells[keep_fields][:3]
    path.write_bytes(body + b"\r\n" + cut)


def test_a_file_cut_mid_row_is_refused_as_a_whole(app, db, tmp_path, pelayangan):
    from slrt.dtks import importer

    path = write_file(db, tmp_path / "dtks.txt", pelayangan[:30])
    cut_last_row(path, 13)  # ... NAMA, TANGGAL LAHIR | TEM: no sex, no flags
    result = dtks_cli(app, path, "--period", "2022-07", "--apply-valid")
    assert result.exit_code == 3, result.output
    assert "Berkas terpotong: baris terakhir (baris 31) hanya berisi 14 dari 22 kolom" in \
        result.output
    assert active_records(db) == 0 and latest_import(db).status == "rejected"
    # the service every door goes through (the upload page's background process)
    checked = importer.validate_file(path, "2022-07", "DTKS", "15.04")
    assert checked.status == "rejected" and "terpotong" in checked.message


def test_a_complete_last_row_without_a_line_end_is_read(app, db, tmp_path, pelayangan):
    path = write_file(db, tmp_path / "dtks.txt", pelayangan[:30])
    path.write_bytes(path.read_bytes().rstrip(b"\r\n"))
    result = dtks_cli(app, path, "--period", "2022-07")
    assert result.exit_code == 0, result.output
    assert active_records(db) == 30


def dtks_cli(app, path, *args) -> Ran:
    """`flask dtks import PATH ARGS` as the admin runs it, in the file's folder."""
    from slrt.extensions import db

    db.session.remove()
    return ran(flask_cli(app.config["SQLALCHEMY_DATABASE_URI"], Path(path).parent, "dtks",
                         "import", path, *args, timeout=300))


# --------------------------------------------------------------------------- 5. mass deactivation


def _pelayangan_july(app, db, tmp_path, pelayangan):
    july = write_file(db, tmp_path / "pelayangan_2022_07.txt", pelayangan)
    assert dtks_cli(app, july, "--period", "2022-07").exit_code == 0
    assert active_records(db) == 544


def test_a_small_file_does_not_deactivate_its_village_without_a_confirmation(
        app, db, tmp_path, pelayangan):
    from slrt.dtks.models import RegistryRecord

    _pelayangan_july(app, db, tmp_path, pelayangan)
    small = write_file(db, tmp_path / "pelayangan_2023_01.txt", pelayangan[:40],
                       spoil=_two_bad_rows)
    refused = dtks_cli(app, small, "--period", "2023-01", "--apply-valid")
    assert refused.exit_code == 5, refused.output
    assert "TIDAK ADA YANG DITERAPKAN" in refused.output
    assert "504 data aktif akan dinonaktifkan" in refused.output
    assert "Pelayangan: 504 dari 544" in refused.output
    assert "--confirm-deactivate 504" in refused.output
    assert active_records(db) == 544 and latest_import(db).status == "rejected"

    wrong = dtks_cli(app, small, "--period", "2023-01", "--apply-valid",
                     "--confirm-deactivate", "500")
    assert wrong.exit_code == 5 and "--confirm-deactivate 500 tidak sesuai" in wrong.output
    assert active_records(db) == 544

    confirmed = dtks_cli(app, small, "--period", "2023-01", "--apply-valid",
                         "--confirm-deactivate", "504")
    assert confirmed.exit_code == 0, confirmed.output
    assert "504 dinonaktifkan" in confirmed.output
    assert active_records(db) == 40
    imp = latest_import(db)
    assert (imp.status, imp.deactivated, imp.deactivate_confirmed) == ("applied", 504, 504)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RegistryRecord)) == 544


def test_a_few_people_gone_need_no_confirmation(app, db, tmp_path, pelayangan):
    _pelayangan_july(app, db, tmp_path, pelayangan)
    most = write_file(db, tmp_path / "pelayangan_2023_01.txt", pelayangan[:-50])  # 9 %
    result = dtks_cli(app, most, "--period", "2023-01")
    assert result.exit_code == 0, result.output
    assert "50 dinonaktifkan" in result.output and active_records(db) == 494


def test_the_command_help_names_the_confirmation(db_url, tmp_path):
    output = flask_cli(db_url, tmp_path, "dtks", "import", "--help").stdout
    assert "--confirm-deactivate N" in output and "10%" in output


def test_the_page_asks_for_the_number_before_it_deactivates(
        app, client, db, tmp_path, pelayangan, make_user):
    from slrt.dtks import importer
    from tests.http import login, post

    _pelayangan_july(app, db, tmp_path, pelayangan)
    supervisor = make_user("supervisor")
    login(client, supervisor)
    small = write_file(db, tmp_path / "pelayangan_2023_01.txt", pelayangan[:40])
    checked = importer.validate_file(small, "2023-01", "DTKS", "15.04",
                                     created_by_id=supervisor.id)
    assert checked.status == "validated"
    url = f"/dtks/impor/{checked.import_id}"
    page = client.get(url).text
    assert "504 data akan dinonaktifkan" in page
    assert 'name="konfirmasi_nonaktif" value="504" required' in page

    # "Terapkan" without the box ticked: refused, nothing queued
    resp = post(client, url, {"action": "terapkan"}, token_page=url)
    page = client.get(resp.headers["Location"]).text
    assert "akan menonaktifkan 504 data aktif" in page
    assert importer.get_import(checked.import_id).status == "validated"

    resp = post(client, url, {"action": "terapkan", "konfirmasi_nonaktif": "504"},
                token_page=url)
    assert resp.status_code == 302
    record = importer.get_import(checked.import_id)
    assert (record.status, record.deactivate_confirmed) in (
        ("apply_queued", 504), ("applying", 504), ("applied", 504))
    # the test app's launch started `flask dtks run`; wait for it as the page does
    import time

    deadline = time.monotonic() + 60
    while importer.get_import(checked.import_id).status != "applied":
        assert time.monotonic() < deadline, importer.get_import(checked.import_id).message
        db.session.rollback()
        time.sleep(0.2)
    assert active_records(db) == 40
    assert "504 dinonaktifkan" in client.get(url).text


def test_the_apply_counts_again_and_refuses_what_was_not_confirmed(
        app, db, tmp_path, pelayangan, make_user, monkeypatch):
    """The check's count is a forecast; the apply itself counts, inside its
    transaction, and applies nothing when the confirmed number is not that."""
    from slrt.dtks import importer

    _pelayangan_july(app, db, tmp_path, pelayangan)
    small = write_file(db, tmp_path / "pelayangan_2023_01.txt", pelayangan[:40])
    monkeypatch.setattr(importer._Run, "plan_deactivation", lambda self, cur: (0, []))
    checked = importer.validate_file(small, "2023-01", "DTKS", "15.04")
    assert checked.status == "validated" and "Perhatian" not in checked.message
    result = importer.apply_import(checked.import_id)
    assert (result.status, result.deactivated) == ("unconfirmed", 504)
    record = importer.get_import(checked.import_id)
    assert (record.status, record.deactivate_planned) == ("validated", 504)
    assert record.deactivate_confirm_needed and "504 data aktif" in record.message
    assert active_records(db) == 544
    applied = importer.apply_import(checked.import_id, confirm_deactivate=504)
    assert (applied.status, applied.deactivated) == ("applied", 504)
    assert active_records(db) == 40
