"""Two tools of the header and the visit form in a real Chromium on a 360-pixel phone:

- "Gunakan lokasi saya" fills the visit's latitude and longitude from the device
  (Playwright grants the permission and sets the position: a house in Desa Aro), and
  says in Indonesian what to do when the permission is refused;
- the search box of the header finds a case by its beneficiary's name without the
  query in the URL.

Server and demo data: conftest.py; the browser: pages.py.
"""

from __future__ import annotations

import re

from tests.browser.pages import (
    assert_no_horizontal_scroll,
    expect,
    log_in,
    watched_pages,
)

# A house in Desa Aro, Muara Bulian (Batang Hari).
ARO_HOUSE = {"latitude": -1.705123, "longitude": 103.266789}


def _open_a_visit_form(page, base):
    log_in(page, base, "fasilitator")
    page.goto(f"{base}/desa-saya")
    page.get_by_role("link", name="Catat kunjungan").first.click()
    expect(page.get_by_role("heading", name="Kunjungan penjangkauan")).to_be_visible()


def test_use_my_location_fills_the_visit_coordinates(server_url):
    base = server_url
    with watched_pages(("fasilitator", "phone")) as (page, watch):
        page.context.grant_permissions(["geolocation"], origin=base)
        page.context.set_geolocation(ARO_HOUSE)
        _open_a_visit_form(page, base)
        button = page.get_by_role("button", name="Gunakan lokasi saya")
        expect(button).to_be_visible()
        assert_no_horizontal_scroll(page, "the visit form with the location button")
        box = button.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
        button.click()
        expect(page.get_by_label("Lintang (GPS)")).to_have_value("-1.705123")
        expect(page.get_by_label("Bujur (GPS)")).to_have_value("103.266789")
        expect(page.locator(".lokasi [role=status]")).to_have_text(
            "Lokasi terisi. Periksa angkanya sebelum menyimpan.")

        page.get_by_label("Tidak di rumah").check()
        page.get_by_role("button", name="Simpan kunjungan").click()
        expect(page).to_have_url(re.compile(rf"{base}/kasus/\d+$"))
        expect(page.get_by_role("status").first).to_contain_text("Kunjungan dicatat")
        watch.assert_clean()


def test_a_refused_location_is_told_and_the_fields_stay_empty(server_url):
    base = server_url
    with watched_pages(("fasilitator", "phone")) as (page, watch):
        page.context.clear_permissions()  # the user said no
        _open_a_visit_form(page, base)
        page.get_by_role("button", name="Gunakan lokasi saya").click()
        expect(page.locator(".lokasi [role=status]")).to_contain_text("Izin lokasi ditolak")
        expect(page.get_by_label("Lintang (GPS)")).to_have_value("")
        expect(page.get_by_label("Bujur (GPS)")).to_have_value("")
        watch.assert_clean()


def test_without_a_script_the_location_button_is_not_shown(server_url):
    base = server_url
    with watched_pages(("fasilitator", "phone"), java_script_enabled=False) as (page, _watch):
        log_in(page, base, "fasilitator")
        page.goto(f"{base}/desa-saya")
        page.get_by_role("link", name="Catat kunjungan").first.click()
        expect(page.get_by_label("Lintang (GPS)")).to_be_visible()
        expect(page.get_by_role("button", name="Gunakan lokasi saya")).to_be_hidden()


def test_the_header_search_finds_a_case_by_name_on_a_phone(server_url):
    base = server_url
    with watched_pages(("fasilitator", "phone")) as (page, watch):
        log_in(page, base, "fasilitator")
        page.goto(f"{base}/kasus")
        rows = page.locator("table.list tbody tr")
        expect(rows.first).to_be_visible()
        # the first case of a named resident (not one of unknown identity)
        number, name = next(
            (r.locator("td").nth(0).locator("a").inner_text().strip(), who)
            for r in rows.all()
            if (who := r.locator("td").nth(1).inner_text().split("\n")[0].strip())
            and "identitas" not in who.lower())
        page.get_by_role("button", name="Menu", exact=True).click()
        box = page.get_by_role("search").get_by_role("searchbox")
        box.fill(name.lower())
        page.get_by_role("search").get_by_role("button", name="Cari").click()
        expect(page).to_have_url(f"{base}/cari")
        assert name.lower() not in page.url.lower()
        expect(page.get_by_role("link", name=number)).to_be_visible()
        assert_no_horizontal_scroll(page, "the search results")
        watch.assert_clean()
