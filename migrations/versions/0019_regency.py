"""regency: several regencies in one installation

Users and programs get the regency they belong to (a province supervisor's
is his province); the settings that belong to a regency (the letterhead, the
calendar's adjustments, the case number prefix) are kept under keys named
after it ("15.04/kop.nama"); a registry import without a scope gets the
regency. Cases, referrals, persons, proposals, follow-ups and visits take
their regency from their village code: no column.

An existing database served one regency: every row gets SLRT_KABUPATEN, read
from the environment as the app reads it (default 15.04), so the upgrade is
this migration, not a reinstall.

Revision ID: 0019_regency
Revises: 0018_attachments
Create Date: 2026-12-06 11:00:00
"""
import os

import sqlalchemy as sa
from alembic import op

revision = '0019_regency'
down_revision = '0018_attachments'
branch_labels = None
depends_on = None

# The settings of one regency (slrt/admin/letterhead.py, slrt/common/workdays.py).
REGENCY_SETTINGS = ("kop.nama", "kop.alamat", "kop.telepon", "kop.logo",
                    "cuti_bersama", "cuti_bersama_masuk")


def _regency() -> str:
    return os.environ.get("SLRT_KABUPATEN", "15.04").strip() or "15.04"


def _add_regency(table: str, regency: str) -> None:
    """The column, filled with the regency by its default in the same
    statement. PostgreSQL then drops the default (the models set the value).
    SQLite keeps it: dropping a default there rebuilds the table, and the
    rebuild of `users` trips the foreign keys of every row that names an
    account; a new row always gets its regency from the code anyway."""
    op.add_column(table, sa.Column('regency_code', sa.String(length=13), nullable=False,
                                   server_default=regency))
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column(table, 'regency_code', server_default=None)
    op.create_index(op.f(f'ix_{table}_regency_code'), table, ['regency_code'], unique=False)


def upgrade():
    regency = _regency()
    _add_regency('users', regency)
    _add_regency('programs', regency)
    for key in REGENCY_SETTINGS:
        op.execute(sa.text("UPDATE app_settings SET key = :new WHERE key = :old")
                   .bindparams(new=f"{regency}/{key}", old=key))
    op.execute(sa.text("UPDATE registry_imports SET scope_code = :r WHERE scope_code IS NULL")
               .bindparams(r=regency))


def downgrade():
    """Back to one regency: the default regency's settings keep their old keys,
    other regencies' settings are dropped (their rows stay, their owner is lost)."""
    regency = _regency()
    for key in REGENCY_SETTINGS:
        op.execute(sa.text("UPDATE app_settings SET key = :old WHERE key = :new")
                   .bindparams(new=f"{regency}/{key}", old=key))
        op.execute(sa.text("DELETE FROM app_settings WHERE key LIKE :other")
                   .bindparams(other=f"%/{key}"))
    for table in ('programs', 'users'):
        op.drop_index(op.f(f'ix_{table}_regency_code'), table_name=table)
        # SQLite drops a column in place (3.35+); a batch rebuild would trip
        # the foreign keys that name the table's rows.
        op.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN regency_code"))
