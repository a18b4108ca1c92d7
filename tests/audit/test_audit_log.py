"""The audit log: append-only, written for logins, views, changes, exports and refusals;
the UU PDP Art. 32 report for a NIK."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select, text

from slrt.audit.models import AuditEntry
from tests.factories import ARO, OLAK, PASSWORD, build_nik
from tests.http import csrf_from, login, post


def entries(db, **where):
    db.session.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(AuditEntry, k) == v)
    return list(db.session.scalars(stmt))


def test_audit_log_is_append_only(db, make_user, client):
    from sqlalchemy.exc import DBAPIError

    login(client, make_user("operator"))
    assert entries(db, action="login")
    for stmt in ("UPDATE audit_log SET outcome = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(stmt))
        db.session.rollback()


def test_logins_failures_views_changes_and_logout_are_logged(db, make_user, register, client):
    op = make_user("operator", villages=[ARO], username="rina")
    page = client.get("/masuk")
    client.post("/masuk", data={"username": "rina", "password": "salah-sandi-99",
                                "csrf_token": csrf_from(page.text)})
    failed = entries(db, action="login_gagal")
    assert failed[-1].detail["username"] == "rina" and failed[-1].outcome == "gagal"
    assert "salah-sandi-99" not in str(failed[-1].detail)  # never the password
    login(client, op)
    case = register(op, nik=build_nik("15.04.03", date(1977, 7, 7), "L", 1), name="Hasan")
    client.get(f"/kasus/{case.id}")
    viewed = entries(db, action="lihat_kasus")[-1]
    assert (viewed.object_id, viewed.person_id, viewed.actor_name, viewed.role) == \
        (case.id, case.beneficiary_id, "rina", "operator")
    post(client, f"/kasus/{case.id}/catatan", {"text": "Sudah ditelepon."})
    change = entries(db, action="ubah")[-1]
    assert change.detail["objek"] == f"Kasus {case.number}" and change.person_id == \
        case.beneficiary_id
    assert change.outcome == "ok" and "endpoint" not in change.detail
    post(client, "/keluar", {})
    assert entries(db, action="logout")[-1].actor_name == "rina"


def test_nik_lookup_is_logged_with_a_masked_nik(db, make_user, make_registry, client):
    login(client, make_user("operator", villages=[ARO]))
    rec = make_registry("Siti Aminah", sex="P", birth=date(1969, 4, 12))
    post(client, "/dtks/cek", {"q": rec.nik})
    entry = entries(db, action="lihat_orang")[-1]
    assert entry.object_id == rec.id and entry.detail["nik"] == f"{rec.nik[:6]}******{rec.nik[-4:]}"
    rows = db.session.execute(text("SELECT detail FROM audit_log")).scalars().all()
    assert not any(rec.nik in str(r) for r in rows)


def test_refusals_are_logged(db, make_user, register, client):
    other = make_user("operator", villages=[OLAK])
    case = register(other, village=OLAK, nik=build_nik("15.04.03", date(1970, 2, 2), "P", 1),
                    name="Warga Olak")
    login(client, make_user("operator", villages=[ARO], username="rina"))
    assert client.get(f"/kasus/{case.id}").status_code == 404
    assert client.get("/admin/pengguna").status_code == 403
    refused = entries(db, action="ditolak")
    assert [e.outcome for e in refused[-2:]] == ["404", "403"]
    assert refused[-2].detail["path"] == f"/kasus/{case.id}"


def test_exports_are_logged(db, make_user, client):
    login(client, make_user("operator", villages=[ARO]))
    client.get("/usulan/ekspor?format=csv")
    entry = entries(db, action="ekspor")[-1]
    assert entry.detail["format"] == "csv" and entry.detail["jumlah"] == 0


def test_pdp_report_lists_the_data_and_everyone_who_touched_it(db, make_user, register,
                                                                make_registry, app):
    rec = make_registry("Rosmawati", sex="P", birth=date(1982, 2, 7))
    op = make_user("operator", villages=[ARO], username="rina")
    fas = make_user("fasilitator", villages=[ARO], username="hendra")
    desk = app.test_client()
    login(desk, op)
    case = register(op, nik=rec.nik, name="Rosmawati")
    desk.get(f"/kasus/{case.id}")
    field = app.test_client()
    login(field, fas)
    post(field, "/dtks/cek", {"q": rec.nik})
    sup = app.test_client()
    login(sup, make_user("supervisor"))
    bad = post(sup, "/audit/pdp", {"nik": "123"})
    assert bad.status_code == 422  # told beside the field, as typed
    assert re.search(r'<p class="error" id="nik-err">[^<]*16 angka', bad.text)
    assert 'value="123"' in bad.text
    ugly = post(sup, "/audit/pdp", {"nik": "123<b>"})
    assert ugly.status_code == 422 and "123<b>" not in ugly.text
    assert 'value="123&lt;b&gt;"' in ugly.text and "tanda &#34;&lt;&#34;" in ugly.text
    page = post(sup, "/audit/pdp", {"nik": rec.nik}).text
    assert "Rosmawati" in page and case.number in page and rec.registry_id in page
    assert "rina" in page and "hendra" in page
    assert entries(db, action="laporan_pdp")[-1].detail["baris"] >= 2
    listing = sup.get("/audit?pengguna=hendra").text
    assert "hendra" in listing and "rina" not in listing.split("<tbody>")[1]


def test_a_registration_is_audited_with_its_case_and_person_in_one_transaction(
        db, make_user, client, monkeypatch):
    """The complaint form writes its own entry before its commit: it names the
    case and the person (so the UU PDP report lists who registered them), a
    refused form writes none, and when the commit fails neither the case nor
    the entry is saved."""
    from slrt.cases.models import Case

    login(client, make_user("operator", villages=[ARO], username="rina"))
    form = {"step": "simpan", "village_code": ARO, "category_code": "pbi_tidak_aktif",
            "channel": "datang_langsung", "urgency": "biasa", "reporter_is_beneficiary": "ya",
            "description": "KIS ditolak di puskesmas.", "name": "Nurhayati Siregar",
            "nik": build_nik("15.04.03", date(1975, 6, 30), "P", 44)}
    refused = post(client, "/kasus/baru", {**form, "description": ""})
    assert refused.status_code == 422
    assert not [e for e in entries(db, action="ubah")
                if e.detail.get("rincian") == "Pengaduan dicatat"]

    assert post(client, "/kasus/baru", form).status_code == 302
    case = db.session.scalars(select(Case)).one()
    [entry] = [e for e in entries(db, action="ubah")
               if e.detail.get("rincian") == "Pengaduan dicatat"]
    assert (entry.object_type, entry.object_id, entry.person_id) == (
        "case", case.id, case.beneficiary_id)
    assert entry.actor_name == "rina" and entry.detail["objek"] == f"Kasus {case.number}"

    from sqlalchemy.orm import Session

    def failing_commit(self):
        raise RuntimeError("disk penuh")

    second = {**form, "nik": build_nik("15.04.03", date(1980, 1, 2), "L", 45),
              "name": "Rahmat Hidayat", "csrf_token": csrf_from(client.get("/kasus/baru").text)}
    tried = []
    monkeypatch.setattr(Session, "commit", lambda self: tried.append(1) or failing_commit(self))
    with pytest.raises(RuntimeError, match="disk penuh"):
        client.post("/kasus/baru", data=second)
    monkeypatch.undo()
    assert tried == [1]  # the registration's one commit, with the case and its entry
    db.session.rollback()
    assert db.session.scalar(select(func.count(Case.id))) == 1
    assert len([e for e in entries(db, action="ubah")
                if e.detail.get("rincian") == "Pengaduan dicatat"]) == 1


def test_only_the_supervisor_reads_the_audit_log(make_user, app):
    for role in ("operator", "fasilitator", "handler", "admin"):
        client = app.test_client()
        login(client, make_user(role))
        assert client.get("/audit").status_code == 403
    client = app.test_client()
    login(client, make_user("supervisor"))
    assert client.get("/audit").status_code == 200
    assert PASSWORD not in client.get("/audit").text
