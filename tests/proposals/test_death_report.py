"""Reporting a listed resident moved or died: chosen, explained, confirmed, and
withdrawable while the Musdes has not decided (UU PDP: accurate data)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from slrt.audit.models import AuditEntry
from slrt.common.errors import DomainError
from slrt.proposals import services
from slrt.proposals.models import Proposal, RegistryFlag
from tests.factories import ARO, OLAK, build_kk
from tests.http import csrf_from, login

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
KK = build_kk("15.04.03", date(2015, 4, 9), 812)


@pytest.fixture
def family(make_user, make_registry):
    return {
        "fas": make_user("fasilitator", villages=[ARO], full_name="Hendra Saputra"),
        "op": make_user("operator", villages=[ARO], full_name="Rina Marlina"),
        "sup": make_user("supervisor", full_name="Bambang Sutrisno"),
        "head": make_registry("Usman Harun", birth=date(1941, 3, 3), no_kk=KK),
        "wife": make_registry("Siti Maryam", birth=date(1946, 7, 21), sex="P", no_kk=KK,
                              relationship="Istri"),
    }


def _household(client, record):
    page = client.get("/dtks/cek")
    return client.post("/dtks/cek", data={"mode": "pilih", "record_id": record.id,
                                          "csrf_token": csrf_from(page.text)})


def _flags(db):
    db.session.expire_all()
    return db.session.scalars(select(RegistryFlag)).all()


def test_the_household_offers_no_preselected_report(client, family):
    login(client, family["fas"])
    page = _household(client, family["head"]).text
    assert "Usman Harun" in page and "Siti Maryam" in page
    assert 'value="meninggal"' not in page  # one press cannot report anyone dead
    assert "Laporkan pindah/meninggal" in page
    form = client.post("/dtks/cek", data={"mode": "lapor_form", "record_id": family["head"].id,
                                          "csrf_token": csrf_from(page)}).text
    assert "Saya yakin" in form and 'name="yakin"' in form
    assert re.search(r'name="kind" value="(pindah|meninggal)"[^>]*checked', form) is None


def test_one_press_without_choice_note_or_confirmation_flags_nothing(client, db, family):
    login(client, family["fas"])
    token = csrf_from(_household(client, family["head"]).text)
    base = {"mode": "lapor", "record_id": family["head"].id, "csrf_token": token}
    cases = [({}, "Pilih: pindah atau meninggal"),
             ({"kind": "meninggal"}, "Tuliskan keterangan"),
             ({"kind": "meninggal", "note": "Meninggal 2 Nov 2026, kata istrinya"}, "Saya yakin")]
    for extra, message in cases:
        resp = client.post("/dtks/cek", data={**base, **extra})
        assert resp.status_code == 422 and message in resp.text
        assert _flags(db) == [] and db.session.scalars(select(Proposal)).all() == []
    # what was typed is kept
    assert "Meninggal 2 Nov 2026, kata istrinya" in resp.text
    assert re.search(r'name="kind" value="meninggal"[^>]*checked', resp.text)
    # the old route enforces the same rules: the service does
    client.post(f"/usulan/dtks/{family['head'].id}/lapor",
                data={"kind": "meninggal", "note": "", "csrf_token": token})
    assert _flags(db) == []


def test_the_old_route_answers_a_refusal_with_the_form_as_typed(client, db, family):
    """/usulan/dtks/<id>/lapor refuses like Cek DTKS does: 422, the household and
    the report form, the message beside its field, the note kept (escaped)."""
    login(client, family["fas"])
    token = csrf_from(_household(client, family["head"]).text)
    note = "<script>alert('meninggal')</script> Kabar dari Kadus III, " + "sangat " * 400
    resp = client.post(f"/usulan/dtks/{family['head'].id}/lapor",
                       data={"note": note, "yakin": "1", "csrf_token": token})
    assert resp.status_code == 422
    assert re.search(r'<p class="error" id="kind-err">Pilih: pindah atau meninggal', resp.text)
    assert "<script>alert" not in resp.text
    typed = re.search(r'<textarea id="note" name="note"[^>]*>(.*?)</textarea>', resp.text,
                      re.S).group(1)
    assert typed == note.replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
    assert re.search(r'name="yakin" value="1"[^>]*checked', resp.text)
    assert "Siti Maryam" in resp.text  # the household is there to choose again
    # the form goes on at Cek DTKS, not at the old route
    assert f'action="/usulan/dtks/{family["head"].id}/lapor"' not in resp.text
    assert 'action="/dtks/cek#lapor"' in resp.text
    assert _flags(db) == [] and db.session.scalars(select(Proposal)).all() == []
    # without the confirmation: told at the checkbox, the choice kept
    resp = client.post(f"/usulan/dtks/{family['head'].id}/lapor",
                       data={"kind": "pindah", "note": "Pindah ke Kota Jambi, kata istrinya",
                             "csrf_token": token})
    assert resp.status_code == 422 and re.search(r'id="yakin-err">[^<]*Saya yakin', resp.text)
    assert re.search(r'name="kind" value="pindah"[^>]*checked', resp.text)
    assert "Pindah ke Kota Jambi, kata istrinya</textarea>" in resp.text
    assert _flags(db) == []


def test_service_refuses_without_note_or_confirmation(db, family):
    with pytest.raises(DomainError, match="keterangan"):
        services.report_stale(family["fas"], family["head"], "meninggal", "  ", now=NOW,
                              confirmed=True)
    with pytest.raises(DomainError, match="Saya yakin"):
        services.report_stale(family["fas"], family["head"], "meninggal", "Kata kadus",
                              now=NOW, confirmed=False)
    with pytest.raises(DomainError, match="Pilih"):
        services.report_stale(family["fas"], family["head"], "", "Kata kadus", now=NOW,
                              confirmed=True)
    db.session.rollback()
    assert _flags(db) == []


def test_report_shows_the_household_again_with_the_flag_then_withdraw(client, db, family):
    login(client, family["fas"])
    token = csrf_from(_household(client, family["head"]).text)
    done = client.post("/dtks/cek", data={
        "mode": "lapor", "record_id": family["head"].id, "kind": "meninggal",
        "note": "Meninggal 2 November 2026, keterangan kepala dusun", "yakin": "1",
        "csrf_token": token})
    assert done.status_code == 200
    flag = _flags(db)[0]
    assert flag.kind == "meninggal" and flag.proposal.status == "draf"
    assert "Siti Maryam" in done.text and "Dilaporkan meninggal" in done.text  # still there
    assert flag.proposal.number in done.text and "Cabut laporan" in done.text
    reported = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "lapor_data")).one()
    assert reported.object_id == family["head"].id and reported.outcome == "ok"
    # the same report twice is refused
    again = client.post("/dtks/cek", data={
        "mode": "lapor", "record_id": family["head"].id, "kind": "meninggal",
        "note": "dua kali", "yakin": "1", "csrf_token": token})
    assert again.status_code == 422 and "sudah dilaporkan" in again.text
    # the reporter withdraws it: flag gone from the card, proposal withdrawn, audited
    back = client.post("/dtks/cek", data={"mode": "cabut", "flag_id": flag.id,
                                          "alasan": "Salah orang: yang meninggal adiknya",
                                          "csrf_token": token})
    assert back.status_code == 200
    assert "Dilaporkan meninggal" not in back.text and "Usman Harun" in back.text
    flag = _flags(db)[0]
    assert flag.withdrawn_at is not None and flag.withdrawn_by_id == family["fas"].id
    assert flag.proposal.status == "dicabut"
    assert services.flags_of([family["head"].id]) == {}
    assert services.pending_for_musdes(ARO) == []
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "cabut_laporan")).one()
    assert "Salah orang" in entry.detail["rincian"] and flag.proposal.number in \
        entry.detail["rincian"]


def test_who_may_withdraw_and_until_when(db, family, make_user):
    flag = services.report_stale(family["fas"], family["head"], "pindah",
                                 "Pindah ke Kota Jambi ikut anak", now=NOW, confirmed=True)
    db.session.commit()
    assert not services.can_withdraw(family["op"], flag)  # another desk user of the village
    with pytest.raises(DomainError, match="pelapor atau supervisor"):
        services.withdraw_report(family["op"], flag, "", now=NOW)
    db.session.rollback()
    other_sup_scope = make_user("operator", villages=[OLAK])
    with pytest.raises(DomainError, match="wilayah"):
        services.withdraw_report(other_sup_scope, flag, "", now=NOW)
    db.session.rollback()
    # once the Musdes has decided, it is too late
    services.record_musdes(family["op"], village_code=ARO, held_on=date(2026, 11, 26),
                           place="Balai Desa Aro", attendees=21, minutes_number="3/BA/2026",
                           decisions={flag.proposal_id: ("disetujui", "")}, now=NOW)
    db.session.commit()
    assert not services.can_withdraw(family["sup"], flag)
    with pytest.raises(DomainError, match="sudah diputuskan"):
        services.withdraw_report(family["sup"], flag, "", now=NOW)
    db.session.rollback()
    assert services.flags_of([family["head"].id])[family["head"].id][0].id == flag.id


def test_supervisor_withdraws_a_facilitator_report(db, family):
    flag = services.report_stale(family["fas"], family["wife"], "meninggal",
                                 "Kabar dari tetangga", now=NOW, confirmed=True)
    db.session.commit()
    assert services.can_withdraw(family["sup"], flag)
    services.withdraw_report(family["sup"], flag, "Warga datang sendiri ke kantor desa",
                             now=NOW)
    db.session.commit()
    assert _flags(db)[0].withdrawn_by_id == family["sup"].id
    assert db.session.get(Proposal, flag.proposal_id).status == "dicabut"


def test_the_outreach_visit_keeps_the_safeguards_and_the_timeline_shows_a_withdrawal(
        db, family, register):
    from slrt.outreach import services as outreach

    case = register(family["op"], category="ppks_lansia_terlantar", name="Usman Harun",
                    nik=family["head"].nik, record_id=family["head"].id)
    kw = dict(outcome="meninggal", visited_at=NOW, now=NOW)
    with pytest.raises(DomainError, match="keterangan"):
        outreach.record_visit(family["fas"], case, notes="", confirm_stale=True, **kw)
    db.session.rollback()
    with pytest.raises(DomainError, match="Saya yakin"):
        outreach.record_visit(family["fas"], case, notes="Meninggal 20 November", **kw)
    db.session.rollback()
    assert _flags(db) == []
    visit = outreach.record_visit(family["fas"], case, notes="Meninggal 20 November",
                                  confirm_stale=True, **kw)
    db.session.commit()
    flag = _flags(db)[0]
    assert flag.proposal_id == visit.proposal_id
    services.withdraw_report(family["fas"], flag, "Keliru: yang meninggal kakaknya", now=NOW)
    db.session.commit()
    db.session.expire_all()
    last = case.events[-1]
    assert last.kind == "usulan" and "dicabut" in last.text


def test_another_village_can_neither_report_nor_withdraw(client, db, family, make_user):
    flag = services.report_stale(family["fas"], family["head"], "meninggal",
                                 "Kabar dari kepala dusun", now=NOW, confirmed=True)
    db.session.commit()
    outsider = make_user("operator", villages=[OLAK])
    login(client, outsider)
    token = csrf_from(client.get("/dtks/cek").text)
    for data in ({"mode": "lapor_form", "record_id": family["wife"].id},
                 {"mode": "lapor", "record_id": family["wife"].id, "kind": "pindah",
                  "note": "x", "yakin": "1"},
                 {"mode": "cabut", "flag_id": flag.id}):
        resp = client.post("/dtks/cek", data={**data, "csrf_token": token})
        assert resp.status_code == 404 and "Usman Harun" not in resp.text
    assert [f.withdrawn_at for f in _flags(db)] == [None]


def test_a_refused_withdrawal_on_the_page_is_logged_as_refused(client, db, family):
    flag = services.report_stale(family["fas"], family["head"], "meninggal",
                                 "Kabar dari kepala dusun", now=NOW, confirmed=True)
    db.session.commit()
    login(client, family["op"])  # not the reporter, not a supervisor
    token = csrf_from(client.get("/dtks/cek").text)
    page = client.post("/dtks/cek", data={"mode": "cabut", "flag_id": flag.id,
                                          "csrf_token": token})
    assert "Hanya pelapor atau supervisor" in page.text and "Dilaporkan meninggal" in page.text
    assert _flags(db)[0].withdrawn_at is None
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "ubah_ditolak")).one()
    assert entry.outcome == "ditolak" and entry.object_id == family["head"].id


def test_the_proposal_page_shows_the_report_and_offers_the_withdrawal(client, db, family):
    flag = services.report_stale(family["fas"], family["head"], "meninggal",
                                 "Kabar dari kepala dusun", now=NOW, confirmed=True)
    db.session.commit()
    login(client, family["fas"])
    page = client.get(f"/usulan/{flag.proposal_id}").text
    assert "Dilaporkan meninggal" in page and "Kabar dari kepala dusun" in page
    assert "Cabut laporan" in page
    back = client.post("/dtks/cek", data={"mode": "cabut", "flag_id": flag.id,
                                          "csrf_token": csrf_from(page)})
    assert back.status_code == 200 and "Usman Harun" in back.text
    page = client.get(f"/usulan/{flag.proposal_id}").text
    assert "dicabut" in page and "Cabut laporan" not in page
    assert "Dicabut (laporan lapangan ditarik)" in page
