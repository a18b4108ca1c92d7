"""registry: an index on the snapshot period, for the newest period loaded

Every registration of a person not found in the registry records the newest
period checked ("not registered, data of July 2022"), and the complaint form
and the registry check page show it. Without an index, max(period) read the
whole table: 9 ms for the demo's 33,959 records on every such request, and
in proportion for a province's million.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 01:00:00
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_registry_records_period", "registry_records", ["period"])


def downgrade():
    op.drop_index("ix_registry_records_period", table_name="registry_records")
