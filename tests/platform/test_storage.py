"""The file store (slrt/platform/storage.py) on both backends: what is put is
read back the same, whole or as a seekable stream; keys are checked; the
database backend writes in the caller's transaction, reads a large file a
chunk at a time, and is shared by every app process on the same database."""

from __future__ import annotations

import hashlib
import io
import random
import tracemalloc
import zipfile

import pytest
from sqlalchemy import func, select

from slrt.platform import storage
from tests.commands import command
from tests.database import app_context, make_app

# The first bytes of a scanned Musdes report (a PDF), with a page's worth of content.
SCAN = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Title (Berita Acara Musdes Desa Aro "
        b"140/12/BA/2026) >>\nendobj\n" + random.Random(16).randbytes(48_000))


@pytest.fixture(params=["database", "folder"])
def store(request, app, tmp_path):
    app.config["SLRT_STORAGE"] = request.param
    app.config["SLRT_STORAGE_PATH"] = str(tmp_path / "berkas-unggahan")
    return storage.backend()


class PseudoRandomStream(io.RawIOBase):
    """`size` bytes made as they are read (a registry export as it uploads), so
    the test itself never holds the whole file."""

    def __init__(self, size: int, seed: int = 5):
        self.left, self.rng = size, random.Random(seed)
        self.digest = hashlib.sha256()

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.left, 256 * 1024)
        piece = self.rng.randbytes(n)
        buffer[:n] = piece
        self.digest.update(piece)
        self.left -= n
        return n


def test_what_is_put_is_read_back_and_then_deleted(store, db):
    key = "musdes/3f2a9c0d4e5b6a7f8091a2b3c4d5e6f7.pdf"
    assert not storage.exists(key) and storage.size(key) is None and storage.info(key) is None
    info = storage.put(key, SCAN, "application/pdf")
    db.session.commit()
    assert info.size == len(SCAN) and info.sha256 == hashlib.sha256(SCAN).hexdigest()
    assert storage.exists(key) and storage.size(key) == len(SCAN)
    assert storage.info(key).content_type == "application/pdf"
    assert storage.get(key) == SCAN
    with storage.open_stream(key) as stream:
        assert stream.read(8) == b"%PDF-1.4"
        stream.seek(-10, io.SEEK_END)
        assert stream.read() == SCAN[-10:]
        stream.seek(100)
        assert stream.tell() == 100 and stream.read(20) == SCAN[100:120]
    photo = "photos/0a1b2c3d4e5f60718293a4b5c6d7e8f9.jpg"
    storage.put(photo, b"\xff\xd8\xff\xe0 foto rumah Syamsul Bahri", "image/jpeg")
    db.session.commit()
    assert storage.keys() == [key, photo] and storage.keys("photos/") == [photo]
    storage.put(photo, b"\xff\xd8\xff\xe0 foto ulang", "image/jpeg")  # a key is replaced
    db.session.commit()
    assert storage.get(photo) == b"\xff\xd8\xff\xe0 foto ulang"
    assert storage.delete(key) is True and storage.delete(key) is False
    db.session.commit()
    assert not storage.exists(key)
    with pytest.raises(storage.FileMissing):
        storage.get(key)
    with pytest.raises(storage.FileMissing):
        storage.open_stream(key)


@pytest.mark.parametrize("key", ["../instance/secret_key", "musdes/../../etc/passwd",
                                 "/etc/passwd", "musdes", "musdes/", "Musdes/a.pdf",
                                 "musdes/sub/a.pdf", "musdes/.tersembunyi", ""])
def test_a_key_that_could_leave_its_namespace_is_refused(store, key):
    with pytest.raises(storage.StorageError):
        storage.put(key, b"isi", "text/plain")
    with pytest.raises(storage.StorageError):
        storage.get(key)


def test_a_file_of_several_chunks_is_streamed_in_and_out(store, db):
    size = 3 * storage.CHUNK_SIZE + 12_345
    source = PseudoRandomStream(size)
    info = storage.put("imports/dtks-15.04-2022-07.csv", source, "text/csv")
    db.session.commit()
    assert info.size == size and info.sha256 == source.digest.hexdigest()
    if store.name == "database":
        chunks = db.session.scalar(select(func.count()).select_from(storage.StoredChunk))
        assert chunks == 4
    digest, pieces = hashlib.sha256(), []
    with storage.open_stream("imports/dtks-15.04-2022-07.csv") as stream:
        while piece := stream.read(700_000):  # reads that straddle the chunks
            digest.update(piece)
            pieces.append(len(piece))
    assert digest.hexdigest() == info.sha256 and sum(pieces) == size
    assert all(n == 700_000 for n in pieces[:-1])  # whole reads across chunk boundaries


