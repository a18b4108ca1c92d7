"""Role-by-route matrix: every role against every page, deny by default."""

from __future__ import annotations

from datetime import date

import pytest

from slrt.common.permissions import ACTIONS, can, endpoint_permissions
from tests.factories import ARO, OLAK, build_nik
from tests.http import login, post
from tests.security.matrix import (
    ADMIN,
    ALLOWED,
    DESK,
    EVERYONE,
    HANDLER,
    ROLES,
    STAFF,
    SUPERVISOR,
    _url,
)

# POST-only actions on a case, allowed to the roles that may see the case.
POST_ACTIONS = {
    "cases.add_note": DESK,
    "cases.close": DESK,
    "cases.recheck": DESK,
    "cases.add_complaint": DESK,
    "cases.reveal_nik": DESK,  # answers 200: the NIK
    "cases.attach": DESK,  # no file: 422, the message at the field
    "referrals.act": STAFF,
    "referrals.assign": HANDLER,
    "referrals.bulk": HANDLER,
    "proposals.report_stale": DESK,
    "proposals.reveal_nik": DESK,  # answers 200
    "dtks.import_action": SUPERVISOR,
    "reminders.mark_read": EVERYONE,
    "reminders.pause": STAFF,
    "reminders.resume": STAFF,
    "reminders.save_holidays": ADMIN,
    "reminders.save_unit_supervisors": ADMIN,
    "reminders.retry": ADMIN,
    "outreach.contact": DESK,
}
PUBLIC = {"auth.login", "auth.logout", "static", "main.health", "status_page.lookup",
          "field.shell", "field.service_worker", "field.manifest"}


def test_matrix_lists_every_endpoint(app):
    # The JSON API (bearer tokens, not sessions) is walked from its OpenAPI
    # document in tests/api (test_openapi.py, test_scope.py), its admin pages
    # of clients in tests/api/test_admin_clients.py.
    endpoints = {r.endpoint for r in app.url_map.iter_rules()
                 if not r.endpoint.startswith(("api.", "api_"))}
    assert endpoints == set(ALLOWED) | set(POST_ACTIONS) | PUBLIC


def _table_allows(app, user, endpoint) -> bool:
    """What the permission table says of the endpoint's guards (all must allow)."""
    return all(can(user, action) for action in endpoint_permissions(app, endpoint))


def test_every_endpoint_is_guarded_by_actions_of_the_table(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue  # bearer tokens: the services' can() checks, walked in tests/api/test_scope.py
        actions = endpoint_permissions(app, rule.endpoint)
        if rule.endpoint in PUBLIC:
            assert actions == [], rule.endpoint
            continue
        assert actions, f"{rule.endpoint} has no permission_required guard"
        assert set(actions) <= set(ACTIONS), (rule.endpoint, actions)


def test_table_agrees_with_the_matrix(app, make_user):
    """The matrix above is the statement of intent, written independently of
    the table: a wrong entry in either fails here."""
    users = {role: make_user(role) for role in ROLES}
    for endpoint, allowed in {**ALLOWED, **POST_ACTIONS}.items():
        by_table = {role for role in ROLES if _table_allows(app, users[role], endpoint)}
        assert by_table == allowed, endpoint


def test_every_action_of_the_table_guards_something(app):
    """An action nobody checks is a rule that does not hold: each is used by a
    guard, a service, a template or the menu (found by name in the code)."""
    from pathlib import Path

    root = Path(app.root_path).parent
    code = "\n".join(p.read_text(encoding="utf-8") for folder in ("slrt", "templates")
                     for p in (root / folder).rglob("*.*")
                     if p.suffix in (".py", ".html") and p.name != "permissions.py")
    unused = [a for a in ACTIONS if f'"{a}"' not in code]
    assert unused == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ALLOWED))
def test_get_pages_by_role(app, client, world, role, endpoint):
    users, case = world
    login(client, users[role])
    resp = client.get(_url(app, endpoint, case, users["operator"].id))
    assert _table_allows(app, users[role], endpoint) == (role in ALLOWED[endpoint])
    if role in ALLOWED[endpoint]:
        assert resp.status_code in (200, 302), resp.status_code
        if resp.status_code == 302:  # only the admin's home redirects, to the user list
            assert endpoint == "main.index" and role == "admin"
    elif endpoint == "main.index":
        assert resp.status_code == 302 and role == "admin"
    else:
        # the guard refuses a page of another role before anything is looked up
        assert resp.status_code == 403, (role, endpoint, resp.status_code)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(POST_ACTIONS))
def test_case_actions_by_role(app, client, world, role, endpoint, db):
    users, case = world
    login(client, users[role])
    resp = post(client, _url(app, endpoint, case, 0),
                {"text": "catatan", "outcome": "informasi", "description": "tambahan",
                 "channel": "telepon", "version": str(case.version), "action": "batalkan",
                 "reason": "uji", "bulk_action": "terima", "ids": [str(case.referral_id)],
                 "kind": "pindah", "result": "diterima"})
    assert _table_allows(app, users[role], endpoint) == (role in POST_ACTIONS[endpoint])
    if role in POST_ACTIONS[endpoint]:
        expected = (200,) if endpoint in ("cases.reveal_nik", "proposals.reveal_nik") \
            else (302, 422)
        assert resp.status_code in expected, (role, endpoint, resp.status_code)
    else:
        assert resp.status_code == 403, (role, endpoint, resp.status_code)


def test_operator_of_another_village_gets_404_not_403(client, make_user, world):
    _users, case = world
    login(client, make_user("operator", villages=[OLAK]))
    assert client.get(f"/kasus/{case.id}").status_code == 404


def test_fasilitator_sees_all_his_villages_only(client, make_user, register):
    fas = make_user("fasilitator", villages=[ARO, OLAK])
    op_aro = make_user("operator", villages=[ARO])
    op_olak = make_user("operator", villages=[OLAK])
    op_tenam = make_user("operator", villages=["15.04.03.2018"])
    mine = [register(op_aro, nik=build_nik("15.04.03", date(1970, 1, 5), "L", 1), name="A"),
            register(op_olak, village=OLAK, nik=build_nik("15.04.03", date(1970, 1, 6), "L", 1),
                     name="B")]
    other = register(op_tenam, village="15.04.03.2018",
                     nik=build_nik("15.04.03", date(1970, 1, 7), "L", 1), name="C")
    login(client, fas)
    html = client.get("/kasus").text
    assert all(c.number in html for c in mine) and other.number not in html


def test_supervisor_sees_every_village(client, make_user, register):
    op = make_user("operator", villages=[OLAK])
    case = register(op, village=OLAK, nik=build_nik("15.04.03", date(1970, 1, 8), "L", 1),
                    name="D")
    login(client, make_user("supervisor"))
    assert client.get(f"/kasus/{case.id}").status_code == 200


def test_extra_post_fields_cannot_move_a_case_out_of_scope(client, make_user, db):
    from sqlalchemy import select

    from slrt.cases.models import Case

    op = make_user("operator", villages=[ARO])
    login(client, op)
    resp = post(client, "/kasus/baru", {
        "step": "simpan", "village_code": OLAK, "category_code": "sktm",
        "channel": "datang_langsung", "urgency": "biasa", "reporter_is_beneficiary": "ya",
        "name": "Yanti", "description": "Minta SKTM", "status": "selesai", "role": "admin"})
    assert resp.status_code == 422
    assert db.session.scalar(select(Case.id)) is None
