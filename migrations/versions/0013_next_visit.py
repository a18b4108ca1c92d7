"""outreach: the suggested next visit is kept as a code and its parameters

After "not at home" a visit and its follow-up task stored the suggestion as
an Indonesian sentence ("20 Januari 2027 15.30 WIB (warga biasanya di kebun
pagi sampai siang; coba sore hari)"). They now keep why that time of day
(`next_visit_code`: sore, pagi) and the instant (`next_visit_params`:
{"at": ISO 8601}), and slrt/outreach/hints.py writes the sentence when it
is shown, through gettext. This migration reads the stored sentences back;
one it cannot read keeps its text (code `teks`, {"text": ...}) and is shown
as it was written.

The wording below is frozen as the earlier code wrote it. The old columns
are dropped with ALTER TABLE ... DROP COLUMN (SQLite 3.35 or later): a batch
copy of follow_up_tasks would drop a table the visits point to.

Revision ID: 0013_next_visit
Revises: 0012_timeline
Create Date: 2026-12-06 08:00:00
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0013_next_visit'
down_revision = '0012_timeline'
branch_labels = None
depends_on = None

WIB = ZoneInfo("Asia/Jakarta")
TABLES = {"outreach_visits": "next_visit_hint", "follow_up_tasks": "suggested_visit"}
NEXT_VISIT_WHY = {
    "sore": "warga biasanya di kebun pagi sampai siang; coba sore hari",
    "pagi": "coba pagi hari sebelum warga berangkat ke kebun",
}
MONTHS = {name: i for i, name in enumerate(
    ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
     "September", "Oktober", "November", "Desember"), start=1)}
_HINT = re.compile(r"(\d{1,2}) (\w+) (\d{4}) (\d\d)\.(\d\d) WIB \((.*)\)", re.S)


def parse(text: str) -> tuple[str, dict]:
    """(code, params) of a stored suggestion; ("", {}) for none; the text kept
    as written (code "teks") when it is not in the shape the code wrote."""
    if not text:
        return "", {}
    m = _HINT.fullmatch(text)
    why = next((c for c, t in NEXT_VISIT_WHY.items() if m and t == m.group(6)), None)
    if m is None or why is None or m.group(2) not in MONTHS:
        return "teks", {"text": text}
    try:
        at = datetime(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1)), int(m.group(4)),
                      int(m.group(5)), tzinfo=WIB)
    except ValueError:
        return "teks", {"text": text}
    return why, {"at": at.isoformat()}


def _table(name: str, *columns: str) -> sa.Table:
    types = {"next_visit_code": sa.String, "next_visit_params": sa.JSON}
    return sa.table(name, sa.column("id", sa.Integer),
                    *(sa.column(c, types.get(c, sa.String)) for c in columns))


def upgrade():
    bind = op.get_bind()
    for name, old in TABLES.items():
        # Plain ALTER TABLE ADD COLUMN on both engines; the defaults fill the
        # rows that exist and those the reminder sweep inserts in bulk.
        op.add_column(name, sa.Column('next_visit_code', sa.String(length=10), nullable=False,
                                      server_default=''))
        op.add_column(name, sa.Column('next_visit_params', sa.JSON(), nullable=False,
                                      server_default=sa.text("'{}'")))
        table = _table(name, old, "next_visit_code", "next_visit_params")
        updates = []
        for row_id, text in bind.execute(sa.select(table.c.id, table.c[old])
                                         .where(table.c[old] != "")):
            code, params = parse(text)
            updates.append({"row_id": row_id, "code": code, "params": params})
        if updates:
            bind.execute(table.update().where(table.c.id == sa.bindparam("row_id"))
                         .values(next_visit_code=sa.bindparam("code"),
                                 next_visit_params=sa.bindparam("params", type_=sa.JSON)),
                         updates)
        op.execute(f"ALTER TABLE {name} DROP COLUMN {old}")


def downgrade():
    """The earlier code shows the stored sentence: write it for every row that
    has a suggestion (converted rows and those written since)."""
    from slrt.outreach.hints import next_visit_text

    bind = op.get_bind()
    for name, old in TABLES.items():
        op.add_column(name, sa.Column(old, sa.String(length=200), nullable=False,
                                      server_default=''))
        table = _table(name, old, "next_visit_code", "next_visit_params")
        updates = [{"row_id": row_id, "text": next_visit_text(code, params)[:200]}
                   for row_id, code, params in bind.execute(
                       sa.select(table.c.id, table.c.next_visit_code, table.c.next_visit_params)
                       .where(table.c.next_visit_code != ""))]
        if updates:
            bind.execute(table.update().where(table.c.id == sa.bindparam("row_id"))
                         .values({old: sa.bindparam("text")}), updates)
        op.execute(f"ALTER TABLE {name} DROP COLUMN next_visit_params")
        op.execute(f"ALTER TABLE {name} DROP COLUMN next_visit_code")
