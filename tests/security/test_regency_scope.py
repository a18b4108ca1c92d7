"""The regency scope, object by object: two regencies of Provinsi Jambi in one
installation, Batang Hari (15.04) and Muaro Jambi (15.05), each with its own
accounts and the same kinds of objects. A user of one regency gets 404 (or a
page without them) for every object of the other, through the pages, the API
and the command line; the province supervisor reads both and compares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask import url_for

from tests.commands import command, said
from tests.factories import ARO, PASSWORD, PNG, build_kk, build_nik
from tests.http import login, post

BH, MJ = "15.04", "15.05"
SENGETI = "15.05.02.1010"  # Kelurahan Sengeti, Kecamatan Sekernan, Muaro Jambi
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
DESK_ROLES = ("operator", "fasilitator", "supervisor")
ROLES = ("operator", "fasilitator", "handler", "supervisor", "admin")


@dataclass
class Regency:
    code: str
    users: dict
    ids: dict
    numbers: dict


def _world(kab, village, district, people, make_user, register, make_registry, db):
    """One regency's accounts and one object of every kind, made through the services
    as its own desks, handlers, supervisor and admin do."""
    from slrt.admin import letterhead
    from slrt.api import services as api_services
    from slrt.cases import attachments
    from slrt.common.permissions import regency_of
    from slrt.common.workdays import set_cuti_bersama
    from slrt.dtks.models import RegistryImport
    from slrt.notifications.models import UnitSupervisor
    from slrt.outreach import services as outreach
    from slrt.outreach.models import FollowUpTask
    from slrt.proposals import services as proposals
    from slrt.referrals import services as referrals
    from slrt.referrals.aid import Composition
    from slrt.referrals.catalog import code_in
    from slrt.referrals.models import Program

    logistics = code_in("BENCANA_LOG", kab, BH)
    users = {role: make_user(role, kabupaten=kab,
                             villages=[village] if role in ("operator", "fasilitator") else None,
                             programs=[logistics] if role == "handler" else None,
                             full_name=f"{people['staff']} ({role})")
             for role in ROLES}
    case = register(users["operator"], village=village, category="korban_bencana",
                    name=people["beneficiary"], nik=build_nik(district, date(1979, 9, 9), "L", 1))
    referral = referrals.refer(users["operator"], case, [logistics], "Rumah terbakar",
                               now=NOW)[0]
    referrals.move(users["handler"], referral, "terima", now=NOW)
    referrals.record_handover(users["handler"], referral, Composition(adult_men=1),
                              {"matras": 1}, people["beneficiary"], "", now=NOW)
    record = make_registry(people["listed"], village=village,
                           nik=build_nik(district, date(1950, 2, 3), "P", 9),
                           no_kk=build_kk(district, date(2016, 3, 2), 9),
                           registry_id=f"DTKS-{kab}-1")
    moved = make_registry(people["moved"], village=village,
                          nik=build_nik(district, date(1985, 7, 1), "L", 8),
                          no_kk=build_kk(district, date(2016, 3, 2), 8),
                          registry_id=f"DTKS-{kab}-2")
    flag = proposals.report_stale(users["operator"], moved, "pindah",
                                  "Pindah ke Jambi, kata kepala dusun.", now=NOW, confirmed=True)
    proposal = proposals.create_proposal(users["operator"], kind="nonaktif", village_code=village,
                                         now=NOW, record=record, reason_code="meninggal")
    musdes = proposals.record_musdes(
        users["operator"], village_code=village, held_on=date(2026, 11, 20),
        place="Balai Desa", attendees=21, minutes_number=f"1/BA/{kab}/2026",
        decisions={proposal.id: ("disetujui", "")}, now=NOW, scan=b"%PDF-1.4 ba",
        scan_name="ba.pdf")
    registry_import = RegistryImport(file_name=f"DTKS_{kab}_2022_07.csv", period="2022-07",
                                     status="validated", rows_total=10, rows_valid=10,
                                     scope_code=kab)
    db.session.add(registry_import)
    visit = outreach.record_visit(users["fasilitator"], case, outcome="bertemu",
                                  visited_at=NOW, notes="", now=NOW, photo=PNG)
    task = FollowUpTask(referral_id=referral.id, case_id=case.id, village_code=village,
                        due_date=date(2026, 12, 4), reason="")
    db.session.add(task)
    attachment = attachments.attach(users["operator"], case, kind="ktp",
                                    caption=f"KTP {people['beneficiary']}", data=PNG, now=NOW)
    letterhead.save(users["admin"], name=people["letterhead"], address=people["address"],
                    phone="", logo=PNG)
    set_cuti_bersama(kab, {people["holiday"]})
    program = db.session.get(Program, logistics)
    db.session.add(UnitSupervisor(unit=program.unit, user_id=users["supervisor"].id))
    client, _token = api_services.create_client(
        users["admin"], f"OpenSID {people['village']}", "operator", kabupaten=kab,
        villages=[village], programs=[], expires_at=None, now=NOW)
    db.session.commit()
    assert regency_of(case.village_code) == kab
    return Regency(kab, users, {
        "case": case.id, "referral": referral.id, "person": case.beneficiary_id,
        "record": record.id, "moved": moved.id, "flag": flag.id, "proposal": proposal.id,
        "musdes": musdes.id, "import": registry_import.id, "visit": visit.id, "task": task.id,
        "attachment": attachment.id, "program": logistics, "client": client.id,
        "village": village}, {"case": case.number, "referral": referral.number,
                              "proposal": proposal.number, "client": client.name})


# Who and what each regency of the test holds.
PEOPLE = {
    BH: {"staff": "Petugas Batang Hari", "beneficiary": "Sahril", "listed": "Usman Harun",
         "moved": "Herman Syah", "village": "Aro", "holiday": date(2026, 12, 28),
         "letterhead": "PEMERINTAH KABUPATEN BATANG HARI\nDINAS SOSIAL",
         "address": "Jl. Sulthan Thaha No. 03, Muara Bulian"},
    MJ: {"staff": "Petugas Muaro Jambi", "beneficiary": "Syafrudin", "listed": "Siti Maryam",
         "moved": "Ahmad Damanhuri", "village": "Sengeti", "holiday": date(2026, 12, 29),
         "letterhead": "PEMERINTAH KABUPATEN MUARO JAMBI\nDINAS SOSIAL",
         "address": "Jl. Lintas Timur Km. 35, Sengeti"},
}

@pytest.fixture
def two(app, db, make_user, register, make_registry):
    """Batang Hari and Muaro Jambi in one installation (`flask regions load --province
    15` and `flask catalog load --kabupaten 15.05` as an installer runs them)."""
    from slrt.referrals.catalog import load_programs
    from slrt.regions.services import load_province

    load_province("15")
    load_programs(MJ)
    db.session.commit()
    bh, mj = (_world(code, village, district, PEOPLE[code], make_user, register,
                     make_registry, db)
              for code, village, district in ((BH, ARO, "15.04.03"), (MJ, SENGETI, "15.05.02")))
    province = make_user("province_supervisor", kabupaten="15",
                         full_name="Dra. Hj. Erniwati")
    return bh, mj, province


# Each kind of object, the page that shows it and the role whose page it is.
PAGES = [
    ("case", "operator", "cases.detail", lambda w: {"case_id": w.ids["case"]}),
    ("case", "supervisor", "cases.detail", lambda w: {"case_id": w.ids["case"]}),
    ("case receipt", "supervisor", "cases.receipt", lambda w: {"case_id": w.ids["case"]}),
    ("case routing", "operator", "referrals.route_case", lambda w: {"case_id": w.ids["case"]}),
    ("attachment", "operator", "cases.attachment",
     lambda w: {"case_id": w.ids["case"], "attachment_id": w.ids["attachment"]}),
    ("referral", "handler", "referrals.detail", lambda w: {"referral_id": w.ids["referral"]}),
    ("referral", "supervisor", "referrals.detail", lambda w: {"referral_id": w.ids["referral"]}),
    ("referral letter", "supervisor", "referrals.letter",
     lambda w: {"referral_id": w.ids["referral"]}),
    ("handover record", "handler", "referrals.handover_record",
     lambda w: {"referral_id": w.ids["referral"]}),
    ("proposal", "operator", "proposals.detail", lambda w: {"proposal_id": w.ids["proposal"]}),
    ("proposal", "supervisor", "proposals.detail", lambda w: {"proposal_id": w.ids["proposal"]}),
    ("musdes", "supervisor", "proposals.musdes_detail", lambda w: {"musdes_id": w.ids["musdes"]}),
    ("musdes scan", "operator", "proposals.musdes_scan", lambda w: {"musdes_id": w.ids["musdes"]}),
    ("visit", "fasilitator", "outreach.visit", lambda w: {"case_id": w.ids["case"]}),
    ("visit photo", "supervisor", "outreach.photo", lambda w: {"visit_id": w.ids["visit"]}),
    ("import", "supervisor", "dtks.import_detail", lambda w: {"import_id": w.ids["import"]}),
    ("import report", "supervisor", "dtks.import_report", lambda w: {"import_id": w.ids["import"]}),
    ("user", "admin", "admin.edit_user", lambda w: {"user_id": w.users["operator"].id}),
    ("catalog entry", "admin", "admin.edit_program", lambda w: {"code": w.ids["program"]}),
    ("letterhead logo", "operator", "admin.letterhead_logo", lambda w: {"k": w.code}),
]


def _url(app, endpoint, values):
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.mark.parametrize(("kind", "role", "endpoint", "values"), PAGES,
                         ids=[f"{k}-{r}" for k, r, _e, _v in PAGES])
def test_the_other_regencys_object_is_not_found(app, two, kind, role, endpoint, values):
    bh, mj, _province = two
    url = _url(app, endpoint, values(bh))
    own, other = app.test_client(), app.test_client()
    login(own, bh.users[role])
    login(other, mj.users[role])
    assert own.get(url).status_code == 200, (kind, url)  # the page is there...
    assert other.get(url).status_code == 404, (kind, url)  # ...but not for Muaro Jambi
    assert other.get(_url(app, endpoint, values(mj))).status_code == 200  # its own is


# The lists of each role: the other regency's objects are never in them.
LISTS = [
    ("operator", "cases.index", "case"), ("supervisor", "cases.index", "case"),
    ("supervisor", "reports.listing", "case"), ("handler", "referrals.queue", "referral"),
    ("supervisor", "proposals.index", "proposal"), ("fasilitator", "outreach.my_villages", "case"),
    ("admin", "api_admin.clients", "client"),
]


@pytest.mark.parametrize(("role", "endpoint", "kind"), LISTS,
                         ids=[f"{e}-{r}" for r, e, _k in LISTS])
def test_lists_show_the_own_regency_only(app, two, role, endpoint, kind):
    bh, mj, _province = two
    client = app.test_client()
    login(client, mj.users[role])
    html = client.get(_url(app, endpoint, {})).text
    assert mj.numbers[kind] in html and bh.numbers[kind] not in html


def test_the_other_regencys_accounts_imports_and_settings_stay_out_of_the_admin_pages(app, two):
    bh, mj, _province = two
    admin, supervisor = app.test_client(), app.test_client()
    login(admin, mj.users["admin"])
    login(supervisor, mj.users["supervisor"])
    users = admin.get("/admin/pengguna").text
    assert mj.users["operator"].username in users and bh.users["operator"].username not in users
    programs = admin.get("/admin/program").text
    assert mj.ids["program"] in programs and f'/admin/program/{bh.ids["program"]}"' not in programs
    reminders = admin.get("/admin/pengingat").text  # its units' supervisors, its calendar
    assert "2026-12-29" in reminders and "2026-12-28" not in reminders
    assert "Petugas Muaro Jambi (supervisor)" in reminders
    assert "Petugas Batang Hari" not in reminders
    kop = admin.get("/admin/kop-surat").text
    assert "PEMERINTAH KABUPATEN MUARO JAMBI" in kop and "BATANG HARI" not in kop
    imports = supervisor.get("/dtks/impor").text
    assert "DTKS_15.05_2022_07.csv" in imports and "DTKS_15.04_2022_07.csv" not in imports


def test_each_regency_prints_its_own_letterhead_and_numbers_its_cases(app, two, db):
    from slrt.cases.models import Case

    bh, mj, _province = two
    for regency, words in ((bh, "PEMERINTAH KABUPATEN BATANG HARI"),
                           (mj, "PEMERINTAH KABUPATEN MUARO JAMBI")):
        client = app.test_client()
        login(client, regency.users["operator"])
        receipt = client.get(f"/kasus/{regency.ids['case']}/tanda-terima").text
        assert words in receipt and f"k={regency.code}" in receipt
    assert db.session.get(Case, bh.ids["case"]).number.startswith("BH-")
    assert db.session.get(Case, mj.ids["case"]).number.startswith("MJ-")


def test_an_admin_cannot_reach_into_another_regency(app, two, db):
    from slrt.api import services as api_services
    from slrt.auth.services import create_user, update_user
    from slrt.common.errors import DomainError, NotAllowed

    bh, mj, _province = two
    admin = mj.users["admin"]
    with pytest.raises(NotAllowed):
        update_user(bh.users["operator"], role="operator", villages=[ARO], programs=[],
                    full_name="x", email=None, phone=None, is_active=False, actor=admin)
    with pytest.raises(DomainError):  # an account in Batang Hari, made by Muaro Jambi's admin
        create_user("op-aro-2", "operator", password=PASSWORD, kabupaten=BH, villages=[ARO],
                    actor=admin)
    with pytest.raises(DomainError):  # the province's account: from the command line only
        create_user("provinsi2", "province_supervisor", password=PASSWORD, kabupaten=MJ,
                    actor=admin)
    with pytest.raises(DomainError):  # a village of Batang Hari for Muaro Jambi's client
        api_services.create_client(admin, "OpenSID Aro", "operator", kabupaten=MJ,
                                   villages=[ARO], programs=[], expires_at=None, now=NOW)
    client = app.test_client()
    login(client, admin)
    assert post(client, "/admin/pengguna/baru", {
        "username": "provinsi3", "role": "province_supervisor", "password": "sungai-batanghari",
        "full_name": "Coba"}).status_code == 422
    rotate = post(client, f"/admin/klien-api/{bh.ids['client']}/putar", {})
    assert rotate.status_code == 404


def test_a_case_is_referred_to_its_own_regencys_programs_only(two, db):
    from slrt.cases.models import Case
    from slrt.common.errors import DomainError
    from slrt.referrals import services

    bh, mj, _province = two
    case = db.session.get(Case, bh.ids["case"])
    with pytest.raises(DomainError, match="kabupaten lain"):
        services.refer(bh.users["operator"], case, ["PKH_1505"], "Mohon dibantu", now=NOW)


def test_the_escalation_goes_to_the_supervisors_of_the_referrals_regency(two):
    from slrt.notifications.directory import Directory

    bh, mj, _province = two
    d = Directory.load()
    for regency, other in ((bh, mj), (mj, bh)):
        told = d.recipients("escalated", regency.ids["program"], None, regency.ids["village"])
        assert regency.users["supervisor"].id in told
        assert other.users["supervisor"].id not in told
        assert regency.users["handler"].id in told and other.users["handler"].id not in told


def test_each_regency_counts_working_days_with_its_own_calendar(two, db):
    from slrt.common.workdays import cuti_bersama

    assert cuti_bersama(BH) == {date(2026, 12, 28)}
    assert cuti_bersama(MJ) == {date(2026, 12, 29)}


def test_the_person_and_the_registry_of_another_regency_are_out_of_reach(app, two, db):
    from slrt.cases.models import Person
    from slrt.common.errors import DomainError
    from slrt.common.permissions import can
    from slrt.dtks.models import RegistryRecord
    from slrt.proposals.models import RegistryFlag
    from slrt.proposals.services import withdraw_report

    bh, mj, _province = two
    person = db.session.get(Person, bh.ids["person"])
    assert can(bh.users["supervisor"], "person.profile", person)
    assert not can(mj.users["supervisor"], "person.profile", person)
    assert not can(mj.users["handler"], "person.profile", person)  # even a handler's reach
    record = db.session.get(RegistryRecord, bh.ids["record"])
    flag = db.session.get(RegistryFlag, bh.ids["flag"])
    with pytest.raises(DomainError):  # Batang Hari's report, withdrawn from Muaro Jambi
        withdraw_report(mj.users["supervisor"], flag, "Salah lapor.", now=NOW)
    client = app.test_client()
    login(client, mj.users["operator"])
    # report Batang Hari's record as moved from Muaro Jambi's desk: no such record here
    resp = post(client, f"/usulan/dtks/{record.id}/lapor",
                {"kind": "pindah", "note": "Pindah.", "confirm": "1"})
    assert resp.status_code == 404
    search = post(client, "/cari", {"q": person.nik}, token_page="/kasus")
    assert bh.numbers["case"] not in search.text


def test_the_audit_log_and_the_pdp_report_answer_for_the_own_regency(app, two, db):
    from slrt.cases.models import Person

    bh, mj, _province = two
    client = app.test_client()
    login(client, mj.users["supervisor"])
    log = client.get("/audit").text
    assert mj.users["operator"].username in log and bh.users["operator"].username not in log
    nik = db.session.get(Person, bh.ids["person"]).nik
    pdp = post(client, "/audit/pdp", {"nik": nik}, token_page="/audit/pdp").text
    assert bh.numbers["case"] not in pdp


# ------------------------------------------------------------------ the API

def _token(client, user) -> dict:
    pair = client.post("/api/v1/auth/token", json={"username": user.username,
                                                   "password": PASSWORD}).get_json()
    return {"Authorization": f"Bearer {pair['access_token']}"}


def test_the_api_answers_404_for_the_other_regencys_objects(app, client, two):
    from slrt.api.core import public_id

    bh, mj, _province = two
    with app.test_request_context():
        case_ref, referral_ref, proposal_ref = (
            public_id("case", bh.ids["case"]), public_id("referral", bh.ids["referral"]),
            public_id("proposal", bh.ids["proposal"]))
        own_case = public_id("case", mj.ids["case"])
    desk, handler, supervisor = (_token(client, mj.users[r])
                                 for r in ("operator", "handler", "supervisor"))
    assert client.get(f"/api/v1/complaints/{own_case}", headers=desk).status_code == 200
    for url, who in ((f"/api/v1/complaints/{case_ref}", desk),
                     (f"/api/v1/complaints/{case_ref}", supervisor),
                     (f"/api/v1/complaints/{case_ref}/routing", desk),
                     (f"/api/v1/referrals/{referral_ref}", handler),
                     (f"/api/v1/referrals/{referral_ref}", supervisor),
                     (f"/api/v1/proposals/{proposal_ref}", supervisor),
                     ("/api/v1/reports/registry-recap?kecamatan=15.04.03&period=2022-07",
                      supervisor)):
        assert client.get(url, headers=who).status_code == 404, url
    note = client.post(f"/api/v1/complaints/{case_ref}/notes", json={"text": "Dicek."},
                       headers=desk)
    assert note.status_code == 404
    listed = client.get("/api/v1/complaints", headers=supervisor).get_json()
    numbers = {item["number"] for item in listed["items"]}
    assert mj.numbers["case"] in numbers and bh.numbers["case"] not in numbers
    queue = client.get("/api/v1/referrals", headers=handler).get_json()
    assert {item["number"] for item in queue["items"]} == {mj.numbers["referral"]}


# ------------------------------------------------------------------ the command line

def test_the_command_line_works_on_the_regency_it_is_given(db, db_url, tmp_path, two):
    """Each command run as the admin runs it, on the database the pages use."""
    from sqlalchemy import select

    from slrt.auth.models import User

    def run(*args, ok=True) -> str:
        db.session.remove()
        return said(command(db_url, tmp_path, *args, ok=ok))

    imports = run("dtks", "imports", "--kabupaten", MJ)
    assert "DTKS_15.05_2022_07.csv" in imports
    assert "DTKS_15.04_2022_07.csv" not in imports
    default = run("dtks", "imports")  # SLRT_KABUPATEN: Batang Hari
    assert "DTKS_15.04_2022_07.csv" in default and "15.05" not in default
    report = run("reports", "cases", "--from", "2026-11-01", "--to", "2026-11-30",
                 "--kabupaten", MJ)
    assert "Sengeti" in report and "Aro" not in report
    outside = run("reports", "cases", "--from", "2026-11-01", "--to", "2026-11-30",
                  "--kabupaten", MJ, "--desa", ARO, ok=False)
    assert "di luar" in outside
    run("users", "create", "admin-mj2", "--role", "admin", "--kabupaten", MJ,
        "--password", "sungai-batanghari-2026")
    db.session.remove()
    assert db.session.scalar(select(User.regency_code).where(User.username == "admin-mj2")) == MJ


# ------------------------------------------------------------------ the province

def test_the_province_supervisor_reads_both_regencies_and_compares_them(app, two):
    bh, mj, province = two
    client = app.test_client()
    login(client, province)
    home = client.get("/")
    assert home.status_code == 200
    rows = dict.fromkeys(("Kabupaten Batanghari", "Kabupaten Muaro Jambi"))
    compared = client.get("/laporan/kabupaten?dari=2026-11-01&sampai=2026-11-30").text
    assert all(name in compared for name in rows)
    assert 'data-kabupaten="15.04"' in compared and 'data-kabupaten="15.05"' in compared
    assert "Kota Jambi" in compared  # every regency and city of the province has its row
    listing = client.get("/laporan/daftar?daftar=kasus_terbuka").text
    assert bh.numbers["case"] in listing and mj.numbers["case"] in listing
    # he reads; the desks' pages and the other regencies' settings are not his
    assert client.get(f"/kasus/{bh.ids['case']}").status_code == 403
    assert client.get("/admin/pengguna").status_code == 403


def test_the_comparison_counts_each_regency_as_its_supervisor_does(app, two):
    from slrt.reports.queries.dashboard import dashboard
    from slrt.reports.queries.regencies import compare_regencies

    bh, mj, province = two
    today = date(2026, 11, 30)
    rows = {r.code: r for r in compare_regencies(province, date(2026, 11, 1), today, today)}
    assert set(rows) >= {BH, MJ} and all(code.startswith("15.") for code in rows)
    for regency in (bh, mj):
        own = dashboard(regency.users["supervisor"], today)
        assert rows[regency.code].counts.values == own.counts.values
        assert rows[regency.code].cases == 1
    assert rows["15.71"].cases == 0  # Kota Jambi: no case yet


def test_the_province_row_adds_the_regencies_up_and_shares_over_all_referrals(app, two, db):
    from slrt.reports.queries.regencies import compare_regencies, province_total

    bh, mj, province = two
    today = date(2026, 11, 30)
    rows = compare_regencies(province, date(2026, 11, 1), today, today)
    total = province_total(province, date(2026, 11, 1), today, today)
    assert (total.code, total.name) == ("15", "Jambi")
    assert total.cases == sum(r.cases for r in rows) == 2
    assert total.referred == sum(r.referred for r in rows)
    for key in total.counts.keys:
        assert total.counts.values[key] == sum(r.counts.values[key] for r in rows), key
    closed = sum(r.compliance["ditutup"] for r in rows)
    on_time = sum(r.compliance["tepat_waktu"] for r in rows)
    assert total.compliance["ditutup"] == closed
    assert total.on_time == (round(100 * on_time / closed, 1) if closed else None)
    client = app.test_client()
    login(client, province)
    page = client.get("/laporan/kabupaten?dari=2026-11-01&sampai=2026-11-30").text
    foot = page.split("<tfoot>")[1].split("</tfoot>")[0]
    assert "Provinsi Jambi" in foot and '<td class="num">2</td>' in foot
