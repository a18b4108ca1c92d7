"""The regency's letterhead: the admin sets it once; the case receipt, the
referral letter and the handover record print it at the top; its logo is
cleaned like a photo; without it the printed pages keep their own header."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import ExifTags, Image

from tests.factories import ARO, handed_over
from tests.http import login, post

NAME = "PEMERINTAH KABUPATEN BATANG HARI\nDINAS SOSIAL"
ADDRESS = "Jl. Sulthan Thaha No. 03, Rengas Condong, Muara Bulian"


def logo_png() -> bytes:
    """A logo scanned on a phone: transparency, and the GPS of the office in its EXIF."""
    img = Image.new("RGBA", (1400, 1400), (0, 0, 0, 0))
    img.paste((20, 90, 40, 255), (300, 300, 1100, 1100))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Samsung"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "S"
    out = io.BytesIO()
    img.save(out, "PNG", exif=exif)
    return out.getvalue()


@pytest.fixture
def world(make_user, register, db):
    from slrt.referrals.aid import Composition

    users = {"admin": make_user("admin"), "operator": make_user("operator", villages=[ARO]),
             "handler": make_user("handler")}
    case = register(users["operator"], nik="1504036507790001", name="Rohana",
                    category="korban_bencana")
    referral = handed_over(users["operator"], users["handler"], case, "Rohana",
                           now=datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
                           family=Composition(adult_women=1))
    db.session.commit()
    pages = {"operator": [f"/kasus/{case.id}/tanda-terima", f"/rujukan/{referral.id}/surat",
                          f"/rujukan/{referral.id}/berita-acara"]}
    return users, pages


def _set(client, **fields):
    data = {"name": NAME, "address": ADDRESS, "phone": "(0743) 21034", **fields}
    return post(client, "/admin/kop-surat", data)


def test_without_settings_the_printed_pages_keep_their_header(client, world):
    users, pages = world
    login(client, users["operator"])
    receipt, letter, record = (client.get(url).text for url in pages["operator"])
    # the regency's name as the regions table has it (Kemendagri's spelling)
    assert "Sistem Layanan Rujukan Terpadu · Dinas Sosial Kabupaten Batanghari" in receipt
    assert "PUSKESOS ARO · KABUPATEN BATANGHARI" in letter
    assert "Dinas Sosial Kabupaten Batanghari</p>" in letter and 'class="letterhead"' not in letter
    assert "DINAS SOSIAL KABUPATEN BATANGHARI" in record
    assert all('class="letterhead"' not in page for page in (receipt, letter, record))


def test_the_admin_sets_it_and_every_printed_page_shows_it(app, client, world, db):
    users, pages = world
    login(client, users["admin"])
    resp = _set(client, logo=(io.BytesIO(logo_png()), "logo-batanghari.png"))
    assert resp.status_code == 302
    page = client.get("/admin/kop-surat").text
    assert "PEMERINTAH KABUPATEN BATANG HARI" in page and ADDRESS in page

    desk = app.test_client()
    login(desk, users["operator"])
    for url in pages["operator"]:
        html = desk.get(url).text
        assert 'class="letterhead"' in html, url
        assert '<p class="letterhead-name">PEMERINTAH KABUPATEN BATANG HARI</p>' in html
        assert '<p class="letterhead-name">DINAS SOSIAL</p>' in html
        assert ADDRESS in html and "Telepon (0743) 21034" in html
        assert "/admin/kop-surat/logo?v=" in html
    receipt = desk.get(pages["operator"][0]).text
    assert "Sistem Layanan Rujukan Terpadu · Dinas Sosial Kabupaten Batanghari" not in receipt
    assert desk.get("/admin/kop-surat").status_code == 403  # only the admin sets it


def test_the_logo_is_cleaned_and_served_to_every_signed_in_user(app, client, world, db):
    from slrt.common.models import get_setting
    from slrt.platform import storage

    users, _pages = world
    login(client, users["admin"])
    _set(client, logo=(io.BytesIO(logo_png()), "logo.png"))
    key = get_setting("15.04/kop.logo")
    assert key.startswith("letterhead/") and key.endswith(".jpg")
    stored = storage.get(key)
    assert b"Exif" not in stored and b"Samsung" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "JPEG" and max(img.size) <= 600 and not img.getexif()
        assert img.convert("RGB").getpixel((5, 5)) == (255, 255, 255)  # transparent: white
    for role in ("operator", "handler"):
        other = app.test_client()
        login(other, users[role])
        resp = other.get("/admin/kop-surat/logo")
        assert resp.status_code == 200 and resp.data == stored and resp.mimetype == "image/jpeg"
    assert app.test_client().get("/admin/kop-surat/logo").status_code == 302  # to the login


def test_a_replaced_logo_leaves_no_old_file_and_a_removed_one_no_image(client, world, db):
    from slrt.common.models import get_setting
    from slrt.platform import storage

    users, _pages = world
    login(client, users["admin"])
    _set(client, logo=(io.BytesIO(logo_png()), "logo.png"))
    first = get_setting("15.04/kop.logo")
    _set(client, logo=(io.BytesIO(logo_png()), "logo-baru.png"))
    second = get_setting("15.04/kop.logo")
    assert second != first and storage.keys("letterhead/") == [second]
    _set(client, remove_logo="y")
    assert get_setting("15.04/kop.logo") == "" and storage.keys("letterhead/") == []
    assert client.get("/admin/kop-surat/logo").status_code == 404


@pytest.mark.parametrize("data", [b"<svg onload=alert(1)></svg>", b"MZ\x90\x00program"])
def test_a_logo_that_is_not_a_photo_is_refused_at_its_field(client, world, db, data):
    from slrt.common.models import get_setting

    users, _pages = world
    login(client, users["admin"])
    resp = _set(client, logo=(io.BytesIO(data), "logo.png"))
    assert resp.status_code == 422
    assert 'id="logo-err"' in resp.text and "Foto harus berupa JPG atau PNG." in resp.text
    assert get_setting("15.04/kop.nama") is None  # nothing half-saved


def test_an_empty_name_puts_the_default_header_back(app, client, world, db):
    users, pages = world
    login(client, users["admin"])
    _set(client)
    _set(client, name="", address="", phone="")
    desk = app.test_client()
    login(desk, users["operator"])
    assert 'class="letterhead"' not in desk.get(pages["operator"][0]).text
