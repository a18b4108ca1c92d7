"""Where an import's file is: a path (the command line) or a key of the app's
file store (the upload page; every app host and the import process reach it,
see slrt/platform/storage.py). The reader only asks for its size and a
seekable binary stream, so a file kept in the database is read chunk by
chunk, never whole in memory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO


class InputFile:
    def __init__(self, path: str | os.PathLike | None = None, key: str | None = None):
        if (path is None) == (key is None):
            raise ValueError("an import file is a path or a storage key")
        self.path = Path(path) if path is not None else None
        self.key = key

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else self.key.rsplit("/", 1)[-1]

    def size(self) -> int:
        """Bytes; OSError when the file is not there."""
        if self.path is not None:
            return self.path.stat().st_size
        from slrt.platform import storage

        found = storage.info(self.key)
        if found is None:
            raise FileNotFoundError(2, "Berkas tidak ada di penyimpanan", self.key)
        return found.size

    def open(self) -> BinaryIO:
        """A seekable, unbuffered binary stream; the caller closes it."""
        if self.path is not None:
            return open(self.path, "rb", buffering=0)  # noqa: SIM115 - the caller closes
        from slrt.platform import storage

        try:
            return storage.open_stream(self.key)
        except storage.FileMissing:
            raise FileNotFoundError(2, "Berkas tidak ada di penyimpanan", self.key) from None

    def __str__(self) -> str:
        return str(self.path) if self.path is not None else self.key


def as_input(source) -> InputFile:
    """A path (str, PathLike) or an InputFile as an InputFile."""
    return source if isinstance(source, InputFile) else InputFile(path=source)


def input_of(record) -> InputFile:
    """The file of an import row."""
    if getattr(record, "file_key", ""):
        return InputFile(key=record.file_key)
    return InputFile(path=record.file_path)
