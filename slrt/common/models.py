from __future__ import annotations

from functools import cache

from sqlalchemy import Integer, String, Text, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from slrt.extensions import db


class Sequence(db.Model):
    """Named counters (case numbers per month), incremented atomically."""

    __tablename__ = "sequences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class AppSetting(db.Model):
    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


def next_value(name: str) -> int:
    """Increment the named counter and return the new value.

    One statement: it inserts the counter at 1 or adds one to it, which takes
    the row lock (PostgreSQL) or the write lock (SQLite), so two registrations
    at the same moment never get the same number.
    """
    conn = db.session.connection()
    return conn.execute(_next_value_statement(conn.dialect.name), {"name": name}).scalar_one()


@cache
def _next_value_statement(dialect: str):
    table = Sequence.__table__
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(
        name=bindparam("name"), value=1)
    return (stmt.on_conflict_do_update(index_elements=[table.c.name],
                                       set_={"value": table.c.value + 1})
            .returning(table.c.value))


def regency_key(regency: str, key: str) -> str:
    """The key of a setting that belongs to one regency: "15.04/kop.nama"."""
    if not regency:
        raise ValueError("a regency's setting needs its regency")
    return f"{regency}/{key}"


def get_setting(key: str, default: str | None = None) -> str | None:
    row = db.session.get(AppSetting, key)
    return row.value if row else default


def set_setting(key: str, value: str) -> None:
    row = db.session.get(AppSetting, key)
    if row is None:
        db.session.add(AppSetting(key=key, value=value))
    else:
        row.value = value
