"""registry: a trigram index for the name search on PostgreSQL

The name search (slrt.dtks.queries.search_by_name) asks for every typed word
anywhere in the record's name key (`name_key LIKE '% YUS%'`). A B-tree index
cannot answer a LIKE with a leading wildcard: at a province's 5,000,000 records
a search without a village read the whole table. On PostgreSQL the pg_trgm
extension's GIN index answers it (https://www.postgresql.org/docs/15/pgtrgm.html).

PostgreSQL only: SQLite has no trigram index, and its searches stay within a
village (the index on village_code, name_key). Creating an extension needs a
role that may create it (a superuser, or the database's owner for a trusted
extension such as pg_trgm since PostgreSQL 13); when the role may not, the
migration says what to run and goes on: the search still works, only slower.

Revision ID: 0020_name_trgm
Revises: 0019_regency
Create Date: 2026-12-06 11:00:00
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = '0020_name_trgm'
down_revision = '0019_regency'
branch_labels = None
depends_on = None

INDEX = "ix_registry_records_name_trgm"  # slrt.dtks.models.ENGINE_INDEXES names it too
log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    has_trgm = bind.execute(sa.text(
        "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar()
    if not has_trgm:
        # A savepoint: a refused CREATE EXTENSION must not abort the migration's
        # transaction.
        try:
            with bind.begin_nested():
                bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except sa.exc.DBAPIError as e:
            log.warning(
                "Ekstensi pg_trgm tidak dapat dibuat (%s). Pencarian nama tetap berjalan, "
                "tetapi lebih lambat pada data registri yang besar. Minta admin basis data "
                "menjalankan sebagai superuser: CREATE EXTENSION pg_trgm; lalu "
                "CREATE INDEX %s ON registry_records USING gin (name_key gin_trgm_ops);",
                str(e.orig).strip().splitlines()[0], INDEX)
            return
    op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_records "
               "USING gin (name_key gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
    # The extension stays: another schema object may use it, and dropping it needs
    # the same rights as creating it.
