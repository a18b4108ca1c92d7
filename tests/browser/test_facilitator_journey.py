"""The facilitator's day in a real Chromium on a 360-pixel phone.

The facilitator of Aro, Olak and Rambahan (demo account `fasilitator`) opens
*Desa saya*, finds a family of Desa Aro waiting on a disaster-aid referral that
is past its due date (the demo data loads one escalated, with its follow-up task),
logs the visit (not at home: the next visit is suggested for the afternoon) and
sees it in the case timeline.

The server and database are prepared by the fixtures of conftest.py: a fresh
database, `flask db upgrade`, `flask demo load`, `flask run` on 127.0.0.1.
Playwright drives Debian's /usr/bin/chromium (pages.py).
"""

from __future__ import annotations

import re

from tests.browser.pages import (
    assert_no_horizontal_scroll,
    expect,
    log_in,
    menu_link,
    watched_pages,
)

NOTE = "Rumah kosong, tetangga bilang keluarga sedang di kebun karet sampai siang."


def test_facilitator_visits_a_family_waiting_on_overdue_disaster_aid(server_url):
    base = server_url
    with watched_pages(("fasilitator", "phone")) as (page, watch):
        log_in(page, base, "fasilitator")
        # The header shows unread notifications (the escalation reached the facilitator).
        expect(page.locator("#kotak-masuk .count")).to_be_visible()
        menu_link(page, "Desa saya").click()
        expect(page).to_have_url(f"{base}/desa-saya")
        assert_no_horizontal_scroll(page, "Desa saya")

        waiting = page.locator("#menunggu li").filter(has_text="Santunan korban bencana") \
            .filter(has_text="Lewat batas").filter(has_text="Aro")
        expect(waiting).to_have_count(1)
        family = waiting.locator("strong").first.inner_text()
        number = waiting.locator(".case-number").inner_text()
        expect(waiting).to_contain_text("RT ")
        expect(waiting).to_contain_text("HP 081274556630")
        task = page.locator("#tugas li").filter(has_text=number)
        expect(task).to_have_count(1)

        task.get_by_role("link", name="Catat kunjungan").click()
        expect(page.get_by_role("heading", name="Kunjungan penjangkauan")).to_be_visible()
        expect(page.locator(".lead")).to_contain_text(family)
        page.get_by_label("Tidak di rumah").check()
        page.get_by_label("Catatan").fill(NOTE)
        page.get_by_role("button", name="Simpan kunjungan").click()

        expect(page).to_have_url(re.compile(rf"{base}/kasus/\d+$"))
        expect(page.get_by_role("status").first).to_contain_text(
            "Kunjungan dicatat: Tidak di rumah.")
        timeline = page.locator("ol.timeline")
        entry = timeline.locator("li").filter(has_text="Kunjungan penjangkauan")
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text("Tidak di rumah")
        expect(entry).to_contain_text(NOTE)
        expect(entry).to_contain_text("Kunjungan berikutnya disarankan")
        expect(entry).to_contain_text("Hendra Saputra")
        assert_no_horizontal_scroll(page, "the case page after the visit")

        # Not at home keeps the task open, with the suggested time.
        page.goto(f"{base}/desa-saya")
        task = page.locator("#tugas li").filter(has_text=number)
        expect(task).to_contain_text("Kunjungan berikutnya:")
        watch.assert_clean()
