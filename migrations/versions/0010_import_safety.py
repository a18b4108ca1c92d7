"""registry import: the deactivations a snapshot would make, and their confirmation

A small file for a large village, applied as "valid rows only", marked thousands
of records inactive without a word. The check of an import now counts the
active records its apply would mark inactive; when that is more than 10 % of
a village's active records, the apply waits for a confirmation that names
the number (the page's confirmation step, `--confirm-deactivate N` on the
command line), kept with the import for the background process.

Revision ID: 0010_import_safety
Revises: 0009_pdp
Create Date: 2026-12-06 04:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_import_safety'
down_revision = '0009_pdp'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registry_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivate_planned', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('deactivate_confirm_needed', sa.Boolean(),
                                      nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('deactivate_confirmed', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('registry_imports', schema=None) as batch_op:
        batch_op.drop_column('deactivate_confirmed')
        batch_op.drop_column('deactivate_confirm_needed')
        batch_op.drop_column('deactivate_planned')
