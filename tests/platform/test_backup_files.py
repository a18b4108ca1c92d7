"""`flask backup` with the uploaded files: a Musdes scan and a visit photo
survive a restore on either file store (in the database's dump, or added to
the backup from the folder), on SQLite and PostgreSQL; a backup of a folder
install restores onto a database one."""

from __future__ import annotations

import tarfile
from datetime import UTC, date, datetime

import pytest

from slrt.platform import storage
from tests.commands import Ran, flask_cli, ran
from tests.factories import ARO, NOW, PNG, build_nik

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\nBerita acara Musdes Desa Aro 140/12/BA/2026\n" * 40


pytestmark = pytest.mark.usefixtures("pg_tools")


def use_store(app, kind: str, tmp_path) -> None:
    app.config["SLRT_STORAGE"] = kind
    app.config["SLRT_STORAGE_PATH"] = str(tmp_path / "berkas-unggahan")


@pytest.fixture
def uploads(app, db, make_user, register):
    """Desa Aro's Musdes with its scanned report, and a visit with its photo,
    recorded through the services as the pages do."""
    def record():
        from slrt.outreach import services as outreach
        from slrt.proposals import services as proposals

        op = make_user("operator", villages=[ARO], full_name="Rina Marlina")
        fas = make_user("fasilitator", villages=[ARO], full_name="Hendra Saputra")
        p = proposals.create_proposal(op, kind="baru", village_code=ARO, now=NOW,
                                      name="Rosmawati",
                                      nik=build_nik("15.04.03", date(1982, 2, 7), "P", 1))
        musdes = proposals.record_musdes(
            op, village_code=ARO, held_on=date(2026, 11, 20), place="Balai Desa Aro",
            attendees=34, minutes_number="140/12/BA/2026",
            decisions={p.id: ("disetujui", "")}, now=NOW, scan=PDF,
            scan_name="BA Musdes Aro.pdf")
        case = register(op, category="korban_bencana", name="Syamsul Bahri",
                        nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3),
                        description="Rumah terbakar habis; bantuan belum datang.")
        visit = outreach.record_visit(
            fas, case, outcome="bertemu", visited_at=datetime(2026, 11, 27, 2, tzinfo=UTC),
            notes="Keluarga tinggal di tenda", now=NOW, photo=PNG)
        db.session.commit()
        photo = storage.get(visit.photo_path)
        assert photo[:3] == b"\xff\xd8\xff"  # the cleaned JPEG
        return {"scan": musdes.scan_path, "photo": visit.photo_path, "photo_bytes": photo}

    return record


def backup(app, db, tmp_path, *args) -> Ran:
    """`flask backup ARGS` as the admin runs it: a subprocess on the test's
    database, with the file store the app is configured with, named in the
    environment the way an installation names it."""
    db.session.remove()
    store = {"SLRT_STORAGE": app.config["SLRT_STORAGE"],
             "SLRT_STORAGE_PATH": app.config["SLRT_STORAGE_PATH"]}
    return ran(flask_cli(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, "backup", *args,
                         env=store, timeout=300))


@pytest.mark.parametrize("kind", ["database", "folder"])
def test_a_scan_and_a_photo_survive_a_restore(app, db, uploads, tmp_path, kind):
    use_store(app, kind, tmp_path)
    files = uploads()
    target = tmp_path / "slrt-2026-11-27.cadangan"
    made = backup(app, db, tmp_path, "create", str(target))
    assert made.exit_code == 0, made.output
    assert "Cadangan dibuat" in made.output and "Berkas unggahan: 2 berkas" in made.output
    if kind == "folder":
        with tarfile.open(target) as tar:
            assert sorted(tar.getnames()) == sorted(
                ["basis-data", f"berkas/{files['scan']}", f"berkas/{files['photo']}"])
    else:
        assert not tarfile.is_tarfile(target)  # the database's own backup, as before

    # After the backup: the scan is lost, a photo is added that the backup does not know.
    storage.delete(files["scan"])
    storage.put("photos/setelah-cadangan.jpg", b"\xff\xd8\xff\xe0 foto baru", "image/jpeg")
    db.session.commit()

    restored = backup(app, db, tmp_path, "restore", str(target), "--yes")
    assert restored.exit_code == 0, restored.output
    assert "dipulihkan" in restored.output and "Berkas unggahan dipulihkan: 2" in restored.output
    assert storage.get(files["scan"]) == PDF
    assert storage.get(files["photo"]) == files["photo_bytes"]
    assert not storage.exists("photos/setelah-cadangan.jpg")
    assert sorted(storage.keys()) == sorted([files["scan"], files["photo"]])


def test_a_folder_install_backup_restores_onto_the_database_store(app, db, uploads, tmp_path):
    use_store(app, "folder", tmp_path)
    files = uploads()
    target = tmp_path / "cadangan-satu-host.tar"
    assert backup(app, db, tmp_path, "create", str(target)).exit_code == 0

    use_store(app, "database", tmp_path)  # the install moved to two app hosts
    restored = backup(app, db, tmp_path, "restore", str(target), "--yes")
    assert restored.exit_code == 0, restored.output
    assert "(database)" in restored.output
    assert isinstance(storage.backend(), storage.DatabaseStorage)
    assert storage.get(files["scan"]) == PDF
    assert storage.get(files["photo"]) == files["photo_bytes"]


def test_a_database_store_backup_restores_onto_a_folder_install(app, db, uploads, tmp_path):
    use_store(app, "database", tmp_path)
    files = uploads()
    target = tmp_path / "cadangan.db"
    assert backup(app, db, tmp_path, "create", str(target)).exit_code == 0

    use_store(app, "folder", tmp_path)
    restored = backup(app, db, tmp_path, "restore", str(target), "--yes")
    assert restored.exit_code == 0, restored.output
    folder = storage.backend()
    assert (folder.root / files["scan"]).read_bytes() == PDF
    assert storage.DatabaseStorage().keys() == []  # moved out of the database


def test_an_archive_with_a_foreign_member_is_refused_and_nothing_changes(
        app, db, uploads, tmp_path):
    use_store(app, "folder", tmp_path)
    files = uploads()
    bad = tmp_path / "bukan-cadangan.tar"
    with tarfile.open(bad, "w") as tar:
        evil = tmp_path / "x"
        evil.write_bytes(b"isi")
        tar.add(evil, arcname="../../instance/secret_key")
    result = backup(app, db, tmp_path, "restore", str(bad), "--yes")
    assert result.exit_code != 0 and "bukan berkas cadangan SLRT" in result.output
    assert storage.get(files["scan"]) == PDF
