"""Every error of the API is a problem document (RFC 9457) in Indonesian,
naming the field; no input gives a 500."""

from __future__ import annotations

import pytest

from tests.factories import ARO, NOW

PROBLEM = "application/problem+json"


@pytest.fixture
def auth(db, make_user):
    from slrt.api import services

    admin = make_user("admin")
    _, token = services.create_client(admin, "OpenSID Desa Aro", "operator", kabupaten="15.04",
                                      villages=[ARO], programs=[], expires_at=None, now=NOW)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _problem(resp, status):
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"] == PROBLEM
    body = resp.get_json()
    assert body["status"] == status
    assert body["type"].startswith("/api/v1/problems/") and body["title"] and body["detail"]
    return body


def test_missing_fields_are_named_in_indonesian(client, auth):
    body = _problem(client.post("/api/v1/complaints", json={}, headers=auth), 422)
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert fields["village_code"] == "Wajib diisi."
    assert fields["description"] == "Wajib diisi."


def test_unknown_field_and_wrong_types(client, auth):
    body = _problem(client.post("/api/v1/complaints", json={
        "village_code": ARO, "category_code": "pbi_tidak_aktif", "description": "x",
        "household_size": "lima", "warna": "merah", "reporter_is_beneficiary": "mungkin"},
        headers=auth), 422)
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert fields["household_size"] == "Harus berupa bilangan bulat."
    assert fields["warna"] == "Isian tidak dikenal."
    assert fields["reporter_is_beneficiary"] == "Harus true atau false."


def test_broken_json_and_wrong_content_type(client, auth):
    body = _problem(client.post("/api/v1/complaints", data=b'{"village_code": ',
                                content_type="application/json", headers=auth), 400)
    assert body["detail"] == "Isi permintaan bukan JSON yang sah."
    _problem(client.post("/api/v1/complaints", data="village_code=15.04.03.2013",
                         content_type="application/x-www-form-urlencoded", headers=auth), 415)
    _problem(client.post("/api/v1/complaints", data=b"[1, 2]",
                         content_type="application/json", headers=auth), 422)


@pytest.mark.parametrize("value", [10 ** 40, -1, 2 ** 63])
def test_huge_numbers(client, auth, value):
    body = _problem(client.post("/api/v1/complaints", json={
        "village_code": ARO, "category_code": "pbi_tidak_aktif", "description": "Uraian.",
        "name": "Siti Aminah", "children_count": value}, headers=auth), 422)
    assert body["errors"][0]["field"] == "children_count"


@pytest.mark.parametrize("junk", ["\x00", "\ud800", "𝕊𝕚𝕥𝕚 \u202e", "a" * 5000])
def test_unicode_junk_is_refused_or_kept_never_a_500(client, auth, junk):
    resp = client.post("/api/v1/complaints", json={
        "village_code": ARO, "category_code": "pbi_tidak_aktif", "description": junk,
        "name": "Siti Aminah"}, headers=auth)
    assert resp.status_code in (201, 422), resp.text
    if resp.status_code == 422:
        assert resp.get_json()["errors"][0]["field"] == "description"


def test_domain_error_keeps_its_field(client, auth):
    body = _problem(client.post("/api/v1/complaints", json={
        "village_code": ARO, "category_code": "tidak_ada", "description": "Uraian.",
        "name": "Siti Aminah"}, headers=auth), 422)
    assert body["errors"] == [{"field": "category_code",
                               "message": "Kategori pengaduan tidak dikenal."}]


def test_invalid_nik_is_the_desks_message(client, auth):
    body = _problem(client.post("/api/v1/complaints", json={
        "village_code": ARO, "category_code": "pbi_tidak_aktif", "description": "Uraian.",
        "name": "Siti Aminah", "nik": "1504031406751"}, headers=auth), 422)
    assert body["errors"][0]["field"] == "nik"
    assert "16" in body["errors"][0]["message"]


def test_routes_methods_and_tokens(client, auth):
    _problem(client.get("/api/v1/tidak-ada", headers=auth), 404)
    _problem(client.get("/api/v2/complaints"), 404)
    resp = client.delete("/api/v1/complaints", headers=auth)
    _problem(resp, 405)
    assert "GET" in resp.headers["Allow"] and "POST" in resp.headers["Allow"]
    _problem(client.get("/api/v1/complaints"), 401)
    _problem(client.get("/api/v1/complaints", headers={"Authorization": "Bearer \u00e9"}), 401)
    _problem(client.get("/api/v1/complaints", headers={"Authorization": "Basic eDp5"}), 401)
    _problem(client.get("/api/v1/complaints/bukan-id", headers=auth), 404)
    _problem(client.get("/api/v1/complaints?limit=99999999999999999999", headers=auth), 422)
    _problem(client.get("/api/v1/complaints?cursor=%%%", headers=auth), 422)


def test_pages_keep_their_html_error_pages(client):
    resp = client.get("/tidak-ada-halaman")
    assert resp.status_code in (302, 404)
    assert "problem+json" not in resp.headers["Content-Type"]
