"""registry import: the village an ambiguous name of the file means

A name such as "Terusan" in Kecamatan Maro Sebo Ilir is both a desa and a
kelurahan. The supervisor says once, on the upload page, which one the file
means; the choice is kept with the import ({"15.04.08|TERUSAN":
"15.04.08.2006"}) and applied to every row with that name.

Revision ID: 0015_village_choices
Revises: 0014_api
Create Date: 2026-12-06 08:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015_village_choices'
down_revision = '0014_api'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registry_imports') as batch_op:
        batch_op.add_column(sa.Column('village_choices', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('registry_imports') as batch_op:
        batch_op.drop_column('village_choices')
