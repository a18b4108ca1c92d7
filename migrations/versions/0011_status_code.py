"""status page: a random check code per case, and failed tries counted per case number

The public status page asked for the case number and the last four NIK
digits: a birth-date serial, nearly always 0001-0030, and case numbers are
sequential, so a case could be opened in minutes from one address, and cases
without a NIK could not be looked up at all. Each case now gets an
8-character random code printed on its receipt; existing cases get theirs
here.

Revision ID: 0011_status_code
Revises: 0010_import_safety
Create Date: 2026-12-06 04:30:00
"""
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0011_status_code'
down_revision = '0010_import_safety'
branch_labels = None
depends_on = None

# Kept in step with slrt/status_page/services.py (a migration must not import the app).
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8


def upgrade():
    codes = op.create_table('status_codes',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_status_codes_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_status_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_status_codes_code'))
    )
    op.create_table('status_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_failures'))
    )
    with op.batch_alter_table('status_failures', schema=None) as batch_op:
        batch_op.create_index('ix_status_failures_number_at', ['number', 'at'], unique=False)

    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM cases ORDER BY id"))]
    now = datetime.now(UTC)
    if conn.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC there (slrt/common/types.py)
    seen = set()
    rows = []
    for case_id in ids:
        while True:
            code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
            if code not in seen:
                break
        seen.add(code)
        rows.append({"case_id": case_id, "code": code, "created_at": now})
    for start in range(0, len(rows), 1000):
        op.bulk_insert(codes, rows[start:start + 1000])


def downgrade():
    with op.batch_alter_table('status_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_status_failures_number_at')
    op.drop_table('status_failures')
    op.drop_table('status_codes')
