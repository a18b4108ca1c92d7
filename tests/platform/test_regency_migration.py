"""Migration 0019: a database that served one regency is upgraded in place.
Its accounts and programs get the regency the installation was configured
for (SLRT_KABUPATEN, read from the environment as the app reads it), the
letterhead and the calendar's adjustments become that regency's settings,
a registry import without a scope gets it; the downgrade gives the
one-regency settings back. On both engines (tests/database.py)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests.database import app_before, revision_before, upgrade_old_world
from tests.factories import ARO, make_user

BEFORE = revision_before("0019_regency")
OLD_SETTINGS = {"kop.nama": "PEMERINTAH KABUPATEN BATANG HARI\nDINAS SOSIAL",
                "kop.alamat": "Jl. Sulthan Thaha No. 03, Muara Bulian",
                "cuti_bersama": "2026-12-28", "demo.cases": "1"}


@pytest.fixture
def old_app(tmp_path):
    """An app on a database built up to the revision before the regencies."""
    with app_before("0019_regency", tmp_path / "lama.db") as app:
        yield app


def _old_world():
    """What a one-regency installation holds: accounts, its letterhead and
    calendar settings, a registry import loaded without a scope."""
    from slrt.extensions import db

    op = make_user(1, "operator", villages=[ARO], full_name="Rina Marlina")
    make_user(2, "admin", full_name="Admin Dinas Sosial")
    settings = sa.table("app_settings", sa.column("key"), sa.column("value"))
    db.session.execute(settings.insert(), [{"key": k, "value": v}
                                           for k, v in OLD_SETTINGS.items()])
    imports = sa.table("registry_imports", *(sa.column(c) for c in (
        "file_name", "file_path", "file_key", "file_size", "sha256", "file_format", "encoding",
        "period", "source", "scope_code", "status", "progress", "progress_note", "worker",
        "rows_total", "rows_valid", "rows_error", "error_count", "villages", "apply_valid",
        "inserted", "updated", "confirmed", "unchanged", "reactivated", "deactivated",
        "skipped_newer", "deactivate_planned", "deactivate_confirm_needed", "message",
        "created_at", "updated_at")))
    db.session.execute(imports.insert().values(
        file_name="DTKS_BATANGHARI_2022_07.csv", file_path="", file_key="", file_size=10,
        sha256="", file_format="", encoding="", period="2022-07", source="DTKS",
        scope_code=None, status="applied", progress=100, progress_note="", worker="",
        rows_total=1, rows_valid=1, rows_error=0, error_count=0, villages=1, apply_valid=False,
        inserted=1, updated=0, confirmed=0, unchanged=0, reactivated=0, deactivated=0,
        skipped_newer=0, deactivate_planned=0, deactivate_confirm_needed=False, message="",
        created_at="2026-11-01 03:00:00", updated_at="2026-11-01 03:00:00"))
    db.session.commit()
    return op


@pytest.mark.parametrize("configured", [None, "15.71"])
def test_a_one_regency_database_becomes_the_configured_regency(old_app, monkeypatch,
                                                              configured):
    from flask_migrate import downgrade

    from slrt.auth.models import User
    from slrt.common.workdays import cuti_bersama
    from slrt.dtks.models import RegistryImport
    from slrt.extensions import db
    from slrt.referrals.models import Program

    if configured:  # an installation that served Kota Jambi
        monkeypatch.setenv("SLRT_KABUPATEN", configured)
    else:
        monkeypatch.delenv("SLRT_KABUPATEN", raising=False)
    regency = configured or "15.04"
    _old_world()

    upgrade_old_world()

    assert set(db.session.scalars(sa.select(User.regency_code))) == {regency}
    assert set(db.session.scalars(sa.select(Program.regency_code))) == {regency}
    assert db.session.scalar(sa.select(RegistryImport.scope_code)) == regency
    keys = dict(db.session.execute(sa.text("SELECT key, value FROM app_settings")).all())
    assert keys[f"{regency}/kop.nama"] == OLD_SETTINGS["kop.nama"]
    assert keys[f"{regency}/kop.alamat"] == OLD_SETTINGS["kop.alamat"]
    assert "kop.nama" not in keys and keys["demo.cases"] == "1"  # the demo's stay the app's
    assert cuti_bersama(regency) == {date(2026, 12, 28)}
    # a new account must name its regency: the column takes no NULL
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text(
            "INSERT INTO users (username, password_hash, full_name, role, is_active, "
            "session_version, must_change_password, created_at, regency_code) VALUES "
            "('tanpa', 'x', '', 'operator', true, 1, false, '2026-12-01', NULL)"))
    db.session.rollback()
    db.session.remove()

    downgrade(revision=BEFORE)
    keys = dict(db.session.execute(sa.text("SELECT key, value FROM app_settings")).all())
    assert keys["kop.nama"] == OLD_SETTINGS["kop.nama"] and keys["cuti_bersama"] == "2026-12-28"
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("users")}
    assert "regency_code" not in columns
