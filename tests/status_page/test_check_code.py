"""The status page's check code: random, on the receipt, for every case; tries limited
per address and per case number; a wrong number and a wrong code get the same answer."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from slrt.common.time import now_utc
from slrt.status_page import services
from slrt.status_page.models import StatusCode, StatusFailure
from tests.database import statements
from tests.factories import ARO, build_nik
from tests.http import csrf_from, login

NIK = build_nik("15.04.03", date(1981, 8, 17), "P", 4)


def ask(client, number, code, addr):
    page = client.get("/cek-status", environ_base={"REMOTE_ADDR": addr})
    return client.post("/cek-status", data={"number": number, "code": code,
                                            "csrf_token": csrf_from(page.text)},
                       environ_base={"REMOTE_ADDR": addr})


@pytest.fixture
def op(make_user):
    return make_user("operator", villages=[ARO], full_name="Rina Marlina")


@pytest.fixture
def case(op, register):
    return register(op, name="Nurhayati", nik=NIK, category="pbi_tidak_aktif")


def _wrong(code: str) -> str:
    """Another valid-looking code: the same but its last character."""
    return code[:-1] + ("A" if code[-1] != "A" else "B")


def test_codes_are_random_from_the_unambiguous_alphabet_and_one_per_case(op, register, db):
    cases = [register(op, name=n, nik=build_nik("15.04.03", date(1970 + i, 1, 2), "L", 1),
                      category=c)
             for i, (n, c) in enumerate([("Ahmad Fauzi", "pbi_tidak_aktif"),
                                         ("Sri Mulyani", "korban_bencana"),
                                         ("Bambang Sutrisno", "pbi_tidak_aktif")])]
    codes = [services.issue_code(c) for c in cases]
    db.session.commit()
    assert len(set(codes)) == 3
    for code in codes:
        assert re.fullmatch(r"[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{8}", code)
    assert services.issue_code(cases[0]) == codes[0]  # idempotent
    assert db.session.scalar(select(StatusCode.code).where(
        StatusCode.case_id == cases[1].id)) == codes[1]


def test_the_receipt_prints_the_code_and_the_page_address(app, op, case, db):
    client = app.test_client()
    login(client, op)
    page = client.get(f"/kasus/{case.id}/tanda-terima")
    assert page.status_code == 200
    code = db.session.scalar(select(StatusCode.code).where(StatusCode.case_id == case.id))
    assert f"{code[:4]}-{code[4:]}" in page.text
    assert "http://localhost/cek-status" in page.text
    again = client.get(f"/kasus/{case.id}/tanda-terima")  # a reprint shows the same code
    assert f"{code[:4]}-{code[4:]}" in again.text


def test_a_case_without_a_nik_can_be_looked_up_with_its_code(client, op, register, db):
    case = register(op, name="Warga Tanpa NIK", category="pbi_tidak_aktif")
    assert case.beneficiary.nik is None
    code = services.code_for(case)
    resp = ask(client, case.number, f"{code[:4]} {code[4:]}".lower(), "10.9.8.7")
    assert resp.status_code == 200 and case.number in resp.text
    assert "Warga Tanpa NIK" not in resp.text


def test_the_nik_digits_no_longer_open_a_case(client, case, db):
    resp = ask(client, case.number, NIK[-4:], "10.9.8.6")
    assert resp.status_code == 404


def _page(resp, number: str) -> str:
    """The answer as a person reads it: the number asked for, and the form's
    CSRF token (signed with the second it was made), set aside."""
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", resp.text).replace(number, "N")


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(client, case, db):
    code = services.code_for(case)
    unknown_number = case.number[:-4] + "9999"
    wrong_code = ask(client, case.number, _wrong(code), "10.1.1.1")
    unknown = ask(client, unknown_number, code, "10.1.1.2")
    junk = ask(client, "' OR 1=1 --", "abcd", "10.1.1.3")
    assert wrong_code.status_code == unknown.status_code == junk.status_code == 404
    assert "Nomor kasus dan kode cek status tidak cocok" in wrong_code.text
    assert _page(wrong_code, case.number) == _page(unknown, unknown_number)


def test_wrong_codes_are_limited_per_case_number_from_every_address(app, client, case, db):
    code = services.code_for(case)
    limit = app.config["STATUS_PAGE_TRIES_PER_CASE"]
    for i in range(limit):  # one try from each of many addresses: the per-address limit never
        assert ask(client, case.number, services.new_code(), f"10.2.0.{i}").status_code == 404
    refused = ask(client, case.number, code, "10.2.1.1")  # even the right code now
    assert refused.status_code == 429
    assert "Terlalu banyak percobaan untuk nomor kasus ini" in refused.text
    assert case.number[:4] in refused.text
    # a number of no case is limited the same way: the refusal tells nothing
    ghost = case.number[:-4] + "8888"
    for i in range(limit):
        assert ask(client, ghost, services.new_code(), f"10.3.0.{i}").status_code == 404
    ghost_refused = ask(client, ghost, code, "10.3.1.1")
    assert ghost_refused.status_code == 429
    assert _page(ghost_refused, ghost) == _page(refused, case.number)
    # other cases are not affected, and the window passes
    for row in db.session.scalars(select(StatusFailure).where(
            StatusFailure.number == case.number)):
        row.at = now_utc() - timedelta(minutes=61)
    db.session.commit()
    assert ask(client, case.number, code, "10.2.1.2").status_code == 200


def test_tries_are_limited_per_address(app, client, case, op, register, db):
    other = register(op, name="Rahmat Hidayat", category="korban_bencana",
                     nik=build_nik("15.04.03", date(1966, 2, 3), "L", 2))
    limit = app.config["STATUS_PAGE_ATTEMPTS_PER_MINUTE"]
    for _ in range(limit):
        assert ask(client, case.number, services.new_code(), "10.4.4.4").status_code == 404
    blocked = ask(client, other.number, services.code_for(other), "10.4.4.4")
    assert blocked.status_code == 429 and "Tunggu satu menit" in blocked.text
    assert ask(client, other.number, services.code_for(other), "10.4.4.5").status_code == 200


def test_the_migration_gives_existing_cases_a_code(app, case, op, register, db):
    from flask_migrate import downgrade, upgrade

    second = register(op, name="Yusnita Harahap", category="korban_bencana",
                      nik=build_nik("15.04.03", date(1990, 5, 6), "P", 7))
    ids = {case.id, second.id}
    db.session.commit()
    db.session.remove()
    downgrade(revision="0010_import_safety")  # the revision before the codes
    upgrade()
    rows = dict(db.session.execute(select(StatusCode.case_id, StatusCode.code)).all())
    assert set(rows) == ids
    assert len(set(rows.values())) == 2
    assert all(re.fullmatch(r"[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{8}", c) for c in rows.values())


def test_every_registration_gets_its_code_in_its_own_transaction(case, db):
    """Issued when the case is registered (through any door), not when a
    receipt is first printed."""
    row = db.session.scalars(select(StatusCode).where(StatusCode.case_id == case.id)).one()
    assert re.fullmatch(r"[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{8}", row.code)
    assert services.code_for(case) == row.code


def test_a_registration_writes_its_code_in_one_statement_and_reads_nothing_back(op, register,
                                                                                db):
    """The registration's INSERT says by its RETURNING whether the code went in;
    on PostgreSQL its row count did not, and every registration read it again."""
    with statements(db.engine) as seen:
        register(op, name="Siti Aminah", nik=NIK)
    touching = [" ".join(s.split()) for s, _params in seen if "status_codes" in s]
    assert len(touching) == 1 and touching[0].startswith("INSERT INTO status_codes")


def test_a_code_already_taken_at_registration_is_drawn_again(op, register, db, monkeypatch):
    """The ~1 in 10^11 case: the first code drawn belongs to another case; the
    INSERT puts nothing in, and the registration draws another."""
    first = register(op, name="Nurhayati", nik=NIK, category="pbi_tidak_aktif")
    taken = services.code_for(first)
    draws = iter([taken, taken, "K7M2QX9P"])
    monkeypatch.setattr(services, "new_code", lambda: next(draws))
    second = register(op, name="Ahmad Fauzi", nik=build_nik("15.04.03", date(1975, 5, 6), "L", 2))
    db.session.commit()
    assert services.code_for(second) == "K7M2QX9P" and services.code_for(first) == taken
