"""Lists mask NIKs; revealing one is an explicit POST, logged in the audit log."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import ARO, OLAK, build_nik
from tests.http import csrf_from, login

NIK_RE = re.compile(r"(?<!\d)\d{16}(?!\d)")


@pytest.fixture
def desk(make_user, register):
    op = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    nik = build_nik("15.04.03", date(1968, 3, 12), "P", 21)
    case = register(op, nik=nik, name="Siti Rohani")
    register(op, nik=build_nik("15.04.03", date(1959, 8, 1), "L", 37), name="Abdul Karim",
             category="sktm")
    return {"op": op, "case_id": case.id, "person_id": case.beneficiary_id, "nik": nik}


def _reveals(db, person_id):
    from slrt.audit.models import AuditEntry

    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "buka_nik", AuditEntry.person_id == person_id)).all()


def test_the_case_list_shows_no_full_nik(client, desk):
    login(client, desk["op"])
    page = client.get("/kasus")
    assert page.status_code == 200
    assert "Siti Rohani" in page.text and "Abdul Karim" in page.text
    assert desk["nik"] not in page.text
    assert NIK_RE.findall(page.text) == []
    assert f"{desk['nik'][:6]}******{desk['nik'][-4:]}" in page.text
    assert page.text.count("Tampilkan NIK") == 2
    # also after a search (POST), by name
    found = client.post("/kasus", data={"q": "Siti", "csrf_token": csrf_from(page.text)})
    assert "Siti Rohani" in found.text and NIK_RE.findall(found.text) == []


def test_revealing_a_nik_is_a_post_that_writes_the_audit_row(client, db, desk):
    login(client, desk["op"])
    page = client.get("/kasus")
    assert _reveals(db, desk["person_id"]) == []
    assert client.get(f"/kasus/{desk['case_id']}/nik").status_code == 405  # never a GET
    shown = client.post(f"/kasus/{desk['case_id']}/nik",
                        data={"csrf_token": csrf_from(page.text)})
    assert shown.status_code == 200
    assert desk["nik"] in shown.text
    rows = _reveals(db, desk["person_id"])
    assert len(rows) == 1
    entry = rows[0]
    assert entry.actor_id == desk["op"].id and entry.object_id == desk["case_id"]
    assert desk["nik"] not in str(entry.detail)  # the log itself keeps it masked


def test_a_reveal_needs_the_csrf_token(client, db, desk):
    login(client, desk["op"])
    resp = client.post(f"/kasus/{desk['case_id']}/nik")
    assert resp.status_code == 400
    assert desk["nik"] not in resp.text
    assert _reveals(db, desk["person_id"]) == []


def test_another_village_cannot_reveal(client, db, desk, make_user):
    other = make_user("operator", villages=[OLAK])
    login(client, other)
    page = client.get("/kasus")
    resp = client.post(f"/kasus/{desk['case_id']}/nik", data={"csrf_token": csrf_from(page.text)})
    assert resp.status_code == 404
    assert desk["nik"] not in resp.text
    assert _reveals(db, desk["person_id"]) == []
