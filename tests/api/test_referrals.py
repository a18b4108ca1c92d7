"""Referrals through the API: routing options, refer, the handler's queue,
moves with the version read (stale: 409 with the current state), and the
scope of each client kind (another village, another program: 404)."""

from __future__ import annotations

import pytest

from tests.factories import ARO, NOW, OLAK


@pytest.fixture
def tokens(db, make_user):
    from slrt.api import services

    admin = make_user("admin")

    def make(name, role, villages=(), programs=()):
        _, token = services.create_client(admin, name, role, kabupaten="15.04",
                                          villages=list(villages), programs=list(programs),
                                          expires_at=None, now=NOW)
        return {"Authorization": f"Bearer {token}"}

    made = {"aro": make("OpenSID Desa Aro", "operator", [ARO]),
            "olak": make("OpenSID Desa Olak", "operator", [OLAK]),
            "logistik": make("Gudang Logistik", "handler", programs=["BENCANA_LOG"]),
            "pkh": make("Aplikasi PKH", "handler", programs=["PKH"])}
    db.session.commit()
    return made


@pytest.fixture
def case_ref(client, tokens):
    resp = client.post("/api/v1/complaints", headers=tokens["aro"], json={
        "village_code": ARO, "category_code": "korban_bencana", "urgency": "darurat",
        "description": "Rumah terendam banjir, butuh makanan dan selimut.", "name": "Ahmad Yani"})
    assert resp.status_code == 201, resp.text
    return resp.get_json()["id"]


def test_routing_refer_queue_and_moves(client, tokens, case_ref):
    options = client.get(f"/api/v1/complaints/{case_ref}/routing", headers=tokens["aro"])
    assert options.status_code == 200
    logistik = next(o for o in options.get_json() if o["program_code"] == "BENCANA_LOG")
    assert logistik["suggested"] is True and logistik["blocked"] is False
    referred = client.post(f"/api/v1/complaints/{case_ref}/referrals", headers=tokens["aro"],
                           json={"programs": ["BENCANA_LOG"], "reason": "Mohon segera."})
    assert referred.status_code == 201, referred.text
    ref = referred.get_json()[0]
    assert ref["status"] == "dikirim" and "terima" not in ref["allowed_actions"]
    queue = client.get("/api/v1/referrals", headers=tokens["logistik"]).get_json()
    assert [r["id"] for r in queue["items"]] == [ref["id"]]
    assert "terima" in queue["items"][0]["allowed_actions"]
    assert client.get("/api/v1/referrals", headers=tokens["pkh"]).get_json()["items"] == []
    accepted = client.post(f"/api/v1/referrals/{ref['id']}/moves", headers=tokens["logistik"],
                           json={"action": "terima", "version": ref["version"]})
    assert accepted.status_code == 200, accepted.text
    now = accepted.get_json()["referral"]
    assert now["status"] == "diterima" and now["version"] == ref["version"] + 1
    stale = client.post(f"/api/v1/referrals/{ref['id']}/moves", headers=tokens["logistik"],
                        json={"action": "proses", "version": ref["version"]})
    assert stale.status_code == 409
    assert stale.headers["Content-Type"] == "application/problem+json"
    assert stale.get_json()["current"]["status"] == "diterima"
    assert stale.get_json()["current"]["version"] == now["version"]
    case = client.get(f"/api/v1/complaints/{case_ref}", headers=tokens["aro"]).get_json()
    assert case["status"] == "dirujuk"
    assert case["referrals"][0]["status"] == "diterima"


def test_other_village_and_other_program_get_404(client, tokens, case_ref):
    ref = client.post(f"/api/v1/complaints/{case_ref}/referrals", headers=tokens["aro"],
                      json={"programs": ["BENCANA_LOG"], "reason": "Mohon segera."}
                      ).get_json()[0]
    for who in ("olak", "pkh"):
        assert client.get(f"/api/v1/referrals/{ref['id']}", headers=tokens[who]
                          ).status_code == 404
        assert client.post(f"/api/v1/referrals/{ref['id']}/moves", headers=tokens[who],
                           json={"action": "terima", "version": 1}).status_code == 404
    assert client.get(f"/api/v1/complaints/{case_ref}/routing", headers=tokens["olak"]
                      ).status_code == 404
    assert client.get(f"/api/v1/complaints/{case_ref}", headers=tokens["logistik"]
                      ).status_code == 404


def test_a_move_the_side_may_not_make_is_422(client, tokens, case_ref):
    ref = client.post(f"/api/v1/complaints/{case_ref}/referrals", headers=tokens["aro"],
                      json={"programs": ["BENCANA_LOG"], "reason": "Mohon segera."}
                      ).get_json()[0]
    resp = client.post(f"/api/v1/referrals/{ref['id']}/moves", headers=tokens["aro"],
                       json={"action": "terima", "version": ref["version"]})
    assert resp.status_code == 422
    assert "tidak berwenang" in resp.get_json()["detail"]


def test_opaque_ids_are_not_interchangeable(client, tokens, case_ref):
    assert client.get(f"/api/v1/referrals/{case_ref}", headers=tokens["aro"]).status_code == 404
