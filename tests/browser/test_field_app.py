"""The facilitator's offline field app (/lapangan/) in a real Chromium on a phone.

Hendra Saputra (demo account `fasilitator`, villages Aro, Olak and Rambahan)
opens the app, logs in, and goes into the plantations: offline he reloads the
app, logs visits with photos and a new complaint; when the signal returns each
is on the server exactly once, however the sync is cut or doubled. A visit
for a task another facilitator closed meanwhile comes back refused with the
reason; logout, a revoked login and 14 days without a sync wipe the phone.

What happened is read from the database itself (the module's demo database of
conftest.py), not only from the screen.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from tests.browser.pages import DEMO_PASSWORD, PHONE, check_page, expect, watched_pages
from tests.factories import build_nik

PEER_VECTORS = Path(__file__).resolve().parents[1] / "identity" / "nik_peer_vectors.csv"
NOTES = ["Rumah kosong, tetangga bilang keluarga di kebun karet sampai sore.",
         "Bertemu ibu Rosmawati di pondok kebun sawit; bantuan belum diterima.",
         "Rumah terkunci; anak sekolah, orang tua ke ladang di seberang sungai."]
COMPLAINT = ("Nenek Siti Aisyah tinggal sendiri di pondok kebun, tidak punya KIS, "
             "sering sakit dan tidak ada yang mengurus.")


# ------------------------------------------------------------------ helpers

@pytest.fixture(scope="module")
def database(demo_database_url):
    url = re.sub(r"^postgres(?:ql)?://", "postgresql+psycopg://", demo_database_url)
    engine = create_engine(url)
    yield engine
    engine.dispose()


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def visits_with(engine, note: str) -> list:
    return rows(engine, "SELECT v.id, v.case_id, v.task_id, v.photo_path, v.latitude "
                        "FROM outreach_visits v WHERE v.notes = :n", n=note)


def timeline_entries(engine, case_id: int, note: str) -> int:
    """The case's timeline entries of a visit with this note (its facts hold the note)."""
    found = rows(engine, "SELECT data FROM case_events WHERE case_id = :c AND kind = 'kunjungan'",
                 c=case_id)
    return sum(1 for (data,) in found
               if (json.loads(data) if isinstance(data, str) else data).get("notes") == note)


def stored_photo(engine, key: str) -> bytes:
    return b"".join(bytes(d) for (d,) in rows(
        engine, "SELECT c.data FROM stored_file_chunks c JOIN stored_files f ON f.id = c.file_id "
                "WHERE f.key = :k ORDER BY c.seq", k=key))


def camera_photo(path: Path) -> Path:
    """A phone camera's JPEG: 3000x2000 of grain (about 3 MB), with the camera and
    the place in its EXIF."""
    rnd = random.Random(15)
    img = Image.frombytes("RGB", (3000, 2000), rnd.randbytes(3000 * 2000 * 3))
    exif = Image.Exif()
    exif[0x010F] = "Samsung"
    exif[0x0110] = "SM-A145F"
    img.save(path, "JPEG", quality=95, exif=exif)
    return path


