"""Migration 0016: the files uploaded before it (a Musdes scan and a visit
photo in the instance folder's uploads/, a registry file waiting in
imports/) are reachable through the file store afterwards, under keys, on
the store the configuration names; a file missing on disk leaves its row's
key and nothing else."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from slrt.common.types import UTCDateTime
from tests.database import app_context, make_app, own_database, prepare, upgrade_old_world
from tests.factories import ARO, PNG, build_nik, make_user, register, wib


def _revision_before() -> str:
    """The revision 0016_storage follows (re-chaining it moves this test along)."""
    path = Path(__file__).resolve().parents[2] / "migrations/versions/0016_storage.py"
    return re.search(r"^down_revision = '([^']+)'", path.read_text(), re.M).group(1)


BEFORE = _revision_before()
PDF = b"%PDF-1.4\nBerita acara Musdes Desa Aro 140/12/BA/2026\n" * 30
CSV = ("ID DTKS|NOMOR NIK|NAMA\n" + "".join(
    f"1504{n:08d}|{build_nik('15.04.03', date(1980, 1, 1 + n % 28), 'L', n)}|Warga {n}\n"
    for n in range(1, 40))).encode()


@pytest.fixture
def old_app(tmp_path):
    """An app on a database built up to the revision before 0016, with its
    instance folder in tmp_path."""
    with own_database("slrt_m_", tmp_path / "lama.db") as url:
        prepare(url, revision=BEFORE)
        app = make_app(url)
        app.instance_path = str(tmp_path / "instance")
        with app_context(app):
            yield app


def _old_uploads(instance: Path) -> dict:
    """What the earlier code stored: names in uploads/, a path in imports/."""
    from slrt.extensions import db

    desk = make_user(1, "operator", full_name="Rina Marlina")
    fas = make_user(2, "fasilitator", full_name="Hendra Saputra")
    case = register(desk, category="korban_bencana", name="Syamsul Bahri",
                    nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3), when=wib(2026, 1, 5, 9))
    (instance / "uploads").mkdir(parents=True)
    (instance / "imports").mkdir(parents=True)
    (instance / "uploads" / "5d41402abc4b2a76b9719d911017c592.pdf").write_bytes(PDF)
    (instance / "uploads" / "7d793037a0760186574b0282f2f435e7.jpg").write_bytes(PNG)
    waiting = instance / "imports" / "e4d909c290d0fb1ca068ffaddf22cbd0.csv"
    waiting.write_bytes(CSV)
    at = datetime(2026, 11, 20, 3, tzinfo=UTC)
    musdes = sa.table("musdes", *(sa.column(c) for c in (
        "id", "village_code", "period", "held_on", "place", "attendees", "minutes_number",
        "scan_path", "scan_name", "scan_mime", "created_by_id")),
        sa.column("created_at", UTCDateTime()))
    ids = {}
    for name, path in (("scan", "5d41402abc4b2a76b9719d911017c592.pdf"), ("lost", "hilang.pdf")):
        ids[name] = db.session.execute(musdes.insert().values(
            village_code=ARO, period="2026-11", held_on=date(2026, 11, 20),
            place="Balai Desa Aro", attendees=34, minutes_number=f"140/12/BA/2026-{name}",
            scan_path=path, scan_name="BA Musdes Aro.pdf", scan_mime="application/pdf",
            created_by_id=desk.id, created_at=at).returning(musdes.c.id)).scalar_one()
    visits = sa.table("outreach_visits", *(sa.column(c) for c in (
        "id", "case_id", "village_code", "outcome", "notes", "photo_path", "photo_mime",
        "created_by_id")), sa.column("visited_at", UTCDateTime()),
        sa.column("created_at", UTCDateTime()))
    ids["visit"] = db.session.execute(visits.insert().values(
        case_id=case.id, village_code=ARO, outcome="bertemu", notes="Keluarga di tenda",
        photo_path="7d793037a0760186574b0282f2f435e7.jpg", photo_mime="image/jpeg",
        created_by_id=fas.id, visited_at=at, created_at=at).returning(visits.c.id)).scalar_one()
    imports = sa.table("registry_imports", *(sa.column(c) for c in (
        "id", "file_name", "file_path", "file_size", "sha256", "file_format", "encoding",
        "period", "source", "scope_code", "status", "progress", "progress_note", "worker",
        "rows_total", "rows_valid", "rows_error", "error_count", "villages", "apply_valid",
        "inserted", "updated", "confirmed", "unchanged", "reactivated", "deactivated",
        "skipped_newer", "message")), sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()))
    ids["import"] = db.session.execute(imports.insert().values(
        file_name="DTKS_ARO_2022_07.csv", file_path=str(waiting), file_size=len(CSV),
        sha256="", file_format="", encoding="utf-8", period="2022-07", source="DTKS",
        scope_code="15.04", status="validated", progress=100, progress_note="", worker="",
        rows_total=39, rows_valid=39, rows_error=0, error_count=0, villages=1,
        apply_valid=False, inserted=0, updated=0, confirmed=0, unchanged=0, reactivated=0,
        deactivated=0, skipped_newer=0, message="", created_at=at, updated_at=at
    ).returning(imports.c.id)).scalar_one()
    db.session.commit()
    return ids


@pytest.mark.parametrize("kind", ["database", "folder"])
def test_files_uploaded_before_are_reached_through_the_store(old_app, kind):
    from flask_migrate import downgrade

    from slrt.dtks.models import RegistryImport
    from slrt.extensions import db
    from slrt.outreach.models import OutreachVisit
    from slrt.platform import storage
    from slrt.proposals.models import Musdes

    old_app.config["SLRT_STORAGE"] = kind
    instance = Path(old_app.instance_path)
    ids = _old_uploads(instance)
    db.session.remove()

    upgrade_old_world()

    scan = db.session.get(Musdes, ids["scan"])
    visit = db.session.get(OutreachVisit, ids["visit"])
    waiting = db.session.get(RegistryImport, ids["import"])
    assert scan.scan_path == "musdes/5d41402abc4b2a76b9719d911017c592.pdf"
    assert visit.photo_path == "photos/7d793037a0760186574b0282f2f435e7.jpg"
    assert (waiting.file_key, waiting.file_path) == (
        "imports/e4d909c290d0fb1ca068ffaddf22cbd0.csv", "")
    assert storage.get(scan.scan_path) == PDF
    assert storage.get(visit.photo_path) == PNG
    assert storage.get(waiting.file_key) == CSV
    assert storage.info(scan.scan_path).content_type == "application/pdf"
    # the file that was already missing: its row has a key, the store has nothing
    assert db.session.get(Musdes, ids["lost"]).scan_path == "musdes/hilang.pdf"
    assert not storage.exists("musdes/hilang.pdf")
    if kind == "database":
        # copied in the migration's transaction; the old copies stay for the operator
        assert (instance / "uploads" / "5d41402abc4b2a76b9719d911017c592.pdf").exists()
    else:
        assert (instance / "uploads" / scan.scan_path).read_bytes() == PDF
        assert not (instance / "uploads" / "5d41402abc4b2a76b9719d911017c592.pdf").exists()
    db.session.remove()
    for old in (instance / "uploads").glob("*.*"):
        old.unlink()  # the operator removed the old copies; down again needs the store's
    (instance / "imports" / "e4d909c290d0fb1ca068ffaddf22cbd0.csv").unlink(missing_ok=True)

    downgrade(revision=BEFORE)

    rows = dict(db.session.execute(sa.text("SELECT id, scan_path FROM musdes")).all())
    assert rows[ids["scan"]] == "5d41402abc4b2a76b9719d911017c592.pdf"
    assert (instance / "uploads" / rows[ids["scan"]]).read_bytes() == PDF
    assert (instance / "uploads" / "7d793037a0760186574b0282f2f435e7.jpg").read_bytes() == PNG
    path = db.session.execute(sa.text("SELECT file_path FROM registry_imports")).scalar()
    assert Path(path) == instance / "imports" / "e4d909c290d0fb1ca068ffaddf22cbd0.csv"
    assert Path(path).read_bytes() == CSV
    db.session.remove()
