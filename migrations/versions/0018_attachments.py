"""attachments: the files a desk attaches to a case (KTP, KK, the house, a letter)

The bytes are in the file store (stored_files, namespace "attachments/"),
cleaned when they came in; this row keeps the kind, the caption and who
attached it. The regency's letterhead is kept in app_settings (no table).

Revision ID: 0018_attachments
Revises: 0017_webhooks
Create Date: 2026-12-06 09:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_attachments'
down_revision = '0017_webhooks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('caption', sa.String(length=200), nullable=False),
    sa.Column('file_key', sa.String(length=240), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                            name=op.f('fk_case_attachments_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_case_attachments_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_attachments')),
    sa.UniqueConstraint('file_key', name=op.f('uq_case_attachments_file_key'))
    )
    with op.batch_alter_table('case_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_attachments_case_id'), ['case_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('case_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_attachments_case_id'))
    op.drop_table('case_attachments')
