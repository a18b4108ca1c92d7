"""persons: the history of every profile change; the profile a desk typed
on its case when the stored profile belongs to another village

A registration used to overwrite the stored profile of the NIK's person with
whatever the desk typed, including a desk of another village, and kept no
earlier values. Now a desk changes only the profiles of its own villages,
each change keeps the previous values (person_history), and a desk outside
the person's village keeps what it typed on its own case.

Revision ID: 0008_person_history
Revises: 0007
Create Date: 2026-12-06 05:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_person_history'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'person_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_person_history_case_id_cases')),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'],
                                name=op.f('fk_person_history_changed_by_id_users')),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'],
                                name=op.f('fk_person_history_person_id_persons')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_history')),
    )
    with op.batch_alter_table('person_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_history_person_id'), ['person_id'],
                              unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('beneficiary_profile', sa.JSON(), nullable=True))


def downgrade():
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): batch mode would copy
    # and drop the cases table, which the foreign keys of other tables refuse.
    op.drop_column('cases', 'beneficiary_profile')
    with op.batch_alter_table('person_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_history_person_id'))
    op.drop_table('person_history')
