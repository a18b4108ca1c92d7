"""The uploaded files in a backup (slrt/platform/storage.py).

With the database store (the default) the files are rows of the database, so
the database's own backup holds them and nothing is added. With the folder
store the backup is a tar archive: the database's backup as the member
`basis-data` (the same SQLite file or pg_dump archive as without files) and
each file as `berkas/<key>`. A restore puts the database back, then the
files into whichever store the installation uses now, so a backup moves
between a folder install and a database one.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from slrt.platform import storage

DATABASE_MEMBER = "basis-data"
FILES_PREFIX = "berkas/"
TAR_MAGIC_OFFSET = 257


class ArchiveError(Exception):
    """Not an archive of an SLRT backup (message in Indonesian)."""


def is_archive(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(TAR_MAGIC_OFFSET)
        return fh.read(5) == b"ustar"


def write_archive(database_backup: Path, store, target: Path) -> int:
    """The tar of the database's backup and every file of the (folder) store,
    written to `target`; the number of files."""
    count = 0
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(database_backup, arcname=DATABASE_MEMBER)
        for key in store.keys():
            found = store.info(key)
            if found is None:  # deleted meanwhile (an import that ended)
                continue
            info = tarfile.TarInfo(FILES_PREFIX + key)
            info.size = found.size
            info.mode = 0o600
            with store.open(key) as stream:
                tar.addfile(info, stream)
            count += 1
    return count


def _members(tar: tarfile.TarFile) -> tuple[tarfile.TarInfo, list[tarfile.TarInfo]]:
    database, files = None, []
    for member in tar.getmembers():
        if member.name == DATABASE_MEMBER and member.isfile():
            database = member
        elif member.name.startswith(FILES_PREFIX) and member.isfile():
            try:
                storage.check_key(member.name[len(FILES_PREFIX):])
            except storage.StorageError:
                raise ArchiveError(f"nama berkas tidak sah di dalam cadangan: {member.name}"
                                   ) from None
            files.append(member)
        else:
            raise ArchiveError(f"isi tidak dikenal di dalam cadangan: {member.name}")
    if database is None:
        raise ArchiveError("cadangan basis data tidak ada di dalamnya")
    return database, files


@contextmanager
def database_part(path: Path) -> Iterator[Path]:
    """The database's backup inside an archive, as a file of its own for the
    restore (in a temporary folder, removed afterwards)."""
    try:
        with tarfile.open(path, "r:") as tar:
            member, _files = _members(tar)
            folder = tempfile.mkdtemp(prefix="slrt-pulih-")
            try:
                out = Path(folder) / DATABASE_MEMBER
                with tar.extractfile(member) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                yield out
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    except tarfile.TarError as e:
        raise ArchiveError(f"arsip rusak ({e})") from None


def check_archive(path: Path) -> None:
    try:
        with tarfile.open(path, "r:") as tar:
            _members(tar)
    except tarfile.TarError as e:
        raise ArchiveError(f"arsip rusak ({e})") from None


def restore_from_archive(path: Path, store) -> int:
    """Every file of the archive into `store`; with a folder store, the files
    the backup does not have are removed (the restore replaces all data).
    The caller commits (database store)."""
    keep = set()
    with tarfile.open(path, "r:") as tar:
        _database, files = _members(tar)
        for member in files:
            key = member.name[len(FILES_PREFIX):]
            with tar.extractfile(member) as stream:
                store.put(key, stream, storage.guess_type(key))
            keep.add(key)
    _remove_others(store, keep)
    return len(keep)


def restore_into_folder(store) -> int:
    """After restoring a backup that is a database alone onto a folder install
    (made with the database store, or before files were backed up): the
    files the database holds are written to the folder and removed from the
    database. Nothing else in the folder is touched: an older backup's rows
    may name files that only the folder has. The caller commits."""
    database = storage.DatabaseStorage()
    keys = database.keys()
    for key in keys:
        storage.copy(database, store, key)
        database.delete(key)
    return len(keys)


def _remove_others(store, keep: set[str]) -> None:
    if not isinstance(store, storage.FolderStorage):
        return
    for key in store.keys():
        if key not in keep:
            store.delete(key)

