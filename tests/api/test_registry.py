"""Registry checks through the API: identifiers in the body, the desk's
evidence, the household within the caller's villages, every check audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from slrt.identity import mask_nik
from tests.factories import ARO, NOW, OLAK


@pytest.fixture
def token_for(db, make_user):
    from slrt.api import services

    admin = make_user("admin")
    counter = iter(range(1, 100))

    def make(role="operator", villages=(ARO,), programs=()):
        _, token = services.create_client(
            admin, f"Sistem {role} {next(counter)}", role, kabupaten="15.04",
            villages=list(villages), programs=list(programs), expires_at=None, now=NOW)
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def family(make_registry):
    kk = "1504030203160501"
    head = make_registry("Ahmad Yani", no_kk=kk)
    wife = make_registry("Siti Aminah", no_kk=kk, sex="P", birth=date(1980, 2, 3),
                         relationship="Istri")
    return kk, head, wife


def test_check_by_nik_gives_dated_evidence_and_household(client, token_for, family, db):
    from slrt.audit.models import AuditEntry

    kk, head, wife = family
    resp = client.post("/api/v1/registry/check", json={"nik": head.nik}, headers=token_for())
    assert resp.status_code == 200, resp.text
    body = resp.get_json()
    assert body["found"] is True and body["query_type"] == "nik"
    assert body["record"]["nik"] == mask_nik(head.nik) and body["record"]["period"] == "2022-07"
    assert body["latest_period"] == "2022-07" and body["checked_at"]
    assert {m["name"] for m in body["household"]} == {"Ahmad Yani", "Siti Aminah"}
    assert all(head.nik != m["nik_masked"] for m in body["household"])
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "lihat_orang")
                               ).one()
    assert entry.detail["klien"].startswith("Sistem operator")
    assert head.nik not in str(entry.detail)


def test_household_by_kk_only_within_the_villages(client, token_for, family):
    kk = family[0]
    mine = client.post("/api/v1/registry/household", json={"no_kk": kk}, headers=token_for())
    assert len(mine.get_json()["household"]) == 2
    other = client.post("/api/v1/registry/household", json={"no_kk": kk},
                        headers=token_for(villages=[OLAK]))
    assert other.status_code == 200
    assert other.get_json()["household"] == [] and other.get_json()["found"] is False


def test_not_found_and_invalid_identifiers(client, token_for):
    resp = client.post("/api/v1/registry/check", json={"nik": "1504031406759999"},
                       headers=token_for())
    assert resp.status_code == 200 and resp.get_json()["found"] is False
    bad = client.post("/api/v1/registry/check", json={"nik": "12345"}, headers=token_for())
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "nik"
    both = client.post("/api/v1/registry/check", json={"nik": "1", "no_kk": "2"},
                       headers=token_for())
    assert both.status_code == 422


def test_a_handler_has_no_registry_check(client, token_for, family):
    resp = client.post("/api/v1/registry/check", json={"nik": family[1].nik},
                       headers=token_for("handler", villages=(), programs=("BENCANA_LOG",)))
    assert resp.status_code == 403
    assert resp.headers["Content-Type"] == "application/problem+json"


def test_no_nik_in_a_url(client, token_for, family):
    assert client.get(f"/api/v1/registry/check?nik={family[1].nik}", headers=token_for()
                      ).status_code == 405
