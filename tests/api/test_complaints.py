"""The complaints resource through the test client: a village system's token,
the desk's rules, the audit entry with the client's name, idempotency."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import ARO, NOW, OLAK, build_nik


@pytest.fixture
def client_token(app, db, make_user):
    """A token of OpenSID Desa Aro, acting as Aro's operator."""
    from slrt.api import services

    admin = make_user("admin")
    _, token = services.create_client(admin, "OpenSID Desa Aro", "operator", kabupaten="15.04",
                                      villages=[ARO], programs=[], expires_at=None, now=NOW)
    db.session.commit()
    return token


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


COMPLAINT = {"village_code": ARO, "category_code": "pbi_tidak_aktif",
             "description": "KIS tidak aktif saat berobat ke puskesmas.",
             "name": "Siti Aminah", "nik": build_nik("15.04.03", date(1975, 6, 14), "P", 101),
             "channel": "laporan_desa"}


def test_register_read_and_audit_name_the_client(client, client_token, db, make_registry):
    from slrt.audit.models import AuditEntry

    make_registry("Siti Aminah", sex="P", nik=COMPLAINT["nik"])
    resp = client.post("/api/v1/complaints", json=COMPLAINT, headers=bearer(client_token))
    assert resp.status_code == 201, resp.text
    body = resp.get_json()
    assert body["number"].startswith("BH-")
    assert body["status"] == "terbuka"
    assert body["registry_checks"][0]["found"] is True
    got = client.get(f"/api/v1/complaints/{body['id']}", headers=bearer(client_token))
    assert got.status_code == 200
    assert got.get_json()["number"] == body["number"]
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert any(e.detail.get("klien") == "OpenSID Desa Aro" and e.action == "ubah"
               for e in entries)
    assert any(e.detail.get("klien") == "OpenSID Desa Aro" and e.action == "lihat_kasus"
               for e in entries)


def test_idempotency_key_replays_the_first_answer(client, client_token, db):
    from slrt.cases.models import Case

    headers = {**bearer(client_token), "Idempotency-Key": "opensid-aduan-2026-0042"}
    first = client.post("/api/v1/complaints", json=COMPLAINT, headers=headers)
    again = client.post("/api/v1/complaints", json=COMPLAINT, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    other = client.post("/api/v1/complaints", json={**COMPLAINT, "description": "Lain."},
                        headers=headers)
    assert other.status_code == 422
    assert other.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_another_village_is_refused_and_its_case_is_404(client, client_token, register,
                                                        make_user):
    resp = client.post("/api/v1/complaints", json={**COMPLAINT, "village_code": OLAK},
                       headers=bearer(client_token))
    assert resp.status_code == 422
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    assert resp.get_json()["errors"][0]["field"] == "village_code"
    olak_case = register(make_user("operator", villages=[OLAK]), village=OLAK)
    from slrt.api.core import public_id

    with client.application.test_request_context():
        ref = public_id("case", olak_case.id)
    assert client.get(f"/api/v1/complaints/{ref}", headers=bearer(client_token)
                      ).status_code == 404
    assert client.post(f"/api/v1/complaints/{ref}/notes", json={"text": "Dicek."},
                       headers=bearer(client_token)).status_code == 404


def test_list_note_close_with_version(client, client_token, register, make_user):
    aro_op = make_user("operator", villages=[ARO])
    cases = [register(aro_op, name=f"Warga Aro {i}", category=c) for i, c in
             enumerate(["pbi_tidak_aktif", "bansos_tidak_diterima", "surat_kip"])]
    page = client.get("/api/v1/complaints?limit=2", headers=bearer(client_token)).get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(f"/api/v1/complaints?limit=2&cursor={page['next_cursor']}",
                      headers=bearer(client_token)).get_json()
    assert [c["number"] for c in rest["items"]] == [cases[0].number]
    ref = page["items"][0]["id"]
    note = client.post(f"/api/v1/complaints/{ref}/notes", json={"text": "Warga dihubungi."},
                       headers=bearer(client_token))
    assert note.status_code == 201
    stale = client.post(f"/api/v1/complaints/{ref}/close",
                        json={"outcome": "informasi", "version": 99},
                        headers=bearer(client_token))
    assert stale.status_code == 409
    current = stale.get_json()["current"]
    closed = client.post(f"/api/v1/complaints/{ref}/close",
                         json={"outcome": "informasi", "version": current["version"]},
                         headers=bearer(client_token))
    assert closed.status_code == 200, closed.text
    assert closed.get_json()["status"] == "selesai"


def test_every_call_is_audited_and_never_cached(client, client_token, db, register, make_user):
    from slrt.api.core import public_id
    from slrt.audit.models import AuditEntry

    listed = client.get("/api/v1/complaints", headers=bearer(client_token))
    assert listed.headers["Cache-Control"] == "no-store"
    olak_case = register(make_user("operator", villages=[OLAK]), village=OLAK)
    with client.application.test_request_context():
        ref = public_id("case", olak_case.id)
    assert client.get(f"/api/v1/complaints/{ref}", headers=bearer(client_token)
                      ).status_code == 404
    db.session.rollback()  # end the test's own read snapshot: see what the calls wrote
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.actor_name == "api-opensid-desa-aro").order_by(AuditEntry.id)).all()
    assert [(e.action, e.outcome) for e in entries] == [("api", "ok"), ("ditolak", "404")]
    assert all(e.detail["klien"] == "OpenSID Desa Aro" for e in entries)
    assert entries[1].detail["api"] == f"GET /api/v1/complaints/{ref}"


def test_a_complaint_and_its_audit_entry_are_kept_together(client, client_token, db,
                                                           monkeypatch):
    """One unit of work per call, as for the pages: when the audit entry
    cannot be written, the complaint is not kept either."""
    from slrt.audit import services as audit_services
    from slrt.cases.models import Case

    def broken(row):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(audit_services, "_insert", broken)
    resp = client.post("/api/v1/complaints", json=COMPLAINT, headers=bearer(client_token))
    assert resp.status_code == 500
    assert resp.headers["Content-Type"] == "application/problem+json"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
