"""The admin's holidays form on /admin/pengingat: a value that is not a date is
named next to its field, both textareas come back as typed (escaped), and
neither list is saved."""

from __future__ import annotations

import re
from datetime import date

import pytest

from slrt.common.workdays import cuti_bersama, set_cuti_bersama
from tests.http import login, post

URL = "/admin/pengingat/cuti-bersama"


@pytest.fixture
def admin(make_user, client, db):
    user = make_user("admin", full_name="Admin Dinsos Batanghari")
    # what the regency has already: Batanghari's anniversary off, 24 Dec worked
    set_cuti_bersama("15.04", {date(2026, 12, 31)}, {date(2026, 12, 24)})
    db.session.commit()
    login(client, user)
    return user


def _unchanged():
    adjust = cuti_bersama("15.04")
    return adjust == {date(2026, 12, 31)} and adjust.removed == {date(2026, 12, 24)}


def _refused(client, db, days: str, worked: str = "") -> str:
    """Post both lists; the page answers 422 and nothing is saved. Its HTML."""
    resp = post(client, URL, {"days": days, "worked": worked}, token_page="/admin/pengingat")
    assert resp.status_code == 422
    db.session.expire_all()
    assert _unchanged()
    return resp.text


def _error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-err">([^<]*)</p>', html)
    return found.group(1) if found else ""


def _textarea(html: str, field: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{field}"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, field
    return found.group(1).lstrip("\r\n")


def test_a_bad_date_is_named_beside_its_field_and_both_lists_are_kept(admin, client, db):
    typed_days = "2026-12-31\n2026-02-30\n31/12\n2027-01-02"
    typed_worked = "2026-12-24\n2027-01-04"
    html = _refused(client, db, typed_days, typed_worked)
    assert _error(html, "days") == "Tanggal tidak sah: 2026-02-30, 31/12 (gunakan TTTT-BB-HH)"
    assert _error(html, "worked") == ""
    days = re.search(r'<textarea[^>]*name="days"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in days and "days-err" in days
    assert _textarea(html, "days") == typed_days
    assert _textarea(html, "worked") == typed_worked
    assert "Belum disimpan" in html
    # the rest of the page is there: the unit supervisors' form, the deliveries
    assert "Pengawas unit" in html and "Pengiriman belum berhasil" in html


def test_a_bad_worked_day_refuses_the_days_off_too(admin, client, db):
    html = _refused(client, db, "2027-01-02", "24 Desember")  # 2 Jan is not saved either
    assert _error(html, "worked") == "Tanggal tidak sah: 24 Desember (gunakan TTTT-BB-HH)"
    assert _error(html, "days") == ""
    assert _textarea(html, "days") == "2027-01-02"


def test_markup_and_very_long_values_are_escaped_and_cut_in_the_message(admin, client, db):
    script = "<script>alert('libur')</script>"
    long_line = "2026-12-31" + "9" * 1500
    many = "\n".join(f"{d}/12/2026" for d in range(1, 13))
    html = _refused(client, db, f"{script}\n{long_line}", many)
    assert script not in html and "<script>alert" not in html
    # the message names each bad value, cut at 20 characters
    assert _error(html, "days") == \
        "Tanggal tidak sah: &lt;script&gt;alert(&#39;libu…, 2026-12-31999999999… " \
        "(gunakan TTTT-BB-HH)"
    # at most ten are named; the rest are counted
    assert _error(html, "worked") == (
        "Tanggal tidak sah: " + ", ".join(f"{d}/12/2026" for d in range(1, 11))
        + " dan 2 lainnya (gunakan TTTT-BB-HH)")
    # the textarea gives back all that was typed, escaped
    assert _textarea(html, "days") == \
        "&lt;script&gt;alert(&#39;libur&#39;)&lt;/script&gt;\n" + long_line
    assert _textarea(html, "worked") == many


def test_a_list_over_the_length_limit_is_refused_and_kept(admin, client, db):
    typed = "\n".join(["2027-01-02"] * 400)  # 4,399 characters
    html = _refused(client, db, typed)
    assert _error(html, "days") == "Maksimal 4000 karakter."
    assert _textarea(html, "days") == typed


def test_good_lists_are_saved_with_commas_and_blank_lines(admin, client, db):
    resp = post(client, URL, {"days": "2026-12-31, 2027-01-02\n\n", "worked": ""},
                token_page="/admin/pengingat")
    assert resp.status_code == 302
    db.session.expire_all()
    adjust = cuti_bersama("15.04")
    assert adjust == {date(2026, 12, 31), date(2027, 1, 2)} and adjust.removed == set()
    page = client.get("/admin/pengingat")
    assert page.status_code == 200 and "days-err" not in page.text
    assert _textarea(page.text, "days") == "2026-12-31\n2027-01-02"


def test_an_iso_week_or_a_date_without_dashes_is_not_read_as_a_date(admin, client, db):
    """Python reads 20270102 and 2027-W01-6 as dates; the admin is asked for TTTT-BB-HH."""
    html = _refused(client, db, "20270102\n2027-W01-6")
    assert _error(html, "days") == "Tanggal tidak sah: 20270102, 2027-W01-6 (gunakan TTTT-BB-HH)"
