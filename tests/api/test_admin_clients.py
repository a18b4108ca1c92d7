"""The admin's pages of the API clients: the token shown once, rotate, revoke;
nobody else reaches them."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.factories import ARO
from tests.http import csrf_from, login

TOKEN_RE = re.compile(r'<code id="api-token">([^<]+)</code>')


def _me(client, token):
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_create_rotate_revoke(client, db, make_user):
    from slrt.api.models import ApiClient
    from slrt.audit.models import AuditEntry

    login(client, make_user("admin"))
    page = client.get("/admin/api-klien")
    assert page.status_code == 200 and "Klien API" in page.text
    created = client.post("/admin/api-klien", data={
        "name": "OpenSID Desa Aro", "role": "operator", "villages": [ARO],
        "expires_at": "2099-12-31", "csrf_token": csrf_from(page.text)})
    assert created.status_code == 201, created.text
    token = TOKEN_RE.search(created.text).group(1)
    assert _me(client, token).get_json()["client"] == "OpenSID Desa Aro"
    assert token not in client.get("/admin/api-klien").text  # shown once
    row = db.session.scalar(select(ApiClient))
    rotated = client.post(f"/admin/api-klien/{row.id}/putar",
                          data={"csrf_token": csrf_from(created.text)})
    new = TOKEN_RE.search(rotated.text).group(1)
    assert _me(client, token).status_code == 401 and _me(client, new).status_code == 200
    revoked = client.post(f"/admin/api-klien/{row.id}/cabut",
                          data={"csrf_token": csrf_from(rotated.text)})
    assert revoked.status_code == 302
    assert _me(client, new).status_code == 401
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.detail["rincian"].as_string() == "Klien API dibuat")) is not None


def test_refused_scope_is_shown_next_to_the_form(client, make_user):
    login(client, make_user("admin"))
    page = client.get("/admin/api-klien")
    resp = client.post("/admin/api-klien", data={
        "name": "OpenSID Dua Desa", "role": "operator", "villages": [ARO, "15.04.03.2011"],
        "csrf_token": csrf_from(page.text)})
    assert resp.status_code == 422
    assert "tepat satu desa" in resp.text


def test_only_the_admin(client, make_user):
    login(client, make_user("supervisor"))
    assert client.get("/admin/api-klien").status_code == 403


def test_a_refused_client_is_told_beside_its_field_and_the_form_keeps_what_was_chosen(
        client, db, make_user):
    from slrt.api.models import ApiClient

    login(client, make_user("admin"))
    page = client.get("/admin/api-klien")
    name = "<script>alert('aro')</script>"
    resp = client.post("/admin/api-klien", data={
        "name": name, "role": "fasilitator", "villages": [ARO, "15.04.03.2011"],
        "expires_at": "2027-06-30", "csrf_token": csrf_from(page.text)})
    assert resp.status_code == 422
    assert re.search(r'<p class="error" id="client-name-err">Nama klien 3-80 karakter', resp.text)
    assert "<script>alert" not in resp.text
    assert 'value="&lt;script&gt;alert(&#39;aro&#39;)&lt;/script&gt;"' in resp.text
    assert re.search(rf'<option value="{ARO}" selected>', resp.text)
    assert re.search(r'<option value="15.04.03.2011" selected>', resp.text)
    assert re.search(r'<option value="fasilitator" selected>', resp.text)
    assert 'value="2027-06-30"' in resp.text
    # the scope of the account: beside the villages
    resp = client.post("/admin/api-klien", data={
        "name": "OpenSID Dua Desa", "role": "operator", "villages": [ARO, "15.04.03.2011"],
        "csrf_token": csrf_from(page.text)})
    assert resp.status_code == 422
    assert re.search(r'id="client-villages-err">Operator harus ditugaskan di tepat satu desa',
                     resp.text)
    assert 'value="OpenSID Dua Desa"' in resp.text
    assert db.session.scalars(select(ApiClient)).all() == []
