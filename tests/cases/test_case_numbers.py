"""Case numbers: taken as the registration's last write, unique and without gaps
on SQLite and PostgreSQL alike, even when a registration fails after its case
row was written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from slrt.cases.models import Case
from slrt.cases.signals import case_registered
from slrt.extensions import db as _db
from tests.database import statements
from tests.factories import ARO, build_nik
from tests.http import login, post


def _form(name: str, nik: str) -> dict:
    return {"step": "simpan", "village_code": ARO, "category_code": "pbi_tidak_aktif",
            "channel": "datang_langsung", "urgency": "biasa", "reporter_is_beneficiary": "ya",
            "description": "KIS ditolak di puskesmas, katanya tidak aktif.", "name": name,
            "nik": nik}


def _numbers(db) -> list[str]:
    db.session.rollback()  # end the test's own read snapshot: see what the requests wrote
    return db.session.scalars(select(Case.number).order_by(Case.id)).all()


def _sequence(number: str) -> tuple[str, int]:
    head, _sep, seq = number.rpartition("-")
    return head, int(seq)


@pytest.fixture
def desk(client, make_user):
    user = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    login(client, user)
    return user


def test_a_registration_whose_audit_entry_fails_consumes_no_number(db, client, desk, app,
                                                                    monkeypatch):
    """The audit entry is written after the number is taken, right before the
    commit: when it fails, the counter goes back with the case."""
    from slrt.audit import services as audit_services

    first = post(client, "/kasus/baru", _form("Sumiati", build_nik("15.04.03", date(1961, 10, 2),
                                                                   "P", 6)))
    assert first.status_code == 302, first.text
    real_insert = audit_services._insert

    def broken(row):
        if row["action"] == "ubah":
            raise RuntimeError("audit_log tidak dapat ditulis")
        real_insert(row)

    monkeypatch.setattr(audit_services, "_insert", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answered as the server would: a 500 page
    failed = post(client, "/kasus/baru", _form("Rahmat Hidayat",
                                               build_nik("15.04.03", date(1975, 3, 14), "L", 2)))
    assert failed.status_code == 500
    monkeypatch.setattr(audit_services, "_insert", real_insert)
    again = post(client, "/kasus/baru", _form("Rahmat Hidayat",
                                              build_nik("15.04.03", date(1975, 3, 14), "L", 2)))
    assert again.status_code == 302, again.text
    numbers = _numbers(db)
    assert len(numbers) == 2
    (month_1, seq_1), (month_2, seq_2) = map(_sequence, numbers)
    assert month_2 == month_1 and seq_2 == seq_1 + 1, numbers


def test_a_registration_failing_after_its_case_row_consumes_no_number(db, make_user, register):
    """The status code is issued after the case row is written (once, before
    this change, after the number was taken): a failure there keeps no number."""
    op = make_user("operator")

    def status_page_down(sender, **kw):
        raise RuntimeError("kode cek status tidak dapat dibuat")

    first = register(op, nik=build_nik("15.04.03", date(1980, 1, 1), "L", 1), name="Warga Satu")
    db.session.commit()
    case_registered.connect(status_page_down)
    try:
        with pytest.raises(RuntimeError):
            register(op, nik=build_nik("15.04.03", date(1980, 1, 2), "L", 1), name="Warga Dua")
    finally:
        case_registered.disconnect(status_page_down)
    db.session.rollback()
    second = register(op, nik=build_nik("15.04.03", date(1980, 1, 2), "L", 1), name="Warga Dua")
    db.session.commit()
    assert [first.number, second.number] == ["BH-2611-0001", "BH-2611-0002"]
    assert _numbers(db) == ["BH-2611-0001", "BH-2611-0002"]


def test_the_number_is_the_last_write_of_the_registration(db, make_user, register, now):
    """From the counter's UPDATE to the commit its row is locked for every
    registration of the month: only the number's own write may follow it."""
    op = make_user("operator")
    register(op, nik=build_nik("15.04.03", date(1980, 1, 1), "L", 1), name="Warga Satu")
    db.session.commit()
    with statements(_db.engine) as seen:
        case = register(op, nik=build_nik("15.04.03", date(1982, 7, 9), "P", 4),
                        name="Nurhayati")
    said = [" ".join(s.split()).lower() for s, _params in seen]
    writes = [s for s in said if s.startswith(("insert", "update", "delete"))]
    assert writes[-2].startswith("insert into sequences"), writes
    assert writes[-1].startswith("update cases set number"), writes
    assert case.number == "BH-2611-0002"
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalars(select(Case.number).order_by(Case.id)).all()
    assert stored == ["BH-2611-0001", "BH-2611-0002"]  # no placeholder left behind
    # the number's write keeps the registration's time, not the clock's
    row = db.session.get(Case, case.id)
    assert row.updated_at == row.created_at == now
