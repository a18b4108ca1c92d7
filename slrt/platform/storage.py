"""Files in one store that every app host reaches: Musdes scans, visit photos,
a case's attachments, the letterhead's logo, registry files waiting to be applied.

A file is named by a namespaced key ("musdes/3f2a....pdf", "photos/....jpg",
"attachments/....jpg", "letterhead/....jpg", "imports/....csv"); the features keep the key, never a path. Two backends,
chosen by SLRT_STORAGE:

- "database" (the default): the bytes in the database itself, in rows of
  1 MiB (`stored_file_chunks`) under one `stored_files` row (key, content
  type, size, SHA-256). A file is written in the caller's transaction, so a
  Musdes record and its scan are committed together or not at all; every app
  host and the import process see it; `flask backup` holds it. open() reads a
  committed file back chunk by chunk on short connections of its own, so a
  registry file of hundreds of MB is never in memory whole.
- "folder": a folder (SLRT_STORAGE_PATH, default instance/uploads), one
  sub-folder per namespace; for a single-host install. A write is a
  temporary file renamed into place.

Features call the module functions (put, get, open, info, exists, size,
delete); `backend()` gives the configured store, `DatabaseStorage()` and
`FolderStorage(path)` a given one (moving files between them, the backup).
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    insert,
    select,
    update,
)
from sqlalchemy import delete as sql_delete
from sqlalchemy.orm import Mapped, mapped_column

from slrt.extensions import db
from slrt.platform.db import sqlite_deferred

CHUNK_SIZE = 1 << 20  # bytes in one stored_file_chunks row
BACKENDS = ("database", "folder")
# "<namespace>/<name>": a lower-case namespace, a name without a path in it.
KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}/[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


class StoredFile(db.Model):
    """One file of the database backend; its bytes are its chunks, in order."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(240), unique=True)
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    chunk_size: Mapped[int] = mapped_column(Integer, default=CHUNK_SIZE)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StoredChunk(db.Model):
    __tablename__ = "stored_file_chunks"

    file_id: Mapped[int] = mapped_column(
        ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class StorageError(ValueError):
    """A key that is not "<namespace>/<name>"."""


class FileMissing(LookupError):
    """No file under the key."""


@dataclass(frozen=True)
class FileInfo:
    key: str
    size: int
    content_type: str
    sha256: str = ""


def guess_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_RE.match(key) or ".." in key:
        raise StorageError(f"bad storage key: {key!r}")
    return key


def _chunks(data: bytes | BinaryIO, size: int) -> Iterator[bytes]:
    """The bytes, or a binary stream read to its end, in pieces of exactly
    `size` (the last one shorter)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        view = memoryview(data)
        for start in range(0, len(view), size):
            yield bytes(view[start:start + size])
        return
    pending = b""
    while True:
        piece = data.read(size - len(pending))
        if not piece:
            break
        pending += piece
        if len(pending) == size:
            yield pending
            pending = b""
    if pending:
        yield pending


# ------------------------------------------------------------------ database

class _ChunkReader(io.RawIOBase):
    """A stored file read as a seekable binary stream: one chunk in memory at a
    time, each fetched on a short connection of its own (committed data; on
    SQLite without the write lock, so an import's own transaction never waits
    for its reader)."""

    def __init__(self, engine, file_id: int, size: int, chunk_size: int):
        super().__init__()
        self._engine, self._file_id = engine, file_id
        self._size, self._chunk_size = size, chunk_size
        self._pos = 0
        self._seq: int | None = None
        self._data = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def _fetch(self, seq: int) -> bytes:
        table = StoredChunk.__table__
        with sqlite_deferred(), self._engine.connect() as conn:
            data = conn.execute(select(table.c.data).where(
                table.c.file_id == self._file_id, table.c.seq == seq)).scalar()
        if data is None:
            raise OSError(f"stored file {self._file_id}: chunk {seq} is missing")
        return bytes(data)

    def readinto(self, buffer) -> int:
        """Fills the buffer up to the end of the file (across chunks), as a
        file on disk does: zipfile and openpyxl count on whole reads."""
        if self.closed:
            raise ValueError("I/O operation on closed file")
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self._size:
            seq, offset = divmod(self._pos, self._chunk_size)
            if seq != self._seq:
                self._data, self._seq = b"", None  # the old chunk goes before the next comes
                self._data, self._seq = self._fetch(seq), seq
            n = min(len(view) - done, len(self._data) - offset, self._size - self._pos)
            if n <= 0:
                raise OSError(f"stored file {self._file_id}: chunk {seq} is short")
            view[done:done + n] = memoryview(self._data)[offset:offset + n]
            self._pos += n
            done += n
        return done

    def close(self) -> None:
        self._data = b""
        super().close()


class DatabaseStorage:
    """The files in the database, written through the session (the caller's
    unit of work commits them)."""

    name = "database"

    def _row(self, key: str):
        table = StoredFile.__table__
        return db.session.execute(select(table).where(table.c.key == check_key(key))).first()

    def put(self, key: str, data: bytes | BinaryIO,
            content_type: str = "application/octet-stream") -> FileInfo:
        check_key(key)
        self.delete(key)
        files, chunks = StoredFile.__table__, StoredChunk.__table__
        session = db.session
        file_id = session.execute(insert(files).values(
            key=key, content_type=content_type[:100], size=0, sha256="",
            chunk_size=CHUNK_SIZE, created_at=datetime.now(UTC)
        ).returning(files.c.id)).scalar_one()
        digest, size = hashlib.sha256(), 0
        for seq, piece in enumerate(_chunks(data, CHUNK_SIZE)):
            digest.update(piece)
            size += len(piece)
            session.execute(insert(chunks).values(file_id=file_id, seq=seq, data=piece))
        sha = digest.hexdigest()
        session.execute(update(files).where(files.c.id == file_id).values(size=size, sha256=sha))
        return FileInfo(key, size, content_type[:100], sha)

    def info(self, key: str) -> FileInfo | None:
        row = self._row(key)
        return None if row is None else FileInfo(row.key, row.size, row.content_type,
                                                 row.sha256)

    def open(self, key: str) -> io.RawIOBase:
        row = self._row(key)
        if row is None:
            raise FileMissing(key)
        return _ChunkReader(db.engine, row.id, row.size, row.chunk_size)

    def get(self, key: str) -> bytes:
        row = self._row(key)
        if row is None:
            raise FileMissing(key)
        chunks = StoredChunk.__table__
        return b"".join(db.session.scalars(select(chunks.c.data).where(
            chunks.c.file_id == row.id).order_by(chunks.c.seq)))

    def delete(self, key: str) -> bool:
        row = self._row(key)
        if row is None:
            return False
        db.session.execute(sql_delete(StoredChunk.__table__).where(
            StoredChunk.__table__.c.file_id == row.id))
        db.session.execute(sql_delete(StoredFile.__table__).where(
            StoredFile.__table__.c.id == row.id))
        return True

    def keys(self, prefix: str = "") -> list[str]:
        table = StoredFile.__table__
        stmt = select(table.c.key).order_by(table.c.key)
        if prefix:
            stmt = stmt.where(table.c.key.startswith(prefix, autoescape=True))
        return list(db.session.scalars(stmt))


# -------------------------------------------------------------------- folder

class FolderStorage:
    """The files in a folder, `<root>/<namespace>/<name>` (a single host)."""

    name = "folder"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes | BinaryIO,
            content_type: str = "application/octet-stream") -> FileInfo:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.sementara")
        digest, size = hashlib.sha256(), 0
        try:
            with open(tmp, "wb") as fh:
                for piece in _chunks(data, CHUNK_SIZE):
                    digest.update(piece)
                    size += len(piece)
                    fh.write(piece)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return FileInfo(key, size, content_type, digest.hexdigest())

    def info(self, key: str) -> FileInfo | None:
        try:
            size = self.path(key).stat().st_size
        except FileNotFoundError:
            return None
        return FileInfo(key, size, guess_type(key))

    def open(self, key: str) -> io.RawIOBase:
        try:
            return open(self.path(key), "rb", buffering=0)  # noqa: SIM115 - the caller closes
        except FileNotFoundError:
            raise FileMissing(key) from None

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise FileMissing(key) from None

    def delete(self, key: str) -> bool:
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            return False
        return True

    def keys(self, prefix: str = "") -> list[str]:
        if not self.root.is_dir():
            return []
        out = []
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir():
                continue
            for item in sorted(folder.iterdir()):
                key = f"{folder.name}/{item.name}"
                if item.is_file() and KEY_RE.match(key) and key.startswith(prefix):
                    out.append(key)
        return out


# --------------------------------------------------------- the configured one

def folder_root(app=None) -> Path:
    app = app or current_app
    configured = app.config.get("SLRT_STORAGE_PATH") or ""
    return Path(configured) if configured else Path(app.instance_path) / "uploads"


def backend(app=None) -> DatabaseStorage | FolderStorage:
    """The store SLRT_STORAGE names ("database" unless told otherwise)."""
    app = app or current_app
    kind = app.config.get("SLRT_STORAGE") or "database"
    if kind == "folder":
        return FolderStorage(folder_root(app))
    if kind == "database":
        return DatabaseStorage()
    raise StorageError(f"SLRT_STORAGE tidak dikenal: {kind!r} (database atau folder)")


def put(key: str, data: bytes | BinaryIO,
        content_type: str = "application/octet-stream") -> FileInfo:
    return backend().put(key, data, content_type)


def get(key: str) -> bytes:
    return backend().get(key)


def open_stream(key: str) -> io.RawIOBase:
    """A seekable binary stream of the file (close it); FileMissing if none."""
    return backend().open(key)


def info(key: str) -> FileInfo | None:
    return backend().info(key)


def exists(key: str) -> bool:
    return backend().info(key) is not None


def size(key: str) -> int | None:
    found = backend().info(key)
    return None if found is None else found.size


def delete(key: str) -> bool:
    return backend().delete(key)


def keys(prefix: str = "") -> list[str]:
    return backend().keys(prefix)


def copy(source, target, key: str) -> FileInfo:
    """Copy one file from one store to another, streamed; checked by size."""
    found = source.info(key)
    if found is None:
        raise FileMissing(key)
    with source.open(key) as stream:
        written = target.put(key, stream, found.content_type)
    if written.size != found.size or (found.sha256 and written.sha256 != found.sha256):
        raise OSError(f"{key}: copied {written.size} bytes of {found.size}")
    return written
