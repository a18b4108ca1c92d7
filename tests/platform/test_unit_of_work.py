"""One commit per request: a change and its audit entry are kept together or
not at all, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from slrt.audit.models import AuditEntry
from slrt.cases.models import Case, CaseEvent
from tests.factories import ARO, build_nik
from tests.http import csrf_from, login, post

REGISTRATION = {
    "step": "simpan", "village_code": ARO, "category_code": "pbi_tidak_aktif",
    "channel": "datang_langsung", "urgency": "biasa", "reporter_is_beneficiary": "ya",
    "description": "KIS ditolak di puskesmas, katanya tidak aktif.", "name": "Sumiati",
    "nik": build_nik("15.04.03", date(1961, 10, 2), "P", 6),
}


@pytest.fixture
def desk(client, make_user):
    user = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    login(client, user)
    return user


@pytest.fixture
def audit_fails(monkeypatch, app):
    """The audit log cannot be written (a full disk, a dropped connection)."""
    from slrt.audit import services

    def broken(row):
        raise RuntimeError("audit_log tidak dapat ditulis")

    monkeypatch.setattr(services, "_insert", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answered as the server would: a 500 page


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_note_whose_audit_entry_fails_is_not_kept(db, client, desk, register, audit_fails):
    case = register(desk, nik=build_nik("15.04.03", date(1970, 1, 1), "L", 1), name="Rahmat")
    events = count(db, CaseEvent)
    resp = post(client, f"/kasus/{case.id}/catatan", {"text": "Sudah ditelepon ke BPJS."})
    assert resp.status_code == 500
    assert count(db, CaseEvent) == events
    assert db.session.scalars(select(AuditEntry.action)).all() == ["login"]


def test_a_registration_whose_audit_entry_fails_leaves_no_case(db, client, desk, audit_fails):
    resp = post(client, "/kasus/baru", REGISTRATION)
    assert resp.status_code == 500
    assert count(db, Case) == 0
    assert count(db, CaseEvent) == 0


def test_a_change_and_its_entry_are_committed_together(db, client, desk, register):
    case = register(desk, nik=build_nik("15.04.03", date(1970, 1, 1), "L", 1), name="Rahmat")
    resp = post(client, f"/kasus/{case.id}/catatan", {"text": "Sudah ditelepon ke BPJS."})
    assert resp.status_code == 302
    db.session.expire_all()
    notes = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "catatan")).all()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "ubah")).all()
    assert len(notes) == 1 and len(entries) == 1
    assert entries[0].object_id == case.id


def test_a_refused_form_keeps_nothing_it_did(db, client, desk):
    bad = {**REGISTRATION, "description": "", "nik": "1504034210610006"}
    resp = post(client, "/kasus/baru", bad)
    assert resp.status_code == 422
    assert count(db, Case) == 0


def test_a_page_view_is_audited_after_it_rendered(db, client, desk, register):
    case = register(desk, nik=build_nik("15.04.03", date(1970, 1, 1), "L", 1), name="Rahmat")
    assert client.get(f"/kasus/{case.id}").status_code == 200
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "lihat_kasus")).one()
    assert entry.object_id == case.id and entry.actor_id == desk.id


def test_a_failed_login_is_remembered_although_the_answer_is_422(db, client, make_user):
    from slrt.auth.models import LoginFailure

    user = make_user("operator", villages=[ARO])
    page = client.get("/masuk")
    resp = client.post("/masuk", data={"username": user.username, "password": "salah-sekali",
                                       "csrf_token": csrf_from(page.text)})
    assert resp.status_code == 422
    assert count(db, LoginFailure) == 1
    assert db.session.scalars(select(AuditEntry.action)).all() == ["login_gagal"]
