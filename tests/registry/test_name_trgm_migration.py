"""Migration 0020_name_trgm where the database role may not create the pg_trgm
extension: the upgrade goes on, says what to run, and the name search still works
(without the index). The index itself, on PostgreSQL, and its absence on SQLite are
tested in test_names.py."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.database import app_context, make_app, pg_admin_engine, pg_database, pg_url_for
from tests.factories import IS_PG, OLAK, make_registry

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not IS_PG, reason="CREATE EXTENSION and its rights are PostgreSQL's; on SQLite the "
    "migration makes nothing (test_names.py), and this test runs on PostgreSQL")


def test_without_the_right_to_create_the_extension_the_upgrade_says_so_and_search_works():
    role = f"slrt_tanpa_ekstensi_{uuid.uuid4().hex[:8]}"
    admin = pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        with pg_database("slrt_trgm_") as name:
            # The role may create tables in the schema, not extensions in the database
            # (CREATE on the database is what a trusted extension asks of a non-owner).
            owner = create_engine(pg_url_for(name), isolation_level="AUTOCOMMIT")
            with owner.connect() as conn:
                conn.execute(text(f'GRANT ALL ON SCHEMA public TO "{role}"'))
            owner.dispose()
            url = make_url(pg_url_for(name)).set(username=role).render_as_string(
                hide_password=False)
            result = subprocess.run(
                [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                env={**os.environ, "SLRT_CONFIG": "testing", "DATABASE_URL": url},
                capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, result.stderr
            assert "Ekstensi pg_trgm tidak dapat dibuat" in result.stderr
            assert "CREATE EXTENSION pg_trgm" in result.stderr  # what the DBA runs
            assert "0020_name_trgm" in result.stderr

            app = make_app(url)
            with app_context(app):
                from slrt.dtks.queries import search_by_name
                from slrt.extensions import db
                from slrt.regions.services import load_regions

                assert db.session.execute(text(
                    "SELECT version_num FROM alembic_version")).scalar() == "0020_name_trgm"
                assert db.session.execute(text(
                    "SELECT count(*) FROM pg_indexes "
                    "WHERE indexname = 'ix_registry_records_name_trgm'")).scalar() == 0
                load_regions("15.04")
                make_registry(1, "Siti Aminah", village=OLAK, sex="P")
                make_registry(2, "Rahmat Hidayat", village=OLAK)
                db.session.commit()
                assert [r.name for r in search_by_name(None, "St. Aminah")] == ["Siti Aminah"]
                db.session.execute(text(f'DROP OWNED BY "{role}"'))
                db.session.commit()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
