"""Attachments on a case: a desk of the case's village attaches a photo of the
KTP, the KK, the house or a letter. Checked by content, stripped of EXIF,
kept in the file store, listed on the case page, every download audited."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from tests.factories import ARO, OLAK
from tests.http import login, post

GPS = {ExifTags.GPS.GPSLatitudeRef: "S", ExifTags.GPS.GPSLatitude: (1.0, 42.0, 44.28),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (103.0, 16.0, 26.76)}


def ktp_photo(width=1200, height=800) -> bytes:
    """A phone photo of a KTP: the GPS position of the house and the phone in its EXIF."""
    img = Image.new("RGB", (width, height), (70, 110, 170))
    img.paste((235, 235, 235), (60, 60, width - 60, height - 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Xiaomi"
    exif[ExifTags.Base.Model] = "Redmi Note 13"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


@pytest.fixture
def desk(make_user, register):
    op = make_user("operator", villages=[ARO])
    case = register(op, nik="1504035506750001", name="Siti Aminah")
    return op, case


def _upload(client, case, data, name, kind="ktp", caption="KTP Siti Aminah"):
    return post(client, f"/kasus/{case.id}/lampiran",
                {"kind": kind, "caption": caption, "file": (io.BytesIO(data), name)})


def _rows(db):
    from slrt.cases.models import CaseAttachment

    return list(db.session.scalars(select(CaseAttachment)))


def test_the_test_photo_really_carries_gps():
    with Image.open(io.BytesIO(ktp_photo())) as img:
        gps = img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert gps[ExifTags.GPS.GPSLatitudeRef] == "S"


def test_a_jpeg_with_gps_exif_is_kept_without_it_and_listed_on_the_case(client, desk, db):
    from slrt.platform import storage

    op, case = desk
    login(client, op)
    original = ktp_photo()
    resp = _upload(client, case, original, "IMG_20261206_091502.jpg")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#lampiran")
    [row] = _rows(db)
    assert row.kind == "ktp" and row.caption == "KTP Siti Aminah"
    assert row.file_key.startswith("attachments/") and row.content_type == "image/jpeg"
    stored = storage.get(row.file_key)
    assert stored != original and row.size == len(stored)
    for marker in (b"Exif", b"Xiaomi", b"Redmi"):
        assert marker not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "JPEG" and not img.getexif() and img.size == (1200, 800)
    page = client.get(f"/kasus/{case.id}").text
    assert f"/kasus/{case.id}/lampiran/{row.id}" in page
    assert "Foto KTP" in page and "KTP Siti Aminah" in page


def test_the_timeline_says_an_attachment_was_added(client, desk, db):
    from slrt.cases.models import CaseEvent

    op, case = desk
    login(client, op)
    _upload(client, case, ktp_photo(), "kk.jpg", kind="kk", caption="KK terbaru")
    event = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "lampiran")).one()
    assert event.data["kind"] == "kk" and event.data["attachment_id"] == _rows(db)[0].id
    assert event.text == "Lampiran ditambahkan: Foto Kartu Keluarga. Keterangan: KK terbaru"
    assert "Lampiran ditambahkan: Foto Kartu Keluarga." in client.get(f"/kasus/{case.id}").text


def test_a_pdf_letter_is_kept_as_it_came(client, desk, db):
    from slrt.platform import storage

    op, case = desk
    login(client, op)
    letter = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    assert _upload(client, case, letter, "surat-keterangan-desa.pdf", kind="surat",
                   caption="").status_code == 302
    [row] = _rows(db)
    assert row.content_type == "application/pdf" and row.file_key.endswith(".pdf")
    assert storage.get(row.file_key) == letter


@pytest.mark.parametrize("data,name", [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "foto-ktp.jpg"),  # a program
    (b"<!doctype html><script>alert(document.cookie)</script>", "rumah.png"),
    (b"GIF89a\x01\x00\x01\x00", "kk.pdf"),
])
def test_a_renamed_program_or_page_is_refused_by_its_content(client, desk, db, data, name):
    from slrt.platform import storage

    op, case = desk
    login(client, op)
    resp = _upload(client, case, data, name)
    assert resp.status_code == 422
    assert "bukan foto JPG/PNG atau PDF" in resp.text
    assert 'id="file-err"' in resp.text  # at the file field, not in a banner
    assert _rows(db) == [] and storage.keys("attachments/") == []


def test_an_oversized_file_is_refused_with_the_limit_in_the_message(client, desk, db):
    from slrt.platform import storage

    op, case = desk
    login(client, op)
    big = b"%PDF-1.7\n" + b"0" * (9 * 1024 * 1024)
    resp = _upload(client, case, big, "pindaian.pdf", kind="surat")
    assert resp.status_code == 422
    assert "Berkas terlalu besar (9,0 MB); paling besar 8 MB." in resp.text
    assert _rows(db) == [] and storage.keys("attachments/") == []


def test_no_kind_or_no_file_is_said_at_the_field(client, desk, db):
    op, case = desk
    login(client, op)
    resp = _upload(client, case, ktp_photo(), "ktp.jpg", kind="")
    assert resp.status_code == 422 and "Pilih jenis lampiran." in resp.text
    resp = post(client, f"/kasus/{case.id}/lampiran", {"kind": "rumah", "caption": ""})
    assert resp.status_code == 422 and "Pilih berkas yang akan dilampirkan." in resp.text
    assert _rows(db) == []


def test_download_is_audited(client, desk, db):
    from slrt.audit.models import AuditEntry
    from slrt.platform import storage

    op, case = desk
    login(client, op)
    _upload(client, case, ktp_photo(), "ktp.jpg")
    [row] = _rows(db)
    resp = client.get(f"/kasus/{case.id}/lampiran/{row.id}")
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    assert resp.data == storage.get(row.file_key)
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "unduh_berkas")).one()
    assert (entry.object_type, entry.object_id) == ("attachment", row.id)
    assert entry.person_id == case.beneficiary_id and entry.actor_id == op.id
    assert entry.detail["objek"] == f"Lampiran Foto KTP, kasus {case.number}"


def test_an_operator_of_another_village_gets_404_on_upload_and_download(
        app, client, desk, db, make_user):
    op, case = desk
    login(client, op)
    _upload(client, case, ktp_photo(), "ktp.jpg")
    [row] = _rows(db)
    other = app.test_client()
    login(other, make_user("operator", villages=[OLAK]))
    assert other.get(f"/kasus/{case.id}/lampiran/{row.id}").status_code == 404
    assert _upload(other, case, ktp_photo(), "ktp2.jpg").status_code == 404
    assert len(_rows(db)) == 1


def test_an_attachment_is_reached_only_through_its_own_case(client, desk, db, register):
    op, case = desk
    login(client, op)
    _upload(client, case, ktp_photo(), "ktp.jpg")
    [row] = _rows(db)
    other_case = register(op, nik="1504031208800002", name="Ahmad Yani")
    assert client.get(f"/kasus/{other_case.id}/lampiran/{row.id}").status_code == 404


def test_the_service_refuses_a_desk_outside_the_village(desk, db, make_user):
    from datetime import UTC, datetime

    from slrt.cases import attachments
    from slrt.common.errors import DomainError

    _op, case = desk
    with pytest.raises(DomainError):
        attachments.attach(make_user("operator", villages=[OLAK]), case, kind="ktp",
                           caption="", data=ktp_photo(), now=datetime(2026, 12, 6, tzinfo=UTC))
    with pytest.raises(DomainError):
        attachments.attach(make_user("handler"), case, kind="ktp", caption="",
                           data=ktp_photo(), now=datetime(2026, 12, 6, tzinfo=UTC))
    assert _rows(db) == []
