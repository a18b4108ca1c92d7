"""The word a page shows for a code a model stores."""

from __future__ import annotations


class CodeLabel:
    """A model's label of one of its codes, read from a table of labels:
    `channel_label = CodeLabel("channel", CHANNELS)`. A lazy_gettext label is
    translated when read; a code the table does not know shows as itself."""

    def __init__(self, attr: str, table: dict):
        self.attr, self.table = attr, table

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        code = getattr(obj, self.attr) or ""
        return str(self.table.get(code, code))
