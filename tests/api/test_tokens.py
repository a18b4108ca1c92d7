"""Clients and personal tokens: shown once, stored hashed, refused once
expired, revoked or rotated, and ended with the user's sessions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import ARO, NOW, PASSWORD


def _client(make_user, db, **kw):
    from slrt.api import services

    admin = make_user("admin")
    client, token = services.create_client(
        admin, kw.pop("name", "OpenSID Desa Aro"), kw.pop("role", "operator"),
        kabupaten="15.04", villages=kw.pop("villages", [ARO]), programs=kw.pop("programs", []),
        expires_at=kw.pop("expires_at", None), now=NOW)
    db.session.commit()
    return client, token


def me(client, token):
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


def token_pair(client, user) -> dict:
    return client.post("/api/v1/auth/token", json={"username": user.username,
                                                   "password": PASSWORD}).get_json()


def assert_login_ended(client, pair):
    """Neither the access token nor the refresh token of the pair works any more."""
    assert me(client, pair["access_token"]).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
                       ).status_code == 422


def test_client_token_is_stored_hashed_and_acts_as_its_role(client, db, make_user):
    from slrt.api.models import ApiClient
    from slrt.api.services import hash_token

    api_client, token = _client(make_user, db)
    row = db.session.scalar(select(ApiClient))
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    body = me(client, token).get_json()
    assert body == {"username": "api-opensid-desa-aro", "role": "operator",
                    "villages": [ARO], "programs": [], "client": "OpenSID Desa Aro"}
    # its account opens no web session: no password matches
    resp = client.post("/masuk", data={"username": "api-opensid-desa-aro", "password": "!"})
    assert resp.status_code != 302


def test_expired_revoked_and_rotated_tokens_are_refused(client, db, make_user):
    from slrt.api import services

    api_client, token = _client(make_user, db)
    admin = make_user("admin")
    new = services.rotate_client(admin, api_client, now=NOW)
    db.session.commit()
    old = me(client, token)
    assert old.status_code == 401
    assert old.headers["Content-Type"] == "application/problem+json"
    assert old.headers["WWW-Authenticate"].startswith("Bearer")
    assert me(client, new).status_code == 200
    services.revoke_client(admin, api_client, now=NOW)
    db.session.commit()
    assert me(client, new).status_code == 401
    _, expiring = _client(make_user, db, name="Dasbor Dinsos", role="supervisor", villages=[],
                          expires_at=NOW + timedelta(days=1))
    assert me(client, expiring).status_code == 401  # NOW + 1 day is long past in real time


def test_no_admin_client_and_no_bad_name(db, make_user):
    import pytest

    from slrt.api import services
    from slrt.common.errors import DomainError

    admin = make_user("admin")
    for name, role, field in (("Sistem Admin", "admin", "role"), ("x", "operator", "name"),
                              ("OpenSID <script>", "operator", "name")):
        with pytest.raises(DomainError) as e:
            services.create_client(admin, name, role, kabupaten="15.04", villages=[ARO],
                                   programs=[], expires_at=None, now=NOW)
        assert e.value.field == field


def test_personal_token_login_refresh_logout(client, db, make_user):
    user = make_user("fasilitator", username="rahmat.fasilitator")
    resp = client.post("/api/v1/auth/token", json={"username": "Rahmat.Fasilitator",
                                                   "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    pair = resp.get_json()
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 900
    assert me(client, pair["access_token"]).get_json()["username"] == "rahmat.fasilitator"
    renewed = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert renewed.status_code == 200
    new = renewed.get_json()
    assert me(client, pair["access_token"]).status_code == 401  # the old pair is used up
    # a refresh token used twice (a stolen copy) ends the whole login
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert replay.status_code == 422
    assert replay.get_json()["errors"][0]["field"] == "refresh_token"
    assert me(client, new["access_token"]).status_code == 401
    again = token_pair(client, user)
    out = client.post("/api/v1/auth/logout",
                      headers={"Authorization": f"Bearer {again['access_token']}"})
    assert out.status_code == 204
    assert_login_ended(client, again)


def test_session_version_ends_personal_tokens(client, db, make_user):
    user = make_user("operator")
    pair = token_pair(client, user)
    assert me(client, pair["access_token"]).status_code == 200
    user.end_sessions()  # a password change, a change of access, an admin's reset
    db.session.commit()
    assert_login_ended(client, pair)


def test_wrong_password_is_counted_and_admin_gets_no_token(client, db, make_user):
    from slrt.auth.models import LoginFailure

    user = make_user("operator")
    resp = client.post("/api/v1/auth/token", json={"username": user.username,
                                                   "password": "salah-sandi"})
    assert resp.status_code == 401
    assert resp.get_json()["detail"] == "Nama pengguna atau kata sandi salah."
    assert db.session.scalar(select(LoginFailure.username)) == user.username
    admin = make_user("admin")
    refused = client.post("/api/v1/auth/token", json={"username": admin.username,
                                                      "password": PASSWORD})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "username"


def test_throttle_per_client(app, client, db, make_user):
    app.config["SLRT_API_RATE_LIMIT"] = "3/minute"
    _, token = _client(make_user, db)
    _, other = _client(make_user, db, name="OpenSID Desa Olak", villages=["15.04.03.2011"])
    codes = [me(client, token).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = me(client, token)
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.get_json()["status"] == 429
    assert me(client, other).status_code == 200  # another client has its own window
