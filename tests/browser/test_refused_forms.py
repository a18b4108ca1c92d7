"""Forms refused in a real Chromium: the admin's holiday dates and a webhook URL that
are not what the page asks for come back 422 with the message beside their field,
the text as typed, the focus on the field, and the page still passes the tour's
checks (no sideways scroll, 24x24 targets, no serious axe violation)."""

from __future__ import annotations

import re

from tests.browser.pages import DESKTOP, PHONE, check_page, expect, log_in, watched_pages
from tests.browser.world import ACCOUNTS


def _submit(page, button, path: str) -> int:
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.split("#")[0].endswith(path)) as answer:
        button.click()
    page.wait_for_load_state()
    return answer.value.status


def _checked(page, where: str) -> list[str]:
    problems = []
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        problems += check_page(page, f"{where} at {size['width']}px", size["width"])
    return problems


def test_refused_dates_and_url_keep_what_the_admin_typed(server_url):
    problems: list[str] = []
    with watched_pages(("admin", "desktop"), bypass_csp=True) as (page, watch):
        log_in(page, server_url, ACCOUNTS["admin"])

        page.goto(f"{server_url}/admin/pengingat")
        days = page.get_by_label("Hari libur tambahan (mis. cuti bersama daerah)")
        worked = page.get_by_label("Hari libur dalam daftar yang tetap masuk kerja")
        typed_days = "2026-12-31\n2026-02-30\n<b>31/12</b>"
        days.fill(typed_days)
        worked.fill("2027-01-04")
        status = _submit(page, page.locator("#hari-libur").get_by_role("button", name="Simpan"),
                         "/admin/pengingat/cuti-bersama")
        assert status == 422
        expect(page.locator("#days-err")).to_have_text(
            "Tanggal tidak sah: 2026-02-30, <b>31/12</b> (gunakan TTTT-BB-HH)")
        expect(days).to_have_value(typed_days)
        expect(worked).to_have_value("2027-01-04")
        expect(days).to_be_focused()
        expect(days).to_have_attribute("aria-invalid", "true")
        problems += _checked(page, "admin reminders.save_holidays refused")

        page.set_viewport_size(DESKTOP)
        page.goto(f"{server_url}/admin/api-klien")
        name = page.get_by_label("Nama klien")
        villages = page.get_by_label("Desa/kelurahan (operator, fasilitator)")
        name.fill("<b>")
        page.get_by_label("Bertindak sebagai").select_option("operator")
        chosen = villages.select_option(index=1)
        status = _submit(page, page.get_by_role("button", name="Buat klien dan tokennya"),
                         "/admin/api-klien")
        assert status == 422
        expect(page.locator("#client-name-err")).to_have_text(
            re.compile(r"^Nama klien 3-80 karakter"))
        expect(name).to_have_value("<b>")
        expect(villages).to_have_values(chosen)
        problems += _checked(page, "admin api_admin.create refused")
        page.set_viewport_size(DESKTOP)
        name.fill("OpenSID Desa Aro")
        assert _submit(page, page.get_by_role("button", name="Buat klien dan tokennya"),
                       "/admin/api-klien") == 201

        row = page.locator("tr", has_text="OpenSID Desa Aro")
        url = row.locator('input[name="url"]')
        url.fill("ftp://opensid.aro.desa.id/<hook>")
        status = _submit(page, row.get_by_role("button", name="Langganan"), "/webhook")
        assert status == 422
        expect(url).to_have_value("ftp://opensid.aro.desa.id/<hook>")
        expect(url).to_be_focused()
        expect(row.locator("p.error")).to_have_text(re.compile(r"^Alamat webhook harus URL"))
        problems += _checked(page, "admin api_admin.subscribe refused")

        watch.errors[:] = [e for e in watch.errors if not re.search(
            r"HTTP 422: .*/admin/(pengingat/cuti-bersama|api-klien|api-klien/\d+/webhook)$", e)]
        watch.assert_clean()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
