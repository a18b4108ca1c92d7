"""The period of the registry data is shown with every check, with a warning
when it is older than six months at the time it was used."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from slrt.common.time import period_age_months, period_is_stale, today_wib
from tests.factories import ARO
from tests.http import login, post

STALE = "lebih dari 6 bulan"


@pytest.mark.parametrize("period,as_of,age,stale", [
    ("2022-07", date(2026, 11, 27), 52, True),
    ("2026-05", date(2026, 11, 27), 6, False),
    ("2026-04", date(2026, 11, 1), 7, True),
    ("2026-11", date(2026, 11, 27), 0, False),
    # 30 Nov 18:00 UTC is already 1 December in WIB.
    ("2026-05", datetime(2026, 11, 30, 18, 0, tzinfo=UTC), 7, True),
    ("2026-05", datetime(2026, 11, 30, 16, 0, tzinfo=UTC), 6, False),
])
def test_age_in_months_counts_in_wib(period, as_of, age, stale):
    assert period_age_months(period, as_of) == age
    assert period_is_stale(period, as_of) is stale


def test_no_period_is_neither_old_nor_new():
    assert period_age_months(None) is None and period_is_stale("") is False


def _this_month() -> str:
    return today_wib().strftime("%Y-%m")


def test_the_registry_check_shows_the_period_and_leaves_the_warning_to_the_supervisor(
        client, make_user, make_registry):
    old = make_registry("Rosmawati", period="2022-07")
    login(client, make_user("operator", villages=[ARO]))
    page = post(client, "/dtks/cek", {"q": old.nik}, token_page="/dtks/cek").text
    assert "Juli 2022" in page and STALE not in page  # the desk cannot load newer data
    assert STALE not in client.get("/").text


def test_the_supervisor_is_told_once_on_his_dashboard_that_the_data_is_old(
        app, client, make_user, make_registry):
    make_registry("Rosmawati", period="2022-07")
    login(client, make_user("supervisor"))
    home = client.get("/").text
    assert home.count(STALE) == 1 and 'href="/dtks/impor"' in home
    assert STALE in client.get("/dtks/impor").text  # where he loads a newer period


def test_fresh_data_raises_no_warning(client, make_user, make_registry):
    make_registry("Jumiati", period=_this_month(), village=ARO)
    login(client, make_user("supervisor"))
    assert STALE not in client.get("/").text


def test_case_evidence_keeps_the_period_of_the_check_without_a_warning(
        client, make_user, make_registry, register):
    record = make_registry("Sahril", period="2022-07")
    operator = make_user("operator", villages=[ARO])
    case = register(operator, nik=record.nik, name="Sahril", record_id=record.id)
    login(client, operator)
    for url in (f"/kasus/{case.id}", f"/kasus/{case.id}/tanda-terima"):
        page = client.get(url).text
        assert "Juli 2022" in page and "data sudah" not in page, url


def test_name_search_within_a_village_with_spelling_variants(client, make_user, make_registry, db):
    from sqlalchemy import select

    from slrt.audit.models import AuditEntry
    from tests.factories import OLAK

    yusuf = make_registry("MUHAMAD YUSUF", village=ARO, dusun="Dusun III", rt="004")
    make_registry("Muhammad Yusuf", village=OLAK)  # same name, another village
    make_registry("Siti Rohani", village=ARO)
    login(client, make_user("operator", villages=[ARO]))
    page = post(client, "/dtks/cek", {"mode": "nama", "name": "m yusuf", "desa": ARO},
                token_page="/dtks/cek")
    assert page.status_code == 200
    assert "Hasil pencarian nama (1)" in page.text and "MUHAMAD YUSUF" in page.text
    assert "Dusun III RT 004" in page.text and yusuf.nik not in page.text
    assert "Siti Rohani" not in page.text

    # Another village of the regency is not the operator's to search.
    refused = post(client, "/dtks/cek", {"mode": "nama", "name": "yusuf", "desa": OLAK},
                   token_page="/dtks/cek")
    assert refused.status_code == 422 and 'id="desa-err"' in refused.text
    assert 'value="yusuf"' in refused.text  # what was typed stays
    short = post(client, "/dtks/cek", {"mode": "nama", "name": " a ", "desa": ARO},
                 token_page="/dtks/cek")
    assert short.status_code == 422 and 'id="name-err"' in short.text

    chosen = post(client, "/dtks/cek", {"mode": "pilih", "record_id": str(yusuf.id)},
                  token_page="/dtks/cek")
    assert "Terdaftar di DTKS" in chosen.text and "Dusun III" in chosen.text
    other = db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "cari_nama"))
    assert other is not None
    outside = make_registry("Rahmat Hidayat", village=OLAK)
    assert post(client, "/dtks/cek", {"mode": "pilih", "record_id": str(outside.id)},
                token_page="/dtks/cek").status_code == 404
