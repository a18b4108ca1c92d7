"""The admin's user form: e-mail addresses are checked, never a server error."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from slrt.auth.models import User
from slrt.common.errors import DomainError
from tests.factories import ARO
from tests.http import csrf_from, login


@pytest.fixture
def admin_client(app, make_user):
    admin = make_user("admin", full_name="Dewi Lestari")
    client = app.test_client()
    login(client, admin)
    return client


def _new_user(client, **fields):
    page = client.get("/admin/pengguna/baru")
    data = {"username": "op-aro2", "full_name": "Rahmat Hidayat", "role": "operator",
            "villages": ARO, "password": "kebun-karet-di-aro-2026", "phone": "",
            "csrf_token": csrf_from(page.text)}
    return client.post("/admin/pengguna/baru", data={**data, **fields})


def test_a_user_with_a_valid_address_is_saved(admin_client, db):
    resp = _new_user(admin_client, email="Rahmat.Hidayat@Dinsos.BatangHariKab.go.id")
    assert resp.status_code == 302, resp.text
    user = db.session.scalars(select(User).where(User.username == "op-aro2")).one()
    assert user.email == "Rahmat.Hidayat@dinsos.batangharikab.go.id"


def test_an_invalid_address_gets_a_message_next_to_the_field(admin_client, db):
    resp = _new_user(admin_client, email="rahmat.hidayat@@dinsos")
    assert resp.status_code == 422
    html = resp.text
    field = html[html.index('id="email"') - 400:html.index('id="email"') + 400]
    assert "Alamat e-mail tidak sah." in field
    assert 'value="rahmat.hidayat@@dinsos"' in html  # what was typed stays
    assert db.session.scalar(select(User.id).where(User.username == "op-aro2")) is None


def test_editing_a_user_checks_the_address_too(admin_client, make_user, db):
    op = make_user("operator", full_name="Sri Wahyuni")
    page = admin_client.get(f"/admin/pengguna/{op.id}")
    data = {"username": op.username, "full_name": "Sri Wahyuni", "role": "operator",
            "villages": ARO, "email": "sri.wahyuni@gmail.com", "is_active": "y",
            "csrf_token": csrf_from(page.text)}
    ok = admin_client.post(f"/admin/pengguna/{op.id}", data=data)
    assert ok.status_code == 302, ok.text
    db.session.expire_all()
    assert db.session.get(User, op.id).email == "sri.wahyuni@gmail.com"
    bad = admin_client.post(f"/admin/pengguna/{op.id}", data={**data, "email": "sri wahyuni"})
    assert bad.status_code == 422 and "Alamat e-mail tidak sah." in bad.text


def test_the_service_refuses_an_invalid_address_for_every_door(make_user):
    with pytest.raises(DomainError) as e:
        make_user("operator", email="bukan-alamat")
    assert e.value.field == "email"


@pytest.mark.parametrize("common", ["sunshine1", "football", "trustno1", "Princess"])
def test_common_passwords_from_the_leaked_lists_are_refused(admin_client, db, common):
    resp = _new_user(admin_client, password=common, email="")
    assert resp.status_code == 422
    assert "Kata sandi ini terlalu umum dan mudah ditebak" in resp.text
    assert db.session.scalar(select(User.id).where(User.username == "op-aro2")) is None


def test_the_list_is_the_long_one_and_a_passphrase_still_passes():
    from slrt.auth.services import check_password_policy, common_passwords

    assert len(common_passwords()) > 20000
    for word in ("starwars", "baseball", "password123", "bismillah"):
        with pytest.raises(DomainError) as e:
            check_password_policy(word)
        assert e.value.field == "password"
    check_password_policy("sungai batanghari mengalir jauh")
