"""registry flags: a report of a moved or dead resident can be withdrawn

A report made in error (wrong household member, a rumour) is withdrawn by
the reporter or the supervisor while the Musdes has not decided on the
deactivation it raised; the flag keeps who withdrew it, when and why.

Revision ID: 0009_pdp
Revises: 0008_person_history
Create Date: 2026-12-06 04:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_pdp'
down_revision = '0008_person_history'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registry_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdraw_reason', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_registry_flags_withdrawn_by_id_users'),
                                    'users', ['withdrawn_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('registry_flags', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registry_flags_withdrawn_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('withdraw_reason')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')