def api(base: str, method: str, path: str, body=None, token: str | None = None):
    req = urllib.request.Request(f"{base}/api/v1{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:  # noqa: S310  (local http)
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def open_app(page, base: str, username: str = "fasilitator") -> None:
    page.goto(f"{base}/lapangan/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    synced(page)


def synced(page) -> None:
    expect(page.locator("#sinkron-terakhir")).not_to_contain_text("belum pernah")
    expect(page.get_by_role("button", name="Sinkronkan")).to_be_visible()


def waiting(page, n: int) -> None:
    expect(page.locator("#jumlah-menunggu")).to_have_text(str(n))


def log_visit(page, card, outcome: str, note: str, photo: Path | None = None) -> None:
    card.get_by_role("button", name="Catat kunjungan").click()
    page.get_by_label(outcome, exact=True).check()
    page.get_by_label("Catatan").fill(note)
    page.get_by_role("button", name="Gunakan lokasi saya").click()
    expect(page.get_by_text("Lokasi tercatat")).to_be_visible()
    if photo is not None:
        page.get_by_label("Foto (opsional)").set_input_files(str(photo))
        expect(page.get_by_text("Foto siap")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Simpan kunjungan").click()
    expect(page.locator("#pesan")).to_contain_text("Kunjungan disimpan di ponsel")


def cards(page):
    """The families of Desa saya on the phone: the task first, then the late referrals."""
    return page.locator("#tugas li[data-case], #menunggu li[data-case]")


# Where the phone says it is: a hamlet of Desa Aro.
GPS = {"geolocation": {"latitude": -1.7123, "longitude": 103.2741},
       "permissions": ["geolocation"]}


# ------------------------------------------------------------------ the journeys

def test_offline_day_three_visits_with_photos_and_a_complaint_each_once_on_the_server(
        server_url, database, tmp_path):
    base = server_url
    photo = camera_photo(tmp_path / "IMG_20261206_0931.jpg")
    nik = build_nik("15.04.03", date(1948, 5, 17), "P", 41)
    with watched_pages(("fasilitator", "phone"), **GPS) as (page, watch):
        open_app(page, base)
        # Said once, in plain words: what the phone keeps and when it is wiped.
        notice = page.locator("#pemberitahuan")
        expect(notice).to_contain_text("dihapus dari ponsel saat Anda keluar")
        expect(notice).to_contain_text("14 hari")
        notice.get_by_role("button", name="Mengerti").click()
        expect(notice).to_have_count(0)

        # Installable: a manifest with icons, a service worker controlling the page.
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
        manifest = page.evaluate("fetch('/lapangan/manifest.webmanifest').then(r => r.json())")
        assert manifest["start_url"] == "/lapangan/" and manifest["display"] == "standalone"
        assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
        cdp = page.context.new_cdp_session(page)
        # Chromium's own check of manifest, icons and worker; a Playwright context is
        # an incognito profile, which is the one thing it may say.
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
        cdp.detach()  # a session left open keeps the page online across a reload

        page.context.set_offline(True)
        page.reload()
        expect(page.locator("#jaringan")).to_contain_text("Tanpa sinyal")
        expect(page.locator("#pemberitahuan")).to_have_count(0)  # once only
        families = cards(page)
        numbers = list(dict.fromkeys(families.nth(i).get_attribute("data-case")
                                     for i in range(families.count())))[:3]
        assert len(numbers) == 3
        # The case summary opens offline too.
        families.nth(0).get_by_role("button", name="Ringkasan kasus").click()
        expect(page.locator("#ringkasan")).to_contain_text(numbers[0])
        expect(page.locator("#ringkasan")).to_contain_text("Rujukan")
        page.get_by_role("button", name="Kembali").click()
        for i, note in enumerate(NOTES):
            card = page.locator(f"#tugas li[data-case='{numbers[i]}'], "
                                f"#menunggu li[data-case='{numbers[i]}']").first
            # The task's family is not at home (its task stays open for the test below).
            log_visit(page, card, "Tidak di rumah" if i != 1 else "Bertemu warga", note, photo)
        page.get_by_role("button", name="Pengaduan baru").click()
        page.get_by_label("Desa").select_option(label="Aro")
        page.get_by_label("Kategori").select_option("ppks_lansia_terlantar")
        page.get_by_label("Pengaduan", exact=True).fill(COMPLAINT)
        page.get_by_label("Nama warga").fill("Siti Aisyah")
        page.get_by_label("NIK").fill("1504034106")  # too short
        page.get_by_role("button", name="Simpan pengaduan").click()
        expect(page.get_by_role("alert")).to_have_text("NIK harus 16 angka; yang diisi 10 angka.")
        page.get_by_label("NIK").fill(nik)
        page.get_by_label("Dusun").fill("Dusun II")
        page.get_by_label("RT", exact=True).fill("003")
        page.get_by_label("RW", exact=True).fill("001")
        page.get_by_role("button", name="Simpan pengaduan").click()
        waiting(page, 4)
        # Still offline, a reload keeps everything typed.
        page.reload()
        waiting(page, 4)
        expect(page.locator("#antrean")).to_contain_text("Pengaduan baru · Siti Aisyah · Aro")

        page.context.set_offline(False)  # the signal returns: the app syncs by itself
        waiting(page, 0)
        expect(page.locator("#pesan")).to_contain_text("Sinkron selesai: 4 item terkirim.")
        watch.assert_clean()

    for i, note in enumerate(NOTES):
        [visit] = visits_with(database, note)
        assert visit.latitude == pytest.approx(-1.7123)
        number = rows(database, "SELECT number FROM cases WHERE id = :c", c=visit.case_id)[0][0]
        assert number == numbers[i]
        assert timeline_entries(database, visit.case_id, note) == 1
        stored = stored_photo(database, visit.photo_path)
        assert stored.startswith(b"\xff\xd8") and len(stored) <= 300 * 1024
        assert b"Samsung" not in stored
        with Image.open(io.BytesIO(stored)) as img:
            assert not img.getexif()
    [case] = rows(database, "SELECT id, channel, village_code FROM cases WHERE description = :d",
                  d=COMPLAINT)
    assert (case.channel, case.village_code) == ("penjangkauan", "15.04.03.2013")
    assert rows(database, "SELECT count(*) FROM case_events WHERE case_id = :c", c=case.id)[0][0] >= 1


def test_a_sync_cut_half_way_resumes_and_creates_nothing_twice(server_url, database):
    base = server_url
    notes = [f"Kunjungan sore ke-{i}: rumah kosong, keluarga menyadap karet." for i in (1, 2, 3)]
    with watched_pages(("fasilitator", "phone"), service_workers="block", **GPS) as (page, watch):
        open_app(page, base)
        page.context.set_offline(True)
        for i, note in enumerate(notes):
            log_visit(page, cards(page).nth(i), "Tidak di rumah", note)
        waiting(page, 3)
        posts = []

        def cut_the_second(route):
            posts.append(route.request.headers.get("idempotency-key"))
            if len(posts) == 2:
                route.fetch()  # the server records it, the answer is lost on the way back
                route.abort("connectionreset")
            else:
                route.continue_()

        page.route("**/api/v1/outreach/cases/*/visits", cut_the_second)
        page.context.set_offline(False)
        expect(page.locator("#pesan")).to_contain_text("Sinyal terputus saat sinkron")
        waiting(page, 2)  # the first went through; the second's answer was lost
        page.unroute("**/api/v1/outreach/cases/*/visits")
        page.get_by_role("button", name="Sinkronkan").click()
        waiting(page, 0)
        watch.errors.clear()  # the cut request is the one failure this test makes
    assert len(set(posts)) == 2
    for note in notes:
        [visit] = visits_with(database, note)
        assert timeline_entries(database, visit.case_id, note) == 1


def test_the_same_items_synced_from_two_tabs_are_created_once(server_url, database):
    base = server_url
    notes = [f"Dua tab: kunjungan ke-{i}, warga sedang ke pasar kalangan." for i in (1, 2)]
    with watched_pages(("fasilitator", "phone"), service_workers="block", **GPS) as (first, watch):
        open_app(first, base)
        second = first.context.new_page()
        # The second tab runs without the cross-tab lock: only the Idempotency-Key
        # stands between the two and a double visit.
        second.add_init_script("Object.defineProperty(navigator, 'locks', {value: undefined})")
        second.goto(f"{base}/lapangan/")
        synced(second)
        first.context.set_offline(True)
        for i, note in enumerate(notes):
            log_visit(first, cards(first).nth(i), "Tidak di rumah", note)
        held, sent = {}, []

        def send_together(route):
            """Each item goes out only once the other tab sends it too, so both
            requests of an item reach the server at the same time."""
            key = route.request.headers.get("idempotency-key")
            sent.append(key)
            if key in held:
                held.pop(key).continue_()
                route.continue_()
            else:
                held[key] = route

        first.context.route("**/api/v1/outreach/cases/*/visits", send_together)
        first.context.set_offline(False)  # both tabs hear it and sync at once
        for p in (first, second):
            p.evaluate("() => { window.slrtLapangan.sync(); }")
        waiting(first, 0)
        waiting(second, 0)
        watch.assert_clean()
    assert len(sent) == 4 and len(set(sent)) == 2  # each item sent by both tabs
    for note in notes:
        [visit] = visits_with(database, note)
        assert timeline_entries(database, visit.case_id, note) == 1


def test_a_visit_for_a_task_closed_meanwhile_is_refused_with_its_reason_and_kept(
        server_url, database):
    base = server_url
    note = "Malam hari: rumah gelap, tetangga bilang keluarga menginap di kebun."
    with watched_pages(("fasilitator", "phone"), service_workers="block", **GPS) as (page, watch):
        open_app(page, base)
        task = page.locator("#tugas li[data-case]").first
        number = task.get_attribute("data-case")
        page.context.set_offline(True)
        log_visit(page, task, "Bertemu warga", note)
        # Meanwhile Aro's own facilitator meets the family and closes the task.
        status, tokens = api(base, "POST", "/auth/token",
                             {"username": "fas-aro", "password": DEMO_PASSWORD})
        assert status == 200
        _, snap = api(base, "GET", "/outreach/snapshot", token=tokens["access_token"])
        [theirs] = [t for t in snap["tasks"] if t["case_number"] == number]
        status, _ = api(base, "POST", f"/outreach/cases/{theirs['case_id']}/visits",
                        {"outcome": "bertemu", "visited_at": "2026-12-06T08:00",
                         "notes": "Keluarga ditemui; bantuan dijadwalkan.",
                         "task_id": theirs["id"]}, token=tokens["access_token"])
        assert status == 201
        page.context.set_offline(False)
        refused = page.locator(".refused-item")
        expect(refused).to_contain_text("Ditolak: Tugas ini sudah ditutup oleh petugas lain "
                                        "(Fasilitator Aro")
        expect(refused).to_contain_text("tetap tersimpan")
        expect(page.locator("#pesan")).to_contain_text("1 item ditolak")
        # Nothing typed is lost: after a reload the refusal and the note are still there.
        page.reload()
        expect(refused).to_contain_text(note)
        assert visits_with(database, note) == []
        refused.get_by_role("button", name="Catat tanpa tugas").click()
        expect(page.locator(".refused-item")).to_have_count(0)
        waiting(page, 0)
        watch.errors[:] = [e for e in watch.errors if "HTTP 422" not in e]
        watch.assert_clean()
    [visit] = visits_with(database, note)
    assert visit.task_id is None
    assert timeline_entries(database, visit.case_id, note) == 1


def test_a_complaint_for_a_nik_with_an_open_case_is_refused_until_the_facilitator_decides(
        server_url, database):
    base = server_url
    [known] = rows(database, "SELECT p.nik, p.name, c.category_code, c.number FROM cases c "
                             "JOIN persons p ON p.id = c.beneficiary_id "
                             "WHERE c.village_code = '15.04.03.2013' AND c.closed_at IS NULL "
                             "AND p.nik IS NOT NULL ORDER BY c.id LIMIT 1")
    story = "Ditemui saat penjangkauan: keluhan yang sama belum selesai, warga minta dicatat lagi."
    with watched_pages(("fasilitator", "phone"), service_workers="block", **GPS) as (page, watch):
        open_app(page, base)
        page.context.set_offline(True)
        page.get_by_role("button", name="Pengaduan baru").click()
        page.get_by_label("Desa").select_option(label="Aro")
        page.get_by_label("Kategori").select_option(known.category_code)
        page.get_by_label("Pengaduan", exact=True).fill(story)
        page.get_by_label("Nama warga").fill(known.name)
        page.get_by_label("NIK").fill(known.nik)
        expect(page.locator(".nik-check")).to_have_text("Susunan NIK sah.")
        page.get_by_role("button", name="Simpan pengaduan").click()
        waiting(page, 1)
        page.context.set_offline(False)
        refused = page.locator(".refused-item")
        expect(refused).to_contain_text(f"sudah memiliki kasus terbuka {known.number}")
        assert rows(database, "SELECT count(*) FROM cases WHERE description = :d", d=story)[0][0] == 0
        refused.get_by_role("button", name="Tetap catat sebagai kasus baru").click()
        expect(page.locator(".refused-item")).to_have_count(0)
        waiting(page, 0)
        watch.errors[:] = [e for e in watch.errors
                           if not re.search(r"HTTP 409: .*/api/v1/complaints$", e)]
        watch.assert_clean()
    [case] = rows(database, "SELECT number, channel FROM cases WHERE description = :d", d=story)
    assert case.number != known.number and case.channel == "penjangkauan"


def test_logout_a_revoked_login_and_fourteen_days_without_sync_wipe_the_phone(server_url):
    base = server_url
    stored = "Promise.all([idbKeyval.keys(), caches.keys()]).then(([k, c]) => k.length + c.length)"
    with watched_pages(("fasilitator", "phone"), **GPS) as (page, watch):
        open_app(page, base)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
        assert page.evaluate(stored) > 0
        refresh = page.evaluate("idbKeyval.get('auth').then(a => a.refresh)")
        page.context.set_offline(True)
        log_visit(page, cards(page).first, "Tidak di rumah", "Akan terhapus saat keluar.")
        page.route("**/api/v1/outreach/**", lambda route: route.abort())  # keep it unsent
        page.context.set_offline(False)
        expect(page.locator("#pesan")).to_contain_text("Sinyal terputus")
        page.once("dialog", lambda d: (d.message.startswith("1 item belum terkirim")
                                       and d.accept()))
        page.get_by_role("button", name="Keluar").click()
        expect(page.locator("#pesan")).to_have_text(
            "Anda sudah keluar. Data di ponsel ini sudah dihapus.")
        page.unroute("**/api/v1/outreach/**")
        expect(page.get_by_role("button", name="Masuk")).to_be_visible()
        page.wait_for_function(f"({stored}).then(n => n === 0)")
        status, problem = api(base, "POST", "/auth/refresh", {"refresh_token": refresh})
        assert (status, problem["detail"][:26]) == (422, "Token penyegar tidak sah, ")

        # A login ended elsewhere (revoked): the next sync wipes the phone.
        open_app(page, base)
        access = page.evaluate("idbKeyval.get('auth').then(a => a.access)")
        assert api(base, "POST", "/auth/logout", token=access)[0] == 204
        page.get_by_role("button", name="Sinkronkan").click()
        expect(page.locator("#pesan")).to_contain_text("dicabut")
        page.wait_for_function("idbKeyval.keys().then(k => k.length === 0)")

        # Fourteen days without a sync: wiped when the app opens.
        open_app(page, base)
        page.evaluate("idbKeyval.get('meta').then(m => idbKeyval.set('meta', "
                      "{...m, lastSync: new Date(Date.now() - 15 * 864e5).toISOString()}))")
        page.reload()
        expect(page.locator("#pesan")).to_contain_text("tidak sinkron selama 14 hari")
        page.wait_for_function("idbKeyval.keys().then(k => k.length === 0)")
        # The refusals the revoked login met on its way out, and nothing else.
        watch.errors[:] = [e for e in watch.errors if not re.search(
            r"HTTP 401: .*/api/v1/outreach/snapshot$|HTTP 422: .*/api/v1/auth/refresh$", e)]
        watch.assert_clean()


def test_the_nik_check_on_the_phone_agrees_with_the_server(server_url):
    """Every NIK of the peer corpus: the phone's structure check says what
    slrt/identity.py says (valid or not, and the same words)."""
    from slrt.identity import InvalidNik, parse_nik

    with PEER_VECTORS.open(encoding="utf-8", newline="") as fh:
        niks = sorted({r["nik"] for r in csv.DictReader(fh)
                       if not r["rule_gender"].startswith("n/a (No KK")})
    expected = {}
    for nik in niks:
        try:
            parse_nik(nik)
            expected[nik] = None
        except InvalidNik as e:
            expected[nik] = str(e)
    with watched_pages(("fasilitator", "phone"), service_workers="block", **GPS) as (page, watch):
        page.goto(f"{server_url}/lapangan/")
        got = page.evaluate("niks => niks.map(n => window.slrtLapangan.checkNik(n))", niks)
        watch.assert_clean()
    assert len(niks) > 50
    disagree = {n: (e, g) for n, e, g in zip(niks, expected.values(), got, strict=True)
                if (e is None) != (g is None) or (e and "posisi" not in e and e != g)}
    assert disagree == {}


def test_every_screen_of_the_app_fits_the_phone_with_targets_and_no_axe_violation(
        server_url):
    """The tour of tests/browser/test_every_page.py, for the app's screens on a
    360-pixel phone (axe is injected past the page's CSP)."""
    problems = []
    with watched_pages(("fasilitator", "phone"), service_workers="block", bypass_csp=True,
                       **GPS) as (page, watch):
        page.goto(f"{server_url}/lapangan/")
        problems += check_page(page, "Masuk", PHONE["width"])
        open_app(page, server_url)
        problems += check_page(page, "Desa saya", PHONE["width"])
        cards(page).first.get_by_role("button", name="Ringkasan kasus").click()
        problems += check_page(page, "Ringkasan kasus", PHONE["width"])
        page.get_by_role("button", name="Catat kunjungan").last.click()
        page.get_by_label("Meninggal", exact=True).check()
        problems += check_page(page, "Kunjungan", PHONE["width"])
        page.get_by_role("button", name="Pengaduan baru").click()
        problems += check_page(page, "Pengaduan baru", PHONE["width"])
        watch.assert_clean()
    assert problems == []
