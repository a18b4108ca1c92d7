"""A refused proposal says nothing about another village's proposals or registry records."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from slrt.common.errors import DomainError
from slrt.proposals import services
from tests.factories import ARO, OLAK, build_nik
from tests.http import login, post

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def test_duplicate_in_another_village_is_refused_without_naming_it(make_user, db, client):
    olak = make_user("operator", villages=[OLAK], full_name="Yusnidar")
    aro = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    nik = build_nik("15.04.03", date(1982, 2, 7), "P", 41)
    theirs = services.create_proposal(olak, kind="baru", village_code=OLAK, now=NOW,
                                      name="Rosmawati", nik=nik, note="Janda, tinggal di kebun")
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        services.create_proposal(aro, kind="baru", village_code=ARO, now=NOW, name="Rosmawati",
                                 nik=nik)
    db.session.rollback()
    message = refused.value.message
    assert "Sudah ada usulan" in message
    assert theirs.number not in message and theirs.status_label not in message
    assert "Olak" not in message
    # the web form says the same, next to the NIK field, and keeps what was typed
    login(client, aro)
    page = post(client, "/usulan/baru", {"kind": "baru", "village_code": ARO,
                                         "name": "Rosmawati", "nik": nik}, "/usulan/baru")
    assert page.status_code == 422
    assert "Sudah ada usulan" in page.text and theirs.number not in page.text
    assert 'value="Rosmawati"' in page.text
    # inside one's own scope the number still helps the desk find it
    with pytest.raises(DomainError, match=theirs.number):
        services.create_proposal(olak, kind="baru", village_code=OLAK, now=NOW,
                                 name="Rosmawati", nik=nik)


def test_active_registry_record_of_another_village_is_not_named(make_user, make_registry):
    aro = make_user("operator", villages=[ARO])
    rec = make_registry("Hasan Basri", village=OLAK, registry_id="DTKS-OLAK-77001")
    with pytest.raises(DomainError) as refused:
        services.create_proposal(aro, kind="baru", village_code=ARO, now=NOW,
                                 name="Hasan Basri", nik=rec.nik)
    assert "sudah terdaftar aktif" in refused.value.message
    assert rec.registry_id not in refused.value.message


def test_a_moved_report_does_not_name_another_village_deactivation(make_user, make_registry, db):
    """The same NIK listed twice (data ganda), in Olak and in Aro: Olak's open
    deactivation proposal is not attached to, nor named in, Aro's report."""
    olak = make_user("operator", villages=[OLAK])
    aro = make_user("fasilitator", villages=[ARO])
    nik = build_nik("15.04.03", date(1950, 5, 5), "L", 77)
    theirs_rec = make_registry("Abdul Karim", village=OLAK, nik=nik)
    ours = make_registry("Abdul Karim", village=ARO, nik=nik)
    theirs = services.create_proposal(olak, kind="nonaktif", village_code=OLAK, now=NOW,
                                      record=theirs_rec, reason_code="ganda")
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        services.report_stale(aro, ours, "pindah", "Pindah ke Muara Tembesi", now=NOW,
                              confirmed=True)
    assert "Sudah ada usulan penonaktifan" in refused.value.message
    assert theirs.number not in refused.value.message
