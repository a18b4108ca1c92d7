"""registry import: snapshot imports, their row errors, record history

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registry_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_path', sa.String(length=500), nullable=False),
    sa.Column('file_size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('file_format', sa.String(length=60), nullable=False),
    sa.Column('encoding', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('scope_code', sa.String(length=13), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('progress', sa.SmallInteger(), nullable=False),
    sa.Column('progress_note', sa.String(length=200), nullable=False),
    sa.Column('worker', sa.String(length=80), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_valid', sa.Integer(), nullable=False),
    sa.Column('rows_error', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('villages', sa.Integer(), nullable=False),
    sa.Column('apply_valid', sa.Boolean(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('confirmed', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('reactivated', sa.Integer(), nullable=False),
    sa.Column('deactivated', sa.Integer(), nullable=False),
    sa.Column('skipped_newer', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('validated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_registry_imports_created_by_id_users')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['registry_imports.id'], name=op.f('fk_registry_imports_duplicate_of_id_registry_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_imports'))
    )
    with op.batch_alter_table('registry_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_imports_sha256'), ['sha256'], unique=False)
        batch_op.create_index('ix_registry_imports_status', ['status', 'id'], unique=False)

    op.create_table('registry_import_errors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('row_no', sa.Integer(), nullable=False),
    sa.Column('column', sa.String(length=80), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['registry_imports.id'], name=op.f('fk_registry_import_errors_import_id_registry_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_import_errors'))
    )
    with op.batch_alter_table('registry_import_errors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_import_errors_import_id'), ['import_id'], unique=False)

    op.create_table('registry_record_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('change', sa.String(length=12), nullable=False),
    sa.Column('replaced_period', sa.String(length=7), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registry_id', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('since_period', sa.String(length=7), nullable=True),
    sa.Column('nik', sa.String(length=16), nullable=False),
    sa.Column('no_kk', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('birth_place', sa.String(length=80), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('relationship', sa.String(length=40), nullable=False),
    sa.Column('mother_name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('dusun', sa.String(length=60), nullable=False),
    sa.Column('rt', sa.String(length=3), nullable=False),
    sa.Column('rw', sa.String(length=3), nullable=False),
    sa.Column('village_code', sa.String(length=13), nullable=False),
    sa.Column('padan', sa.Boolean(), nullable=True),
    sa.Column('decile', sa.SmallInteger(), nullable=True),
    sa.Column('pkh', sa.Boolean(), nullable=False),
    sa.Column('bpnt', sa.Boolean(), nullable=False),
    sa.Column('pbi', sa.Boolean(), nullable=False),
    sa.Column('other_programs', sa.String(length=200), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['registry_imports.id'], name=op.f('fk_registry_record_history_import_id_registry_imports')),
    sa.ForeignKeyConstraint(['record_id'], ['registry_records.id'], name=op.f('fk_registry_record_history_record_id_registry_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_record_history'))
    )
    with op.batch_alter_table('registry_record_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_record_history_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_record_history_record_id'), ['record_id'], unique=False)

    # Plain ADD COLUMN (nullable, no foreign key): SQLite alters the table in
    # place instead of copying a registry of a million rows.
    with op.batch_alter_table('registry_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('since_period', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('inactive_since', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('import_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('registry_records', schema=None) as batch_op:
        batch_op.drop_column('import_id')
        batch_op.drop_column('inactive_since')
        batch_op.drop_column('since_period')

    with op.batch_alter_table('registry_record_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_record_history_record_id'))
        batch_op.drop_index(batch_op.f('ix_registry_record_history_import_id'))

    op.drop_table('registry_record_history')
    with op.batch_alter_table('registry_import_errors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_import_errors_import_id'))

    op.drop_table('registry_import_errors')
    with op.batch_alter_table('registry_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_registry_imports_status')
        batch_op.drop_index(batch_op.f('ix_registry_imports_sha256'))

    op.drop_table('registry_imports')
