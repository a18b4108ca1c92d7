"""reports: covering indexes for the dashboard and report aggregates

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-27 21:00:00

Another branch adds 0005; whoever merges re-points down_revision to it.
"""
from alembic import op

revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None

INDEXES = [
    ('cases', 'ix_cases_report',
     ['created_at', 'village_code', 'category_code', 'channel', 'status', 'closed_at']),
    ('cases', 'ix_cases_closed', ['status', 'closed_at', 'village_code']),
    ('referrals', 'ix_referrals_report',
     ['created_at', 'program_code', 'status', 'is_open', 'village_code', 'due_date',
      'closed_at']),
    ('referrals', 'ix_referrals_open_due', ['is_open', 'due_date', 'village_code', 'program_code']),
    ('referrals', 'ix_referrals_closed',
     ['is_open', 'closed_at', 'program_code', 'status', 'village_code']),
]


def upgrade():
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
