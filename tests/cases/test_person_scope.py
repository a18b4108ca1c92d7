"""A resident's stored profile belongs to the desks of the resident's village.

A desk of another village may register a complaint for the same NIK (the
case gets the registry evidence), but it never changes that profile, nor
sees it through its registration; every change of a profile keeps the
values it replaced.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from slrt.cases.models import Case, Person, PersonHistory
from tests.factories import ARO, OLAK, build_kk, build_nik
from tests.http import login, post

NIK = build_nik("15.04.03", date(1972, 5, 9), "P", 14)
KK = build_kk("15.04.03", date(2015, 8, 21), 311)

OLAK_PROFILE = {
    "step": "simpan", "village_code": OLAK, "category_code": "pbi_tidak_aktif",
    "channel": "datang_langsung", "urgency": "biasa", "reporter_is_beneficiary": "ya",
    "description": "Kartu KIS tidak aktif ketika berobat ke puskesmas Olak.",
    "nik": NIK, "no_kk": KK, "name": "Sulastri", "address": "Jl. Lintas Jambi-Muara Bulian",
    "dusun": "Dusun Sungai Rengas", "rt": "004", "rw": "002", "phone": "0813-6622-1458",
    "household_size": "5", "children_count": "3",
}

ARO_TYPED = {
    "step": "simpan", "village_code": ARO, "category_code": "bansos_tidak_diterima",
    "channel": "datang_langsung", "urgency": "biasa", "reporter_is_beneficiary": "ya",
    "description": "Mengaku tidak pernah menerima BPNT sejak pindah.",
    "nik": NIK, "name": "Siti Sulastri binti Ahmad", "address": "Jalan Desa Aro Ujung",
    "dusun": "Dusun Pematang", "rt": "001", "rw": "001", "phone": "0852-6600-7788",
}


@pytest.fixture
def desks(app, make_user):
    """The operator of Olak and the operator of Aro, each logged in on a client."""
    olak = make_user("operator", villages=[OLAK], full_name="Nurhayati")
    aro = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    clients = {}
    for key, user in (("olak", olak), ("aro", aro)):
        clients[key] = app.test_client()
        login(clients[key], user)
    return clients


def _person(db) -> Person:
    db.session.expire_all()
    return db.session.scalars(select(Person).where(Person.nik == NIK)).one()


def test_another_village_desk_never_rewrites_the_profile(db, desks):
    assert post(desks["olak"], "/kasus/baru", OLAK_PROFILE).status_code == 302
    before = _person(db)
    stored = {a: getattr(before, a) for a in ("name", "address", "dusun", "rt", "rw",
                                               "village_code", "phone", "household_size",
                                               "no_kk", "children_count")}

    resp = post(desks["aro"], "/kasus/baru", ARO_TYPED)
    assert resp.status_code == 302, resp.text

    after = _person(db)
    assert {a: getattr(after, a) for a in stored} == stored
    assert after.village_code == OLAK
    assert db.session.scalars(select(PersonHistory)).all() == []
    aro_case = db.session.scalars(select(Case).where(Case.village_code == ARO)).one()
    assert aro_case.beneficiary_id == after.id  # the same resident, one identity
    assert aro_case.beneficiary_profile["name"] == "Siti Sulastri binti Ahmad"
    assert aro_case.beneficiary_profile["address"] == "Jalan Desa Aro Ujung"
    # the case still carries its registry evidence
    assert aro_case.registry_checks and aro_case.registry_checks[0].method == "nik"

    # Aro's case page shows what Aro typed, nothing of what only Olak stored
    page = desks["aro"].get(f"/kasus/{aro_case.id}").text
    assert "Siti Sulastri binti Ahmad" in page and "Jalan Desa Aro Ujung" in page
    for olak_only in ("Sungai Rengas", "Lintas Jambi", "081366221458", "5 orang", KK):
        assert olak_only not in page
    receipt = desks["aro"].get(f"/kasus/{aro_case.id}/tanda-terima").text
    assert "Siti Sulastri binti Ahmad" in receipt and ">Sulastri<" not in receipt

    # Olak's own case page still shows Olak's profile
    olak_case = db.session.scalars(select(Case).where(Case.village_code == OLAK)).one()
    olak_page = desks["olak"].get(f"/kasus/{olak_case.id}").text
    assert "Sungai Rengas" in olak_page and "Siti Sulastri binti Ahmad" not in olak_page


def test_the_lookup_step_prefills_nothing_another_village_stored(db, desks):
    assert post(desks["olak"], "/kasus/baru", OLAK_PROFILE).status_code == 302
    assert post(desks["aro"], "/kasus/baru", ARO_TYPED).status_code == 302
    page = post(desks["aro"], "/kasus/baru", {"step": "cari", "nik": NIK}).text
    for olak_only in ("Sungai Rengas", "Lintas Jambi", "081366221458", KK):
        assert olak_only not in page


def test_the_village_own_change_keeps_the_previous_values(db, desks, app):
    assert post(desks["olak"], "/kasus/baru", OLAK_PROFILE).status_code == 302
    moved_within_olak = {**OLAK_PROFILE, "category_code": "bansos_tidak_diterima",
                         "description": "BPNT berhenti setelah pindah rumah.",
                         "address": "Jl. Sultan Thaha No. 12", "rt": "007",
                         "phone": "0813 6622 1458"}
    assert post(desks["olak"], "/kasus/baru", moved_within_olak).status_code == 302

    person = _person(db)
    assert person.address == "Jl. Sultan Thaha No. 12" and person.rt == "007"
    history = db.session.scalars(select(PersonHistory)).all()
    assert len(history) == 1
    assert history[0].changes == {"address": ["Jl. Lintas Jambi-Muara Bulian",
                                              "Jl. Sultan Thaha No. 12"],
                                  "rt": ["004", "007"]}
    newest = db.session.scalars(select(Case).order_by(Case.id.desc())).first()
    assert history[0].case_id == newest.id
    assert history[0].changed_by.full_name == "Nurhayati"
    page = desks["olak"].get(f"/kasus/{newest.id}").text
    assert "Riwayat perubahan data" in page and "Jl. Lintas Jambi-Muara Bulian" in page


def test_a_supervisor_may_move_the_resident_and_the_move_is_kept(db, desks, app, make_user):
    assert post(desks["olak"], "/kasus/baru", OLAK_PROFILE).status_code == 302
    supervisor = make_user("supervisor", full_name="Hendra Saputra")
    client = app.test_client()
    login(client, supervisor)
    resp = post(client, "/kasus/baru", {**ARO_TYPED, "name": "Sulastri"})
    assert resp.status_code == 302, resp.text
    person = _person(db)
    assert person.village_code == ARO and person.address == "Jalan Desa Aro Ujung"
    change = db.session.scalars(select(PersonHistory)).one().changes
    assert change["village_code"] == [OLAK, ARO]
    assert change["dusun"] == ["Dusun Sungai Rengas", "Dusun Pematang"]


def test_a_duplicate_in_the_own_village_is_found_behind_another_village_case(db, desks):
    """The resident's oldest open case of the category is Olak's; Aro's own
    open case of that category must still stop a second one at Aro."""
    same_category = {**ARO_TYPED, "category_code": OLAK_PROFILE["category_code"]}
    assert post(desks["olak"], "/kasus/baru", OLAK_PROFILE).status_code == 302
    assert post(desks["aro"], "/kasus/baru", same_category).status_code == 302
    again = post(desks["aro"], "/kasus/baru", same_category)
    assert again.status_code == 409
    aro_case = db.session.scalars(select(Case).where(Case.village_code == ARO)).one()
    assert aro_case.number in again.text
    olak_case = db.session.scalars(select(Case).where(Case.village_code == OLAK)).one()
    assert olak_case.number not in again.text
    assert "Sungai Rengas" not in again.text


def test_the_art_32_report_shows_the_profile_history_and_what_other_desks_recorded(
        db, desks, app, make_user):
    assert post(desks["olak"], "/kasus/baru", OLAK_PROFILE).status_code == 302
    assert post(desks["olak"], "/kasus/baru", {
        **OLAK_PROFILE, "category_code": "bansos_tidak_diterima",
        "description": "BPNT berhenti.", "address": "Jl. Sultan Thaha No. 12"}).status_code == 302
    assert post(desks["aro"], "/kasus/baru", {**ARO_TYPED,
                                              "category_code": "ppks_lansia_terlantar"}).status_code == 302
    supervisor = make_user("supervisor", full_name="Hendra Saputra")
    client = app.test_client()
    login(client, supervisor)
    page = post(client, "/audit/pdp", {"nik": NIK}).text
    section = page.split("Riwayat perubahan profil")[1].split("Data DTKS/DTSEN")[0]
    assert "Jl. Lintas Jambi-Muara Bulian" in section and "Jl. Sultan Thaha No. 12" in section
    assert "Nurhayati" in section
    assert "Siti Sulastri binti Ahmad" in page.split("<h3>Kasus</h3>")[1]
