"""A case referred to disaster aid and closed by the referral, in a real Chromium.

Two people, two browser contexts on one server: the operator of Desa Aro on a
360-pixel phone, and the disaster-aid handler of the Dinas Sosial on a desktop.

The journey: the operator registers a house-fire complaint for a man who is not in
the DTKS/DTSEN registry (his family card burned), and refers the case to "Bantuan
logistik korban bencana", which needs no registry, while PKH is closed to him. The
handler finds the referral in the program queue, accepts it, records the goods handed
over (the package proposed from the household's composition, recomputed and adjusted),
marks the aid delivered with it, and prints the handover record. The case closes by itself and
the operator sees it closed, with the referral letter still printable.

The server and database are prepared by the fixtures of conftest.py: a fresh database
(SQLite in a temporary folder, or a new database on the PostgreSQL server named by
TEST_DATABASE_URL), `flask db upgrade`, `flask demo load`, `flask run` on 127.0.0.1.
Playwright drives Debian's /usr/bin/chromium (pages.py); no browser is ever downloaded.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.pages import (
    assert_no_horizontal_scroll,
    expect,
    log_in,
    look_up_for_a_complaint,
    menu_link,
    registered_case,
    watched_pages,
)
from tests.browser.world import ACCOUNTS, ARO

HANDLER = ACCOUNTS["handler"]
OPERATOR = ACCOUNTS["operator"]  # the desk of Aro

# A man of Kecamatan Muara Bulian (150403) born on 12 May 1979; the serial is chosen so
# that the NIK is in neither the demo registry nor the persons table (see the fixture).
NIK_PREFIX = "150403" + "120579"
FIRST_SERIAL = 917
NAME = "Sahrul Gunawan"
DESCRIPTION = (
    "Rumah warga di Dusun I terbakar habis Senin malam karena korsleting listrik. "
    "Kartu keluarga dan KTP ikut terbakar. Keluarga (4 orang: suami, istri, dua anak "
    "usia SD) menumpang di rumah tetangga dan membutuhkan tenda, kasur, selimut, pakaian "
    "serta seragam sekolah anak."
)
REFERRAL_REASON = (
    "Korban kebakaran rumah, dokumen kependudukan ikut terbakar. Mohon bantuan logistik "
    "segera: tenda, kasur, selimut, pakaian dan seragam SD untuk dua anak."
)
CLOSING_NOTE = "Barang diserahkan langsung di lokasi pengungsian; keluarga menerima lengkap."

DISASTER_AID = "Bantuan logistik korban bencana"
CLOSED_AUTOMATICALLY = "Semua rujukan selesai; kasus ditutup otomatis."


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def unregistered_nik(demo_env) -> str:
    """A valid NIK of a man born 12-05-1979 in Muara Bulian, unknown to the registry and
    to the persons table of the demo database."""
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    engine = create_engine(normalise_database_url(demo_env["DATABASE_URL"]))
    try:
        with engine.connect() as conn:
            for serial in range(FIRST_SERIAL, FIRST_SERIAL + 100):
                nik = f"{NIK_PREFIX}{serial:04d}"
                taken = conn.execute(text(
                    "SELECT (SELECT COUNT(*) FROM registry_records WHERE nik = :nik) "
                    "+ (SELECT COUNT(*) FROM persons WHERE nik = :nik)"), {"nik": nik}).scalar()
                if not taken:
                    return nik
    finally:
        engine.dispose()
    pytest.fail(f"every NIK {NIK_PREFIX}{FIRST_SERIAL:04d}... is already in the demo data")


# ---------------------------------------------------------------- pages and forms

def route_of(page, code: str):
    """The <li> of one program on the routing page."""
    return page.locator(f"li.route#program-{code}")


def set_numbers(form, values: dict[str, int]) -> None:
    for name, value in values.items():
        form.locator(f"input[name={name}]").fill(str(value))


def expect_proposed(form, values: dict[str, int]) -> None:
    """The "usulan: n" hint under each quantity: what the app proposes for the household."""
    for name, value in values.items():
        hint = form.locator("div.field").filter(
            has=form.page.locator(f"input[name={name}]")).locator(".hint")
        expect(hint, f"the proposal for {name}").to_have_text(f"usulan: {value}")


def expect_numbers(form, values: dict[str, int]) -> None:
    for name, value in values.items():
        expect(form.locator(f"input[name={name}]"), name).to_have_value(str(value))


def open_printable(page, link: str, url: str, article: str, heading: str, *texts: str):
    """Follow `link` to a printable document at `url`: its <article> (by class) has the
    heading and shows each of the texts. Returns the article."""
    page.get_by_role("link", name=link).click()
    expect(page).to_have_url(url)
    document = page.locator(f"article.{article}")
    expect(document.get_by_role("heading", name=heading)).to_be_visible()
    for text in texts:
        expect(document).to_contain_text(text)
    return document


# ---------------------------------------------------------------- the journey

def test_operator_refers_fire_victim_to_disaster_aid_and_sees_the_case_closed(
        server_url, unregistered_nik):
    base, nik = server_url, unregistered_nik
    # The operator on a 360x740 phone, the handler on a desktop, in one browser.
    with watched_pages((OPERATOR, "phone"), (HANDLER, "desktop")) as (operator, handler, watch):
        case_url, number = register_fire_complaint(operator, base, nik)
        referral_number = refer_to_disaster_aid(operator, base, case_url, number)
        referral_url = handle_referral(handler, base, referral_number)
        operator_sees_case_closed(operator, case_url, referral_number, referral_url)
        watch.assert_clean()


def register_fire_complaint(page, base: str, nik: str) -> tuple[str, str]:
    look_up_for_a_complaint(page, base, OPERATOR, nik)

    card = page.locator("#hasil-dtks")
    expect(card.get_by_role("heading", name="Tidak terdaftar di DTKS/DTSEN")).to_be_visible()
    form = page.locator("#form-pengaduan")
    expect(form.locator("input[name=nik]")).to_have_value(nik)
    expect(form.locator("input[name=name]")).to_have_value("")
    # The birth date and sex come from the NIK itself.
    expect(form.locator("input[name=birth_date]")).to_have_value("1979-05-12")
    expect(form.locator("select[name=sex]")).to_have_value("L")
    assert_no_horizontal_scroll(page, "the complaint form of an unregistered person")

    form.get_by_label("Nama lengkap").fill(NAME)
    set_numbers(form, {"household_size": 4, "children_count": 2})
    form.locator("select[name=village_code]").select_option(ARO)
    form.get_by_label("Kategori pengaduan").select_option("korban_bencana")
    form.get_by_label("Urgensi").select_option("darurat")
    form.get_by_label("Uraian pengaduan dan kebutuhan").fill(DESCRIPTION)
    form.get_by_role("button", name="Simpan pengaduan").click()

    case_url, number = registered_case(page)
    expect(page.locator("#dtks")).to_contain_text("Tidak terdaftar")
    expect(page.locator("#rujukan")).to_contain_text("Belum dirujuk.")
    assert_no_horizontal_scroll(page, "the new case page")
    return case_url, number


def refer_to_disaster_aid(page, base: str, case_url: str, number: str) -> str:
    case_id = case_url.rsplit("/", 1)[1]
    page.locator("#rujukan").get_by_role("link", name="Rujuk ke program").click()
    expect(page).to_have_url(f"{base}/rujukan/kasus/{case_id}")
    expect(page.locator("h1 .case-number")).to_have_text(number)

    # Disaster aid fits the category and needs no registry: suggested, with its reasons,
    # and not ticked: nothing is sent that the operator did not choose.
    expect(page.locator("input[name=programs]:checked")).to_have_count(0)
    aid = route_of(page, "BENCANA_LOG")
    expect(aid).to_have_count(1)
    expect(aid).to_contain_text(DISASTER_AID)
    expect(aid).to_contain_text("disarankan")
    expect(aid).to_contain_text("tidak memerlukan DTKS/DTSEN")
    aid_box = aid.locator("input[name=programs]")
    expect(aid_box).not_to_be_checked()
    aid_box.check()
    expect(page.locator("input[name=programs]:checked")).to_have_count(1)

    # PKH needs the registry: apart, folded, with no box, and the reason says what to do
    # first.
    blocked = page.locator("details#tidak-dapat-dirujuk")
    pkh = blocked.locator("li.route#program-PKH")
    expect(pkh).to_have_count(1)
    expect(pkh.locator("input")).to_have_count(0)
    blocked.locator("summary").click()
    expect(pkh.locator(".reasons")).to_contain_text("usulkan pendaftaran DTKS")
    expect(pkh.locator(".reasons")).to_be_visible()
    assert_no_horizontal_scroll(page, "the routing page")

    page.get_by_label("Alasan rujukan dan kebutuhan warga").fill(REFERRAL_REASON)
    page.get_by_role("button", name="Kirim rujukan").click()

    expect(page).to_have_url(f"{case_url}#rujukan")
    expect(page.locator(".flash.success")).to_have_text(
        f"Kasus {number} dirujuk ke {DISASTER_AID}.")
    expect(page.locator("h1 .badge")).to_have_text("Dirujuk")
    referral_number = f"{number}-R1"
    referrals = page.locator("#rujukan ul.results li")
    expect(referrals).to_have_count(1)
    expect(referrals.first.get_by_role("link", name=referral_number, exact=True)).to_be_visible()
    expect(referrals.first).to_contain_text(DISASTER_AID)
    expect(referrals.first.locator(".badge")).to_have_text("Dikirim, menunggu diterima")
    expect(page.locator("#riwayat .timeline li").first).to_contain_text(
        f"Dirujuk ke {DISASTER_AID}")
    # An open referral keeps the case off the desk's own closing form.
    expect(page.locator("#tutup")).to_have_count(0)
    assert_no_horizontal_scroll(page, "the referred case page")
    return referral_number


def handle_referral(page, base: str, referral_number: str) -> str:
    log_in(page, base, HANDLER)
    menu_link(page, "Antrean rujukan").click()
    expect(page).to_have_url(f"{base}/rujukan/antrean")
    tabs = page.get_by_role("navigation", name="Tab antrean")
    unassigned = tabs.get_by_role("link", name=re.compile(r"^Belum ditugaskan"))
    count = int(unassigned.locator(".count").inner_text())
    assert count >= 1, f"the 'Belum ditugaskan' tab counts {count}"
    unassigned.click()
    expect(page).to_have_url(re.compile(r"/rujukan/antrean\?.*tab=belum"))
    row = page.locator("table.list tbody tr").filter(
        has=page.get_by_role("link", name=referral_number, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(NAME)
    expect(row).to_contain_text("Dikirim, menunggu diterima")
    expect(row).to_contain_text("Darurat")  # the label, not the stored code
    row.get_by_role("link", name=referral_number, exact=True).click()

    expect(page).to_have_url(re.compile(r"/rujukan/\d+$"))
    referral_url = page.url
    status = page.locator("#status-rujukan")
    expect(status).to_have_text("Dikirim, menunggu diterima")
    actions = page.locator("#tindakan")
    actions.get_by_role("button", name="Terima", exact=True).click()
    expect(page).to_have_url(referral_url)
    expect(page.locator(".flash.success")).to_have_text(
        f"Rujukan {referral_number} diterima dan masuk antrean program.")
    expect(status).to_have_text("Diterima")

    # The handover: the package is proposed from the household's composition.
    page.get_by_role("link", name="Catat barang yang diserahkan").click()
    expect(page).to_have_url(f"{referral_url}/serah-terima")
    form = page.locator("form.card")
    # 4 people with 2 children, as registered by the operator.
    expect_numbers(form, {"c_adult_men": 1, "c_adult_women": 1, "c_school_boys": 1,
                          "c_school_girls": 1, "c_infants": 0, "c_elderly": 0})
    expect_numbers(form, {"q_seragam_sd_laki": 2, "q_seragam_sd_perempuan": 2,
                          "q_sandang_bayi": 0, "q_tenda_gulung": 1})
    expect(form.locator("input[name=recipient_name]")).to_have_value(NAME)

    # With a baby the package gains baby clothing ...
    set_numbers(form, {"c_infants": 1})
    form.get_by_role("button", name="Hitung ulang usulan paket").click()
    expect(page).to_have_url(f"{referral_url}/serah-terima")
    expect_proposed(form, {"q_sandang_bayi": 1, "q_selimut_woll": 1})
    # The recomputed proposal must also be what the quantity inputs now hold.
    expect_numbers(form, {"c_infants": 1, "q_sandang_bayi": 1, "q_selimut_woll": 1})

    # ... and the household as the handler finds it (no baby; both children are boys of
    # primary-school age) gives boys' uniforms only and no baby clothing.
    set_numbers(form, {"c_adult_men": 1, "c_adult_women": 1, "c_school_boys": 2,
                       "c_school_girls": 0, "c_infants": 0, "c_elderly": 0})
    form.get_by_role("button", name="Hitung ulang usulan paket").click()
    expect_numbers(form, {"c_school_boys": 2, "c_school_girls": 0, "c_infants": 0})
    expect_proposed(form, {"q_sandang_bayi": 0, "q_seragam_sd_laki": 4,
                           "q_seragam_sd_perempuan": 0})
    expect_numbers(form, {"q_sandang_bayi": 0, "q_selimut_woll": 0, "q_seragam_sd_laki": 4,
                          "q_seragam_sd_perempuan": 0, "q_air_minum": 2, "q_kasur": 2})
    assert int(form.locator("input[name=q_seragam_sd_laki]").input_value()) > 0

    # One more box of water than proposed, the recipient's name, and the aid marked
    # delivered with the handover (the box is ticked for the handler).
    set_numbers(form, {"q_air_minum": 3})
    form.get_by_label("Nama penerima barang").fill(NAME)
    form.get_by_label("Catatan").fill(CLOSING_NOTE)
    expect(form.get_by_label("Tandai bantuan sudah disalurkan (rujukan selesai)")).to_be_checked()
    form.get_by_role("button", name="Simpan serah terima").click()
    expect(page).to_have_url(referral_url)
    expect(page.locator(".flash.success")).to_have_text(
        "Serah terima dicatat; bantuan ditandai sudah disalurkan.")
    expect(status).to_have_text("Bantuan disalurkan")
    expect(page.get_by_role("link", name="Catat barang yang diserahkan")).to_have_count(0)
    expect(page.locator("#tindakan")).to_have_count(0)

    # The printable handover record shows what was handed over.
    record = open_printable(page, "Berita acara serah terima", f"{referral_url}/berita-acara",
                            "receipt", "BERITA ACARA SERAH TERIMA BANTUAN",
                            f"BAST/{referral_number}", NAME,
                            "Anak laki-laki usia SD (7-12 tahun): 2")
    lines = record.locator("table.list tbody tr")
    water = lines.filter(has_text="Air minum kemasan")
    expect(water).to_have_count(1)
    expect(water.locator("td").nth(2)).to_have_text("3")
    expect(water.locator("td").nth(3)).to_have_text("dus")
    boys = lines.filter(has_text="Seragam SD laki-laki")
    expect(boys.locator("td").nth(2)).to_have_text("4")
    # Items handed over in quantity zero are not listed.
    expect(lines.filter(has_text="Sandang bayi")).to_have_count(0)
    expect(lines.filter(has_text="Seragam SD perempuan")).to_have_count(0)

    return referral_url


def operator_sees_case_closed(page, case_url: str, referral_number: str,
                              referral_url: str) -> None:
    page.goto(case_url)
    expect(page.locator("h1 .badge")).to_have_text("Selesai")
    referral = page.locator("#rujukan ul.results li")
    expect(referral).to_have_count(1)
    expect(referral.locator(".badge")).to_have_text("Bantuan disalurkan")
    expect(page.locator("#rujukan").get_by_role("link", name="Rujuk ke program")).to_have_count(0)
    timeline = page.locator("#riwayat")
    expect(timeline).to_contain_text(CLOSED_AUTOMATICALLY)
    expect(timeline.locator(".timeline li").first).to_contain_text(CLOSED_AUTOMATICALLY)
    expect(timeline).to_contain_text(f"Serah terima barang BAST/{referral_number}")
    expect(timeline).to_contain_text(CLOSING_NOTE)
    expect(page.locator("#tutup")).to_have_count(0)
    assert_no_horizontal_scroll(page, "the closed case page")

    # The referral letter, printable from the referral page.
    referral.get_by_role("link", name=referral_number, exact=True).click()
    expect(page).to_have_url(referral_url)
    expect(page.locator("#status-rujukan")).to_have_text("Bantuan disalurkan")
    open_printable(page, "Cetak surat rujukan", f"{referral_url}/surat", "letter",
                   "SURAT RUJUKAN", f"SR/{referral_number}", NAME, DISASTER_AID,
                   "tidak terdaftar")
    assert_no_horizontal_scroll(page, "the referral letter")
