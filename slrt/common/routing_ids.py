"""Object ids in URLs and forms: ASCII digits within the database's integer range."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2_147_483_647


class IdConverter(IntegerConverter):
    """`<id:case_id>`: like `<id:...>` but a 20-digit id is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(value) -> int | None:
    """An id typed or posted by a browser, or None (never raises)."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def parse_version(value) -> int:
    """The version a form was rendered with; a missing or bogus one never matches."""
    return parse_id(value) or -1
