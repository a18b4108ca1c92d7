"""Scope for every operation that names an object, enumerated from the
OpenAPI document: a desk of another village and a handler of another program
get a 404 for every method, whatever the body. A new endpoint with an id in
its path is covered by being documented."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.factories import ARO, NOW, OLAK, build_nik


@pytest.fixture
def setting(app, client, db, make_user, register):
    """A case of Desa Olak referred to disaster logistics, and the tokens of
    Aro's village system and of the PKH handlers' application."""
    from slrt.api import services
    from slrt.api.core import public_id
    from slrt.proposals import services as proposals
    from slrt.referrals import services as referrals

    admin = make_user("admin")
    olak_op = make_user("operator", villages=[OLAK])
    case = register(olak_op, village=OLAK, category="korban_bencana", name="Ahmad Yani")
    referral = referrals.refer(olak_op, case, ["BENCANA_LOG"], "Mohon segera.", now=NOW)[0]
    proposal = proposals.create_proposal(
        olak_op, kind="baru", village_code=OLAK, now=NOW, name="Ahmad Yani",
        nik=build_nik("15.04.03", date(1980, 4, 2), "L", 77))
    tokens = {}
    for name, role, villages, programs in (("OpenSID Desa Aro", "operator", [ARO], []),
                                           ("Aplikasi PKH", "handler", [], ["PKH"])):
        _, token = services.create_client(admin, name, role, kabupaten="15.04",
                                          villages=villages, programs=programs,
                                          expires_at=None, now=NOW)
        tokens[name] = {"Authorization": f"Bearer {token}"}
    db.session.commit()
    with app.test_request_context():
        refs = {"case_ref": public_id("case", case.id),
                "referral_ref": public_id("referral", referral.id),
                "proposal_ref": public_id("proposal", proposal.id)}
        # ids of objects that do not exist: a refusal must not tell them apart
        missing = {name: public_id(name.removesuffix("_ref"), 10**9) for name in refs}
    return refs, missing, tokens


BODIES = {"notes": {"text": "Dicek."}, "close": {"outcome": "informasi", "version": 1},
          "referrals": {"programs": ["BENCANA_LOG"], "reason": "Mohon."},
          "moves": {"action": "terima", "version": 1},
          "visits": {"outcome": "bertemu", "visited_at": "2026-11-27T09:00:00+07:00"}}


def test_objects_outside_the_scope_are_404_for_every_operation(client, setting):
    """Another village's or program's object is 404, like one that does not exist;
    a role that may not take the operation at all (a program's client and the
    proposals) is 403 whether the object exists or not: no answer tells them apart."""
    refs, missing, tokens = setting
    spec = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for path, ops in spec["paths"].items():
        names = re.findall(r"\{([^}]+)\}", path)
        if not names:
            continue
        url = path
        for name in names:
            url = url.replace("{" + name + "}", refs[name])
        for method in ops:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            body = BODIES.get(path.rsplit("/", 1)[-1]) if method != "get" else None
            absent = path
            for name in names:
                absent = absent.replace("{" + name + "}", missing[name])
            for who, headers in tokens.items():
                resp = client.open(url, method=method.upper(), headers=headers, json=body)
                assert resp.status_code in (403, 404), (who, method, path, resp.status_code)
                assert resp.headers["Content-Type"] == "application/problem+json"
                if resp.status_code == 403:
                    assert who == "Aplikasi PKH" and "proposal" in path, (who, path)
                none = client.open(absent, method=method.upper(), headers=headers, json=body)
                assert none.status_code == resp.status_code, (who, method, path)
                checked += 1
    assert checked >= 12
