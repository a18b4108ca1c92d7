"""A village operator's whole front-desk journey, in a real Chromium on a 360-pixel phone.

The app runs as a real server (`flask run`) on a fresh database loaded with the demo
data (`flask db upgrade`, `flask demo load`): SQLite in a temporary folder, or a new
database on the PostgreSQL server named by TEST_DATABASE_URL (the fixtures of
conftest.py). Playwright drives Debian's /usr/bin/chromium (pages.py); no browser is
ever downloaded.

The journey: log in as op-aro, look up a head of household of Desa Aro by NIK (typed
with spaces), register a "PBI-JK/KIS tidak aktif" complaint, print the receipt, find
the case again in the case list and close it at the desk.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.pages import (
    assert_no_horizontal_scroll,
    expect,
    look_up_for_a_complaint,
    menu_link,
    registered_case,
    watched_pages,
)
from tests.browser.world import ARO

OPERATOR = "op-aro"

DESCRIPTION = (
    "Warga datang ke Puskesos karena kartu KIS-nya ditolak saat berobat ke Puskesmas "
    "Muara Bulian minggu lalu; petugas bilang kepesertaan PBI-JK sudah tidak aktif. "
    "Mohon dicek dan diaktifkan kembali."
)
CLOSING_NOTE = "Sudah dijelaskan cara reaktivasi PBI-JK lewat Dinas Sosial; warga paham."


# ---------------------------------------------------------------- helpers

def _pick_head_of_household(db_url: str) -> tuple[str, str]:
    """A head of household of Desa Aro, active in the registry and without any case yet."""
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    engine = create_engine(normalise_database_url(db_url))
    try:
        with engine.connect() as conn:
            row = conn.execute(text(
                "SELECT r.nik, r.name FROM registry_records r "
                "WHERE r.village_code = :village AND r.relationship = 'Kepala Keluarga' "
                "AND r.is_active = :active "
                "AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.nik = r.nik) "
                "AND (SELECT COUNT(*) FROM registry_records o WHERE o.nik = r.nik) = 1 "
                "ORDER BY r.nik LIMIT 1"), {"village": ARO, "active": True}).first()
    finally:
        engine.dispose()
    assert row is not None, "the demo registry has no head of household in Desa Aro"
    return row.nik, row.name


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def aro_head_of_household(demo_env) -> tuple[str, str]:
    """(NIK, name) of a head of household of Desa Aro in the demo registry."""
    return _pick_head_of_household(demo_env["DATABASE_URL"])


# ---------------------------------------------------------------- checks

def spaced(nik: str) -> str:
    """'1504031203780003' -> '1504 0312 0378 0003', as written on a KTP photocopy."""
    return " ".join(nik[i:i + 4] for i in range(0, len(nik), 4))


# ---------------------------------------------------------------- the journey

def test_operator_registers_prints_finds_and_closes_a_case(server_url, aro_head_of_household):
    nik, name = aro_head_of_household
    with watched_pages((OPERATOR, "phone")) as (page, watch):
        journey(page, server_url, nik, name)
        watch.assert_clean()


def journey(page, base: str, nik: str, name: str) -> None:
    # Step 1: the operator of Desa Aro looks the person up in the registry by NIK,
    # typed with spaces.
    look_up_for_a_complaint(page, base, OPERATOR, spaced(nik))

    card = page.locator("#hasil-dtks")
    expect(card.get_by_role("heading", name="Terdaftar di DTKS")).to_be_visible()
    expect(card).to_contain_text("Juli 2022")
    expect(card).to_contain_text(name)
    form = page.locator("#form-pengaduan")
    expect(form.locator("input[name=nik]")).to_have_value(nik)
    expect(form.locator("input[name=name]")).to_have_value(name)
    expect(form.locator("input[name=reporter_is_beneficiary][value=ya]")).to_be_checked()
    assert_no_horizontal_scroll(page, "the complaint form")

    # Step 2: the complaint itself.
    category = form.get_by_label("Kategori pengaduan")
    category.select_option(label="PBI-JK/KIS tidak aktif")
    expect(category).to_have_value("pbi_tidak_aktif")
    form.get_by_label("Uraian pengaduan dan kebutuhan").fill(DESCRIPTION)
    form.get_by_role("button", name="Simpan pengaduan").click()

    case_url, number = registered_case(page)
    expect(page.locator("#dtks")).to_contain_text("Terdaftar di DTKS")
    expect(page.locator(".prewrap").first).to_have_text(DESCRIPTION)
    assert_no_horizontal_scroll(page, "the case page")

    # The receipt: number and name, a print button that prints and is not printed itself.
    page.get_by_role("link", name="Cetak tanda terima").click()
    expect(page).to_have_url(f"{case_url}/tanda-terima")
    receipt = page.locator("article.receipt")
    expect(receipt.get_by_role("heading", name="TANDA TERIMA PENGADUAN")).to_be_visible()
    expect(receipt.locator(".big-number")).to_contain_text(number)
    expect(receipt).to_contain_text(name)
    expect(receipt).to_contain_text("PBI-JK/KIS tidak aktif")
    assert nik not in receipt.inner_text(), "the receipt shows the full NIK unmasked"
    assert_no_horizontal_scroll(page, "the receipt")

    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    print_button = page.get_by_role("button", name="Cetak")
    print_button.click()
    assert page.evaluate("() => window.__printed") == 1, "the Cetak button did not call print()"

    page.emulate_media(media="print")
    expect(print_button).to_be_hidden()
    expect(page.get_by_role("navigation", name="Menu utama")).to_be_hidden()
    expect(receipt.locator(".big-number")).to_be_visible()
    page.emulate_media(media="screen")
    expect(print_button).to_be_visible()

    # Find the case again from the case list.
    menu_link(page, "Daftar kasus").click()
    expect(page).to_have_url(f"{base}/kasus")
    page.get_by_label("Cari nomor kasus, NIK, No KK atau nama").fill(number)
    with page.expect_response(lambda r: r.request.method == "POST"
                              and urlsplit(r.url).path == "/kasus") as searched:
        page.get_by_role("button", name="Cari", exact=True).click()
    assert searched.value.status == 200, (
        f"searching the case list answered {searched.value.status}: "
        f"{page.locator('main').inner_text()[:300]!r}")
    results = page.locator("table.list tbody tr")
    expect(results).to_have_count(1)
    assert number not in page.url, "the search must not put identifiers in the URL"
    results.get_by_role("link", name=number, exact=True).click()
    expect(page).to_have_url(case_url)

    # Close it at the desk.
    closing = page.locator("#tutup")
    expect(closing.get_by_role("heading", name="Selesaikan di desa")).to_be_visible()
    outcome = closing.get_by_label("Hasil penanganan")
    outcome.select_option(label="Informasi/penjelasan diberikan")
    expect(outcome).to_have_value("informasi")
    closing.get_by_label("Catatan penyelesaian").fill(CLOSING_NOTE)
    closing.get_by_role("button", name="Tutup kasus").click()

    expect(page).to_have_url(case_url)
    expect(page.locator(".flash.success")).to_have_text(f"Kasus {number} diselesaikan di desa.")
    expect(page.locator("h1 .badge")).to_have_text("Selesai")
    expect(page.locator("#tutup")).to_have_count(0)
    timeline = page.locator("#riwayat .timeline li")
    expect(timeline.first).to_contain_text(
        f"Kasus diselesaikan di desa: Informasi/penjelasan diberikan. Catatan: {CLOSING_NOTE}")
    assert timeline.count() >= 2, "the timeline should keep the registration too"
    assert_no_horizontal_scroll(page, "the closed case page")
