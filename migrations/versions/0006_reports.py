"""reports: covering indexes for the dashboard and report aggregates

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = "0005"
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


# Monthly summaries kept by triggers: the same expressions as slrt/reports/queries.py
# (WIB month of creation; closed on or before the due date; WIB days to closing).
SQLITE = {
    "month": "strftime('%Y-%m', {r}.created_at, '+7 hours')",
    "on_time": "CASE WHEN {r}.closed_at IS NULL THEN -1 "
               "WHEN {r}.closed_at < {r}.due_date || ' 17:00:00' THEN 1 ELSE 0 END",
    "days": "CASE WHEN {r}.closed_at IS NULL THEN -1 ELSE "
            "CAST(julianday({r}.closed_at) + 0.5 + 7 / 24.0 AS INTEGER) - "
            "CAST(julianday({r}.created_at) + 0.5 + 7 / 24.0 AS INTEGER) END",
}
PG = {
    "month": "to_char({r}.created_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM')",
    "on_time": "CASE WHEN {r}.closed_at IS NULL THEN -1 "
               "WHEN ({r}.closed_at AT TIME ZONE 'Asia/Jakarta')::date <= {r}.due_date "
               "THEN 1 ELSE 0 END",
    "days": "CASE WHEN {r}.closed_at IS NULL THEN -1 ELSE "
            "(({r}.closed_at AT TIME ZONE 'Asia/Jakarta')::date - "
            "({r}.created_at AT TIME ZONE 'Asia/Jakarta')::date) END",
}
CASE_KEY = "month, village_code, category_code"
REF_KEY = "month, village_code, program_code, status, is_open, on_time, days"


def _case_values(e, r):
    return f"{e['month'].format(r=r)}, {r}.village_code, {r}.category_code"


def _ref_values(e, r):
    return (f"{e['month'].format(r=r)}, {r}.village_code, {r}.program_code, {r}.status, "
            f"{r}.is_open, {e['on_time'].format(r=r)}, {e['days'].format(r=r)}")


def _case_where(e, r):
    return (f"month = {e['month'].format(r=r)} AND village_code = {r}.village_code "
            f"AND category_code = {r}.category_code")


def _ref_where(e, r):
    return (f"month = {e['month'].format(r=r)} AND village_code = {r}.village_code AND "
            f"program_code = {r}.program_code AND status = {r}.status AND "
            f"is_open = {r}.is_open AND on_time = {e['on_time'].format(r=r)} AND "
            f"days = {e['days'].format(r=r)}")


def _summaries(bind):
    e = SQLITE if bind.dialect.name == "sqlite" else PG
    op.create_table(
        'report_case_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('village_code', sa.String(length=13), nullable=False),
        sa.Column('category_code', sa.String(length=40), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'village_code', 'category_code'))
    op.create_table(
        'report_referral_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('village_code', sa.String(length=13), nullable=False),
        sa.Column('program_code', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('is_open', sa.Boolean(), nullable=False),
        sa.Column('on_time', sa.Integer(), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'village_code', 'program_code', 'status', 'is_open',
                                'on_time', 'days'))
    # What is already there.
    op.execute(f"INSERT INTO report_case_months ({CASE_KEY}, n) SELECT "
               f"{_case_values(e, 'c')}, count(*) FROM cases c GROUP BY {_case_values(e, 'c')}")
    op.execute(f"INSERT INTO report_referral_months ({REF_KEY}, n) SELECT "
               f"{_ref_values(e, 'r')}, count(*) FROM referrals r GROUP BY {_ref_values(e, 'r')}")
    case_cols = "village_code, category_code"
    ref_cols = "village_code, program_code, status, is_open, closed_at, due_date"
    if bind.dialect.name == "sqlite":
        for table, summary, key, values, where, cols in (
                ("cases", "report_case_months", CASE_KEY, _case_values, _case_where, case_cols),
                ("referrals", "report_referral_months", REF_KEY, _ref_values, _ref_where,
                 ref_cols)):
            upsert = (f"INSERT INTO {summary} ({key}, n) VALUES ({values(e, 'NEW')}, 1) "
                      f"ON CONFLICT ({key}) DO UPDATE SET n = n + 1;")
            op.execute(f"CREATE TRIGGER {summary}_ins AFTER INSERT ON {table} "
                       f"BEGIN {upsert} END")
            op.execute(f"CREATE TRIGGER {summary}_upd AFTER UPDATE OF {cols} ON {table} "
                       f"BEGIN UPDATE {summary} SET n = n - 1 WHERE {where(e, 'OLD')}; "
                       f"{upsert} END")
    else:
        for table, summary, key, values, where in (
                ("cases", "report_case_months", CASE_KEY, _case_values, _case_where),
                ("referrals", "report_referral_months", REF_KEY, _ref_values, _ref_where)):
            op.execute(
                f"CREATE FUNCTION {summary}_count() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN IF TG_OP = 'UPDATE' THEN "
                f"UPDATE {summary} SET n = n - 1 WHERE {where(e, 'OLD')}; END IF; "
                f"INSERT INTO {summary} ({key}, n) VALUES ({values(e, 'NEW')}, 1) "
                f"ON CONFLICT ({key}) DO UPDATE SET n = {summary}.n + 1; "
                f"RETURN NULL; END $$")
            op.execute(f"CREATE TRIGGER {summary}_count AFTER INSERT OR UPDATE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {summary}_count()")


def upgrade():
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    _summaries(op.get_bind())


def downgrade():
    bind = op.get_bind()
    for table, summary in (("cases", "report_case_months"),
                           ("referrals", "report_referral_months")):
        if bind.dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {summary}_ins")
            op.execute(f"DROP TRIGGER IF EXISTS {summary}_upd")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {summary}_count ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {summary}_count()")
        op.drop_table(summary)
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
