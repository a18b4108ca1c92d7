"""Visit photos are re-encoded: no EXIF (GPS of the house, the phone), upright, at most
1600 px on the longest side and about 300 KB."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import ExifTags, Image

from slrt.common.errors import DomainError
from slrt.outreach import services as outreach

GPS = {ExifTags.GPS.GPSLatitudeRef: "S", ExifTags.GPS.GPSLatitude: (1.0, 42.0, 44.28),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (103.0, 16.0, 26.76)}


def camera_jpeg(width=4000, height=3000, orientation=6) -> bytes:
    """A phone photo: noisy pixels (so it does not compress to nothing), the GPS position,
    the phone's make and model, and an orientation tag (6: rotate 90 degrees to view)."""
    import random

    rng = random.Random(7)
    img = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    img.paste((200, 30, 30), (0, 0, width // 4, height // 4))  # a red corner, to follow
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Samsung"
    exif[ExifTags.Base.Model] = "SM-A155F"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.DateTime] = "2026:01:12 09:03:11"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def test_the_test_photo_really_carries_gps_and_the_phone():
    with Image.open(io.BytesIO(camera_jpeg(400, 300))) as img:
        exif = img.getexif()
        assert exif[ExifTags.Base.Make] == "Samsung"
        assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "S"


def test_exif_is_stripped_the_photo_turned_upright_and_made_small():
    original = camera_jpeg()
    assert len(original) > 3 * 1024 * 1024
    cleaned = outreach.clean_photo(original)
    assert len(cleaned) <= 300 * 1024
    for marker in (b"Exif", b"Samsung", b"SM-A155F", b"2026:01:12"):
        assert marker not in cleaned
    with Image.open(io.BytesIO(cleaned)) as img:
        assert img.format == "JPEG"
        assert not img.getexif() and "exif" not in img.info
        # 4000x3000 with orientation 6 is a portrait photo: 1200x1600 once upright
        assert img.size == (1200, 1600)
        # the red corner (top left as stored) is top right once turned
        r, g, b = img.convert("RGB").getpixel((1150, 50))
        assert r > 150 and g < 90 and b < 90


def test_a_small_png_keeps_its_size_and_loses_its_transparency():
    img = Image.new("RGBA", (640, 480), (0, 0, 0, 0))
    img.paste((20, 120, 40, 255), (0, 0, 320, 480))
    out = io.BytesIO()
    img.save(out, "PNG")
    cleaned = outreach.clean_photo(out.getvalue())
    with Image.open(io.BytesIO(cleaned)) as back:
        assert back.format == "JPEG" and back.size == (640, 480)
        assert back.convert("RGB").getpixel((600, 10))[0] > 240  # transparent: white


@pytest.mark.parametrize("data", [b"GIF89a gambar", b"\xff\xd8\xff\xe0 potongan", b"\x89PNG\r\n"])
def test_what_is_not_a_photo_is_refused_with_a_message(data):
    with pytest.raises(DomainError) as e:
        outreach.clean_photo(data)
    assert e.value.field == "photo"


def test_a_visit_stores_only_the_cleaned_photo(world, db, app, tmp_path):
    fas = world["fas"]
    visit = outreach.record_visit(
        fas, world["fire"], outcome="bertemu", visited_at=datetime(2026, 1, 12, 2, tzinfo=UTC),
        notes="Keluarga tinggal di tenda", now=datetime(2026, 1, 12, 4, tzinfo=UTC),
        photo=camera_jpeg(2000, 1500))
    db.session.commit()
    from slrt.platform import storage

    stored = storage.get(visit.photo_path)
    assert visit.photo_mime == "image/jpeg" and visit.photo_path.endswith(".jpg")
    assert b"Exif" not in stored and b"Samsung" not in stored and len(stored) <= 300 * 1024
