"""Fixtures of the platform tests."""

from __future__ import annotations

import pytest

from tests.factories import IS_PG


@pytest.fixture
def pg_tools():
    """A backup on PostgreSQL needs pg_dump and pg_restore; without them the test
    is skipped and says why."""
    if IS_PG:
        from slrt.backup.services import BackupError, pg_binary

        try:
            pg_binary("pg_dump"), pg_binary("pg_restore")
        except BackupError as e:
            pytest.skip(f"pg_dump/pg_restore tidak terpasang: {e}")