def test_a_workbook_is_read_through_the_stream(store, db):
    """An .xlsx is a zip: the reader seeks to its end and back (the importer's case)."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", "<row>" * 300_000)
        zf.writestr("[Content_Types].xml", "<Types/>")
    storage.put("imports/dtsen.xlsx", data.getvalue(), "application/zip")
    db.session.commit()
    with storage.open_stream("imports/dtsen.xlsx") as stream, zipfile.ZipFile(stream) as zf:
        assert zf.read("xl/worksheets/sheet1.xml") == b"<row>" * 300_000


def test_database_files_belong_to_the_callers_transaction(app, db):
    """A Musdes record and its scan are kept together or not at all."""
    app.config["SLRT_STORAGE"] = "database"
    storage.put("musdes/batal.pdf", SCAN, "application/pdf")
    assert storage.exists("musdes/batal.pdf")  # seen inside the transaction
    db.session.rollback()
    assert not storage.exists("musdes/batal.pdf")


def test_a_large_file_is_never_whole_in_memory(app, db):
    """50 MB in and out of the database backend: Python's peak allocation
    stays at a few chunks (measured: 4.1 MiB for the put, 3.2 MiB for the
    read, on SQLite and PostgreSQL), not the file's size."""
    app.config["SLRT_STORAGE"] = "database"
    size = 50 * 1024 * 1024
    tracemalloc.start()
    try:
        source = PseudoRandomStream(size, seed=50)
        storage.put("imports/provinsi-jambi.csv", source, "text/csv")
        db.session.commit()
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest = hashlib.sha256()
        with storage.open_stream("imports/provinsi-jambi.csv") as stream:
            buffered = io.BufferedReader(stream, buffer_size=1 << 20)
            while piece := buffered.read(64 * 1024):
                digest.update(piece)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == source.digest.hexdigest()
    assert put_peak < 8 * 1024 * 1024, put_peak
    assert read_peak < 8 * 1024 * 1024, read_peak


def test_two_app_processes_on_one_database_see_each_others_files(app, db, db_url):
    """What an upload on one app host stores, another host serves: a second app
    made by create_app on the same database reads it, and its deletion."""
    app.config["SLRT_STORAGE"] = "database"
    storage.put("photos/kunjungan-aro.jpg", b"\xff\xd8\xff\xe0 rumah terbakar", "image/jpeg")
    db.session.commit()
    other = make_app(db_url)
    assert other is not app and other.config["SLRT_STORAGE"] == "database"
    with app_context(other):
        assert storage.get("photos/kunjungan-aro.jpg") == b"\xff\xd8\xff\xe0 rumah terbakar"
        storage.put("musdes/dari-host-kedua.pdf", SCAN, "application/pdf")
        db.session.commit()
    db.session.rollback()
    assert storage.get("musdes/dari-host-kedua.pdf") == SCAN


def test_the_configured_backend_is_checked(app, tmp_path):
    app.config["SLRT_STORAGE"] = "folder"
    app.config["SLRT_STORAGE_PATH"] = ""
    assert storage.backend().root == storage.folder_root() == \
        __import__("pathlib").Path(app.instance_path) / "uploads"
    app.config["SLRT_STORAGE"] = "s3"
    with pytest.raises(storage.StorageError):
        storage.backend()
    with pytest.raises(RuntimeError, match="SLRT_STORAGE"):
        from slrt import create_app

        create_app("testing", overrides={"SLRT_STORAGE": "awan"})


def test_flask_storage_migrate_moves_every_file_into_the_configured_store(app, db, db_url,
                                                                          tmp_path):
    """A single-host install (folder) moves to two app hosts (database), and back:
    `flask storage migrate` run as the admin runs it, the store named in the
    environment."""
    uploads = str(tmp_path / "berkas-unggahan")
    app.config["SLRT_STORAGE"] = "folder"
    app.config["SLRT_STORAGE_PATH"] = uploads
    folder = storage.backend()
    storage.put("musdes/ba-aro.pdf", SCAN, "application/pdf")
    storage.put("photos/rumah-aro.jpg", b"\xff\xd8\xff\xe0 rumah", "image/jpeg")
    db.session.commit()

    def migrate(to: str) -> str:
        db.session.remove()
        return command(db_url, tmp_path, "storage", "migrate",
                       env={"SLRT_STORAGE": to, "SLRT_STORAGE_PATH": uploads}).stdout

    assert "2 berkas dipindahkan ke basis data" in migrate("database")
    app.config["SLRT_STORAGE"] = "database"
    assert storage.keys() == ["musdes/ba-aro.pdf", "photos/rumah-aro.jpg"]
    assert storage.get("musdes/ba-aro.pdf") == SCAN
    assert storage.info("musdes/ba-aro.pdf").content_type == "application/pdf"
    assert folder.keys() == []
    assert "0 berkas" in migrate("database")  # nothing left to move

    assert "2 berkas dipindahkan ke folder" in migrate("folder")
    assert (folder.root / "musdes/ba-aro.pdf").read_bytes() == SCAN
    assert storage.DatabaseStorage().keys() == []
