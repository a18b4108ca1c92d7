"""The public status page: no login, no personal data, a few attempts per minute."""


from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from slrt.audit.models import AuditEntry
from slrt.common.time import now_utc
from slrt.referrals import pauses
from slrt.status_page.models import StatusLookup
from tests.factories import ARO, build_nik, refer, wib
from tests.http import csrf_from

NIK = build_nik("15.04.03", date(1978, 3, 12), "L", 3)  # ends in 0003
WRONG = "HJKM2345"


def code_of(case) -> str:
    from slrt.status_page.services import code_for

    return code_for(case)


@pytest.fixture
def fire(make_user, register):
    op = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    handler = make_user("handler", programs=["BENCANA_LOG"], full_name="Yusnita Harahap")
    case = register(op, category="korban_bencana", name="Syamsul Bahri", nik=NIK,
                    dusun="Dusun III", rt="004", rw="002", phone="081274561230",
                    when=wib(2026, 1, 5, 9))
    ref = refer(op, case, "BENCANA_LOG", wib(2026, 1, 5, 10))
    return case, ref, handler


def ask(client, number, code, addr="10.20.30.40"):
    page = client.get("/cek-status", environ_base={"REMOTE_ADDR": addr})
    return client.post("/cek-status", data={"number": number, "code": code,
                                            "csrf_token": csrf_from(page.text)},
                       environ_base={"REMOTE_ADDR": addr})


def test_status_and_next_step_without_login_and_without_personal_data(client, fire, db):
    case, ref, _handler = fire
    code = code_of(case)
    resp = ask(client, case.number.lower().replace("-", " - "), f"{code[:4].lower()}-{code[4:]}")
    assert resp.status_code == 200
    text = resp.text
    assert case.number in text and "Dirujuk" in text
    assert "Bantuan logistik korban bencana" in text
    assert "sudah melewati batas layanan" in text and "fasilitator desa" in text
    for private in ("Syamsul", NIK, "Dusun III", "081274561230", "Aro", code):
        assert private not in text
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "cek_status_publik")).one()
    assert entry.object_id == case.id and entry.actor_id is None


def test_paused_and_closed_referrals_have_their_own_next_step(client, fire, db):
    case, ref, handler = fire
    pauses.pause(handler, ref, "Menunggu foto kejadian dari desa", now=wib(2026, 1, 6))
    db.session.commit()
    text = ask(client, case.number, code_of(case)).text
    assert "menunggu kelengkapan dokumen atau keterangan dari Anda" in text
    assert "foto kejadian" not in text  # the internal reason stays inside
    from slrt.referrals import services as referrals

    pauses.resume(handler, ref, now=wib(2026, 1, 7))
    referrals.move(handler, ref, "terima", now=wib(2026, 1, 7))
    referrals.move(handler, ref, "salurkan", now=wib(2026, 1, 7, 14))
    db.session.commit()
    text = ask(client, case.number, code_of(case), addr="10.20.30.41").text
    assert "Bantuan dari Bantuan logistik korban bencana sudah disalurkan." in text
    assert "Semua rujukan sudah selesai." in text


def test_a_few_attempts_per_minute_per_address(client, fire, db):
    case, _ref, _handler = fire
    for _ in range(5):
        assert ask(client, case.number, WRONG).status_code == 404
    blocked = ask(client, case.number, code_of(case))
    assert blocked.status_code == 429 and "Terlalu banyak percobaan" in blocked.text
    # Another address is not blocked.
    assert ask(client, case.number, code_of(case), addr="10.20.30.99").status_code == 200
    # A minute later the address may try again.
    for row in db.session.scalars(select(StatusLookup).where(
            StatusLookup.address == "10.20.30.40")):
        row.at = now_utc() - timedelta(seconds=61)
    db.session.commit()
    assert ask(client, case.number, code_of(case)).status_code == 200
