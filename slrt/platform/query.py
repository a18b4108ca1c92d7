"""What every list of the app does with the filters a user chose."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select


def where_given(stmt: Select, *pairs: tuple[Any, Any]) -> Select:
    """stmt narrowed to `column == value` for each (column, value) whose value
    was given: a filter left empty narrows nothing."""
    for column, value in pairs:
        if value:
            stmt = stmt.where(column == value)
    return stmt
