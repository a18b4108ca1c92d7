"""Referrals: the life cycle table, routing rules, case status, queues, aid, letters."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from slrt.common.errors import DomainError
from slrt.referrals import services
from slrt.referrals.aid import Composition, propose_package
from slrt.referrals.models import Program, Referral
from slrt.referrals.routing import suggest
from slrt.referrals.workflow import MOVES, OPEN_STATUSES, STATUSES
from tests.factories import ARO, OLAK, build_nik
from tests.factories import refer_to as refer
from tests.http import login, post

TODAY = date(2026, 11, 27)


@pytest.fixture
def people(make_user):
    return {
        "op": make_user("operator", villages=[ARO], full_name="Rina Marlina"),
        "op_olak": make_user("operator", villages=[OLAK]),
        "fas": make_user("fasilitator", villages=[ARO, OLAK]),
        "sup": make_user("supervisor"),
        "admin": make_user("admin"),
        "bencana": make_user("handler", programs=["BENCANA_LOG", "BENCANA_SANTUNAN"],
                             full_name="Yusnita Harahap"),
        "bencana2": make_user("handler", programs=["BENCANA_LOG"], full_name="Dedi Irawan"),
        "pkh": make_user("handler", programs=["PKH", "BPNT"]),
    }


@pytest.fixture
def fire_case(people, register):
    """The seed's fire victim: the family card burned, not in the registry."""
    return register(people["op"], category="korban_bencana", urgency="darurat",
                    nik=build_nik("15.04.03", date(1978, 3, 12), "L", 3), name="Syamsul Bahri",
                    household_size=5, children_count=3,
                    description="Rumah terbakar habis; KK dan KTP ikut terbakar.")


def by_code(suggestions):
    return {s.program.code: s for s in suggestions}


# ------------------------------------------------------------------ routing

def test_fire_victim_without_family_card_goes_to_disaster_aid(fire_case):
    s = by_code(suggest(fire_case, TODAY))
    assert s["BENCANA_LOG"].suggested and not s["BENCANA_LOG"].blocked
    assert any("tidak memerlukan DTKS" in r for r in s["BENCANA_LOG"].reasons)
    assert s["BENCANA_SANTUNAN"].suggested
    assert s["PKH"].blocked
    assert "usulkan pendaftaran DTKS" in " ".join(s["PKH"].blockers)
    assert s["USULAN_DTKS"].suggested is False  # category fits disaster aid, not registry


def test_abandoned_elderly_woman_of_unknown_identity(people, register):
    case = register(people["op"], name="", is_unidentified=True, sex="P",
                    identifying_notes="Nenek sekitar 70 tahun di depan minimarket",
                    category="ppks_lansia_terlantar", urgency="darurat")
    s = by_code(suggest(case, TODAY))
    assert s["LANSIA"].suggested and not s["LANSIA"].blocked
    assert any("usia belum diketahui" in r for r in s["LANSIA"].reasons)
    assert s["PKH"].blocked and "identitas warga belum diketahui" in s["PKH"].blockers[0]
    refer(people["op"], case, "LANSIA")
    assert case.status == "dirujuk"


def test_kip_kuliah_student_not_in_registry_is_referred_with_priority_hint(people, register,
                                                                            make_registry):
    make_registry("Warga Lain")
    case = register(people["op"], category="surat_kip", name="Nurul Aini", sex="P",
                    nik=build_nik("15.04.03", date(2005, 8, 15), "P", 2),
                    birth_date=date(2005, 8, 15))
    s = by_code(suggest(case, TODAY))
    kip = s["KIP_KULIAH"]
    assert kip.suggested and not kip.blocked
    assert any("tetap dapat dirujuk" in r for r in kip.reasons)
    assert s["BH_TANGGUH"].suggested and s["BH_TANGGUH"].blocked  # local scholarship needs DTKS
    assert s["USULAN_DTKS"].suggested  # what comes first for the blocked one
    refer(people["op"], case, "KIP_KULIAH", "USULAN_DTKS")
    assert {r.program_code for r in case.referrals} == {"KIP_KULIAH", "USULAN_DTKS"}


def test_nik_not_matched_at_dukcapil_goes_to_civil_registry_first(people, register,
                                                                  make_registry):
    rec = make_registry("Hasanudin", padan=False, pbi=True)
    case = register(people["op"], category="pbi_tidak_aktif", nik=rec.nik, name="Hasanudin")
    s = by_code(suggest(case, TODAY))
    assert s["PBI_AKTIF"].blocked and "padan di Dukcapil" in s["PBI_AKTIF"].blockers[0]
    assert s["DUKCAPIL"].suggested and not s["DUKCAPIL"].blocked
    with pytest.raises(DomainError, match="rujuk ke Dukcapil"):
        refer(people["op"], case, "PBI_AKTIF")


def test_registered_member_can_go_to_pkh_and_decile_is_a_hint(people, register, make_registry):
    rec = make_registry("Siti Rohani", sex="P", decile=6)
    case = register(people["op"], category="bansos_tidak_diterima", nik=rec.nik,
                    name="Siti Rohani")
    pkh = by_code(suggest(case, TODAY))["PKH"]
    assert not pkh.blocked and any("desil 6" in r for r in pkh.reasons)
    assert refer(people["op"], case, "PKH")[0].program_code == "PKH"


def test_exclusive_program_is_blocked_for_a_pkh_household(people, register, make_registry):
    rec = make_registry("Joko Santoso", pkh=True)
    case = register(people["op"], category="bansos_tidak_diterima", nik=rec.nik,
                    name="Joko Santoso")
    bst = by_code(suggest(case, TODAY))["BST"]
    assert bst.blocked and "PKH" in bst.blockers[0]


def test_second_open_referral_to_the_same_program_is_refused(people, fire_case):
    refer(people["op"], fire_case, "BENCANA_LOG")
    with pytest.raises(DomainError, match="Sudah ada rujukan terbuka"):
        refer(people["op"], fire_case, "BENCANA_LOG")


def test_referral_needs_a_reason_and_a_program(people, fire_case):
    with pytest.raises(DomainError):
        services.refer(people["op"], fire_case, [], "alasan", now=datetime.now(UTC))
    with pytest.raises(DomainError):
        services.refer(people["op"], fire_case, ["BENCANA_LOG"], "  ", now=datetime.now(UTC))


def test_due_date_counts_working_days_over_weekend_and_holiday(people, fire_case, db):
    program = db.session.get(Program, "BENCANA_SANTUNAN")
    program.service_days = 3
    db.session.commit()
    # Thursday 24 December 2026 (WIB); 25 December is Christmas, then a weekend.
    ref = refer(people["op"], fire_case, "BENCANA_SANTUNAN",
                now=datetime(2026, 12, 24, 2, 0, tzinfo=UTC))[0]
    assert ref.due_date == date(2026, 12, 30)


# ------------------------------------------------------------------ life cycle

def _side_user(people, side):
    return {"handler": people["bencana"], "desk": people["op"], "outsider": people["pkh"],
            "other_village": people["op_olak"], "admin": people["admin"]}[side]


SIDES = ["handler", "desk", "outsider", "other_village", "admin"]


def test_every_move_from_every_status_for_every_side(people, fire_case, db):
    """10 statuses x 9 moves x 5 kinds of user: allowed exactly as the table says."""
    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    wrong, allowed_count = [], 0
    for status in sorted(STATUSES):
        for action, spec in sorted(MOVES.items()):
            for side in SIDES:
                ref.status = status
                ref.is_open = status in OPEN_STATUSES
                db.session.commit()
                allowed = status in spec.sources and side in spec.sides
                kwargs = {"target_program": "BENCANA_SANTUNAN"} if spec.needs_program else {}
                events_before = len(fire_case.events)
                try:
                    forwarded = services.move(_side_user(people, side), ref, action,
                                              "keterangan uji", now=now, **kwargs)
                    if forwarded is not None:  # keep the next forward unblocked
                        forwarded.status, forwarded.is_open = "dibatalkan", False
                except DomainError:
                    db.session.rollback()
                    db.session.refresh(ref)
                    if allowed or ref.status != status:
                        wrong.append((status, action, side, "refused"))
                    continue
                db.session.commit()
                db.session.refresh(fire_case)
                if not allowed:
                    wrong.append((status, action, side, "allowed"))
                elif ref.status != spec.target or ref.is_open != (spec.target in OPEN_STATUSES) \
                        or len(fire_case.events) <= events_before:
                    wrong.append((status, action, side, f"went to {ref.status}"))
                else:
                    allowed_count += 1
    assert wrong == []
    expected = sum(len(m.sources) * len(m.sides & set(SIDES)) for m in MOVES.values())
    assert allowed_count == expected


@pytest.mark.parametrize("action", [a for a, m in MOVES.items() if m.reason_required])
def test_moves_that_need_a_reason_refuse_without_one(people, fire_case, action, db):
    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    spec = MOVES[action]
    ref.status = sorted(spec.sources)[0]
    db.session.commit()
    user = people["bencana"] if "handler" in spec.sides else people["op"]
    with pytest.raises(DomainError) as exc:
        services.move(user, ref, action, "  ", now=datetime.now(UTC),
                      target_program="BENCANA_SANTUNAN")
    assert exc.value.field == "reason"


def test_question_answer_and_back_to_queue(people, fire_case, db):
    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    now = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    services.move(people["bencana"], ref, "minta_info", "Berapa anggota keluarga yang balita?",
                  now=now)
    db.session.commit()
    from slrt.referrals.queries import needs_reply

    assert [r.id for r in needs_reply(people["op"])] == [ref.id]
    assert needs_reply(people["op_olak"]) == []
    services.move(people["op"], ref, "jawab", "Satu balita, dua anak SD.", now=now)
    services.move(people["bencana"], ref, "terima", now=now)
    db.session.commit()
    assert ref.status == "diterima" and ref.last_answer.startswith("Satu balita")
    assert ref.assigned_to_id == people["bencana"].id
    kinds = [e.kind for e in fire_case.events]
    assert kinds[-3:] == ["rujukan_minta_info", "rujukan_jawab", "rujukan_terima"]


def test_forwarding_obeys_the_routing_rules(people, fire_case, db):
    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    with pytest.raises(DomainError, match="usulkan pendaftaran DTKS"):
        services.move(people["bencana"], ref, "teruskan", "coba PKH", now=datetime.now(UTC),
                      target_program="PKH")
    db.session.rollback()
    refer(people["op"], fire_case, "BENCANA_SANTUNAN")
    with pytest.raises(DomainError, match="Sudah ada rujukan terbuka"):
        services.move(people["bencana"], ref, "teruskan", "dobel", now=datetime.now(UTC),
                      target_program="BENCANA_SANTUNAN")


def test_cancelling_the_only_referral_returns_the_case_to_the_desk(people, fire_case, db):
    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    services.move(people["op"], ref, "batalkan", "Salah pilih program", now=datetime.now(UTC))
    db.session.commit()
    assert fire_case.status == "terbuka" and fire_case.outcome is None
    again = refer(people["op"], fire_case, "BENCANA_SANTUNAN")
    assert again[0].number.endswith("-R2") and fire_case.status == "dirujuk"


def test_forwarding_creates_a_referral_to_the_other_program(people, fire_case, db):
    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    new = services.move(people["bencana"], ref, "teruskan", "Butuh santunan kematian",
                        now=datetime.now(UTC), target_program="BENCANA_SANTUNAN")
    db.session.commit()
    assert ref.status == "diteruskan" and not ref.is_open
    assert new.program_code == "BENCANA_SANTUNAN" and new.forwarded_from_id == ref.id
    assert new.number.endswith("-R2") and fire_case.status == "dirujuk"


def test_case_status_follows_its_referrals(people, fire_case, db):
    a, b = refer(people["op"], fire_case, "BENCANA_LOG", "BENCANA_SANTUNAN")
    assert fire_case.status == "dirujuk"
    with pytest.raises(DomainError, match="rujukan terbuka"):
        from slrt.cases.services import close_at_desk
        close_at_desk(people["op"], fire_case, "informasi", "", now=datetime.now(UTC))
    db.session.rollback()
    now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    services.move(people["bencana"], a, "terima", now=now)
    services.move(people["bencana"], a, "salurkan", "Logistik diserahkan", now=now)
    db.session.commit()
    assert fire_case.status == "dirujuk"  # santunan still open
    services.move(people["bencana"], b, "tolak", "Rumah tidak rusak berat", now=now)
    db.session.commit()
    assert fire_case.status == "selesai" and fire_case.outcome == "rujukan_selesai"
    assert fire_case.closed_at == now
    assert fire_case.events[-1].text.startswith("Semua rujukan selesai")


def test_concurrent_accept_second_handler_gets_clear_message(people, fire_case, db):
    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    seen = ref.version
    services.move(people["bencana"], ref, "terima", now=datetime.now(UTC),
                  expected_version=seen)
    db.session.commit()
    with pytest.raises(services.StaleReferral, match="baru saja diubah"):
        services.move(people["bencana2"], ref, "tolak", "duplikat", now=datetime.now(UTC),
                      expected_version=seen)
    db.session.rollback()
    assert db.session.get(Referral, ref.id).status == "diterima"


def test_concurrent_write_is_caught_by_the_version_column(people, fire_case, db, app):
    """Two sessions load the same row; the slower one's UPDATE finds a new version."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    with Session(db.engine) as s1, Session(db.engine) as s2:
        r1, r2 = s1.get(Referral, ref.id), s2.get(Referral, ref.id)
        r1.status = "diterima"
        s1.commit()
        r2.status = "ditolak"
        with pytest.raises(StaleDataError):
            s2.commit()
    db.session.expire_all()
    assert db.session.get(Referral, ref.id).status == "diterima"


# ------------------------------------------------------------------ disaster aid

def test_package_for_a_couple_without_children_has_no_kids_items():
    p = propose_package(Composition(adult_men=1, adult_women=1))
    assert p["seragam_sd_laki"] == p["seragam_sd_perempuan"] == 0
    assert p["kids_ware"] == 0 and p["sandang_bayi"] == 0
    assert p["tenda_gulung"] == 1 and p["daster_dewasa"] == 1 and p["kasur"] == 1


def test_package_follows_children_by_sex_and_infants():
    p = propose_package(Composition(adult_men=1, adult_women=1, school_boys=2, school_girls=1,
                                    infants=1, elderly=1))
    assert p["seragam_sd_laki"] == 4 and p["seragam_sd_perempuan"] == 2
    assert p["kids_ware"] == 1 and p["sandang_bayi"] == 1
    assert p["selimut_woll"] == 2  # the infant and the elderly
    assert p["selimut_bergaris"] == 6  # everyone but the infant
    only_baby = propose_package(Composition(adult_women=1, infants=1))
    assert only_baby["kids_ware"] == 0 and only_baby["sandang_bayi"] == 1


def test_empty_household_gets_nothing():
    assert set(propose_package(Composition()).values()) == {0}


def test_handover_recorded_and_printed(people, fire_case, db, client):
    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    now = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
    with pytest.raises(DomainError, match="Terima rujukan"):
        services.record_handover(people["bencana"], ref, Composition(adult_men=1), {"matras": 1},
                                 "Syamsul", "", now=now)
    services.move(people["bencana"], ref, "terima", now=now)
    comp = Composition(adult_men=1, adult_women=1, school_boys=1, school_girls=2)
    qty = propose_package(comp)
    qty["air_minum"] += 2
    h = services.record_handover(people["bencana"], ref, comp, qty, "Syamsul Bahri",
                                 "Diterima di rumah saudara", now=now)
    db.session.commit()
    lines = {line.item_code: line for line in h.lines}
    assert lines["air_minum"].quantity == lines["air_minum"].proposed + 2
    assert "sandang_bayi" not in lines
    with pytest.raises(DomainError, match="sudah dicatat"):
        services.record_handover(people["bencana"], ref, comp, qty, "Syamsul", "", now=now)
    db.session.rollback()
    login(client, people["bencana"])
    page = client.get(f"/rujukan/{ref.id}/berita-acara").text
    assert "BERITA ACARA SERAH TERIMA BANTUAN" in page and "Syamsul Bahri" in page
    assert "Seragam SD perempuan" in page and "Sandang bayi" not in page


def test_handover_only_by_the_program_handler(people, fire_case, db):
    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    services.move(people["bencana"], ref, "terima", now=datetime.now(UTC))
    for user in (people["pkh"], people["op"]):
        with pytest.raises(DomainError):
            services.record_handover(user, ref, Composition(adult_men=1), {"matras": 1}, "X", "",
                                     now=datetime.now(UTC))


# ------------------------------------------------------------------ pages

def test_routing_page_explains_and_refers(client, people, fire_case, db):
    login(client, people["op"])
    page = client.get(f"/rujukan/kasus/{fire_case.id}").text
    # Nothing is ticked for the desk: the suggestions come first, with their reasons.
    assert " checked" not in page
    suggested, rest = page.split('id="program-lain"')
    assert 'value="BENCANA_LOG"' in suggested and "tidak memerlukan DTKS" in suggested
    # The programs that cannot be referred are apart, with no box to tick.
    blocked = page.split('id="tidak-dapat-dirujuk"')[1]
    assert 'id="program-PKH"' in blocked and 'value="PKH"' not in page
    assert "usulkan pendaftaran DTKS" in blocked
    # The rest are folded.
    assert re.search(r'<details id="program-lain">\s*<summary>Program lain \(\d+\)', page)
    bad = post(client, f"/rujukan/kasus/{fire_case.id}",
               {"programs": ["BENCANA_LOG", "PKH"], "reason": "Rumah terbakar"})
    assert bad.status_code == 422 and "usulkan pendaftaran DTKS" in bad.text
    assert "Rumah terbakar" in bad.text  # what was typed is kept
    assert db.session.scalar(select(Referral.id)) is None  # nothing half-saved
    ok = post(client, f"/rujukan/kasus/{fire_case.id}",
              {"programs": ["BENCANA_LOG", "BENCANA_SANTUNAN"], "reason": "Rumah terbakar"})
    assert ok.status_code == 302
    case_page = client.get(f"/kasus/{fire_case.id}").text
    assert f"{fire_case.number}-R1" in case_page and f"{fire_case.number}-R2" in case_page
    receipt = client.get(f"/kasus/{fire_case.id}/tanda-terima").text
    assert "Bantuan logistik korban bencana" in receipt


def test_queue_tabs_filters_and_bulk(client, people, register, db):
    cases = [register(people["op"], category="korban_bencana",
                      nik=build_nik("15.04.03", date(1970, 1, 1 + i), "L", 1), name=f"Warga {i}")
             for i in range(4)]
    refs = [refer(people["op"], c, "BENCANA_LOG",
                  now=datetime(2026, 11, 20 + i, 2, 0, tzinfo=UTC))[0]
            for i, c in enumerate(cases)]
    login(client, people["bencana"])
    html = client.get("/rujukan/antrean?program=BENCANA_LOG").text
    counts = dict(re.findall(r'>([A-Z][^<]+) <span class="count">(\d+)</span>', html))
    assert counts == {"Belum ditugaskan": "4", "Tugas saya": "0", "Semua terbuka": "4",
                      "Selesai": "0"}
    order = re.findall(r'rujukan/(\d+)">', html)
    assert [int(i) for i in order] == [r.id for r in refs]  # by due date
    data = {"bulk_action": "terima", "ids": [str(refs[0].id), str(refs[1].id)]}
    data.update({f"v{r.id}": str(r.version) for r in refs[:2]})
    assert post(client, "/rujukan/antrean/massal", data).status_code == 302
    data = {"bulk_action": "tugaskan", "assignee": str(people["bencana2"].id),
            "ids": [str(refs[2].id)], f"v{refs[2].id}": str(refs[2].version)}
    assert post(client, "/rujukan/antrean/massal", data).status_code == 302
    db.session.expire_all()
    statuses = [db.session.get(Referral, r.id) for r in refs]
    assert [r.status for r in statuses] == ["diterima", "diterima", "dikirim", "dikirim"]
    assert statuses[2].assigned_to_id == people["bencana2"].id
    mine = client.get("/rujukan/antrean?program=BENCANA_LOG&tab=saya").text
    assert sorted(int(i) for i in re.findall(r'rujukan/(\d+)">', mine)) == \
        sorted([refs[0].id, refs[1].id])
    # a stale version in a bulk action changes nothing and says so
    stale = {"bulk_action": "terima", "ids": [str(refs[3].id)], f"v{refs[3].id}": "999"}
    resp = post(client, "/rujukan/antrean/massal", stale)
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Referral, refs[3].id).status == "dikirim"
    # The page counts "overdue" against today's date (WIB): the same set, computed here.
    from slrt.common.time import today_wib

    overdue = client.get("/rujukan/antrean?program=BENCANA_LOG&due=lewat").text
    expected = {r.id for r in db.session.scalars(select(Referral))
                if r.is_open and r.due_date < today_wib()}
    assert {int(i) for i in re.findall(r'rujukan/(\d+)">', overdue)} == expected


def test_queue_keyset_pages(client, people, register, app):
    app.config["PAGE_SIZE"] = 2
    for i in range(5):
        case = register(people["op"], category="korban_bencana",
                        nik=build_nik("15.04.03", date(1971, 2, 1 + i), "L", 1), name=f"W {i}")
        refer(people["op"], case, "BENCANA_LOG")
    login(client, people["bencana"])
    seen, url = [], "/rujukan/antrean?program=BENCANA_LOG"
    while url:
        html = client.get(url).text
        seen += re.findall(r'rujukan/(\d+)">', html)
        nxt = re.search(r'href="(/rujukan/antrean\?[^"]*setelah=[^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert len(seen) == 5 and len(set(seen)) == 5


def test_handlers_see_only_their_programs_and_desks_only_their_villages(app, people,
                                                                       fire_case):
    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    # another program or village: 404 (not in scope); the admin's role opens no referral: 403
    for user, expected in ((people["pkh"], 404), (people["op_olak"], 404), (people["admin"], 403),
                           (people["bencana"], 200), (people["op"], 200), (people["sup"], 200),
                           (people["fas"], 200)):
        client = app.test_client()
        login(client, user)
        assert client.get(f"/rujukan/{ref.id}").status_code == expected, user.username
        assert client.get(f"/rujukan/{ref.id}/surat").status_code == expected, user.username
    client = app.test_client()
    login(client, people["pkh"])
    assert client.get("/rujukan/antrean?program=BENCANA_LOG").status_code == 404
    resp = post(client, f"/rujukan/{ref.id}/tindakan", {"action": "terima"})
    assert resp.status_code == 404


def test_stale_form_on_referral_page_says_so_and_overwrites_nothing(client, people, fire_case,
                                                                    db):
    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    old = str(ref.version)
    login(client, people["bencana"])
    assert post(client, f"/rujukan/{ref.id}/tindakan",
                {"action": "terima", "version": old}).status_code == 302
    second = client.application.test_client()
    login(second, people["bencana2"])
    resp = post(second, f"/rujukan/{ref.id}/tindakan",
                {"action": "tolak", "version": old, "reason": "dobel"})
    assert resp.status_code == 302
    page = second.get(resp.location).text
    assert "baru saja diubah oleh petugas lain" in page
    db.session.expire_all()
    assert db.session.get(Referral, ref.id).status == "diterima"


def test_letter_shows_destination_resident_reason_and_evidence(client, people, fire_case):
    ref = refer(people["op"], fire_case, "BENCANA_LOG",
                reason="Rumah terbakar, butuh logistik")[0]
    login(client, people["op"])
    page = client.get(f"/rujukan/{ref.id}/surat").text
    assert "SURAT RUJUKAN" in page and f"SR/{ref.number}" in page
    assert "Seksi Penanganan Bencana" in page and "Syamsul Bahri" in page
    assert "Rumah terbakar, butuh logistik" in page and "tidak terdaftar" in page


def test_needs_reply_page_for_the_operator(client, people, fire_case, db):
    ref = refer(people["op"], fire_case, "BENCANA_LOG")[0]
    services.move(people["bencana"], ref, "minta_info", "Mohon foto rumah yang terbakar.",
                  now=datetime.now(UTC))
    db.session.commit()
    login(client, people["op"])
    assert "Mohon foto rumah yang terbakar." in client.get("/rujukan/perlu-jawaban").text
    assert "menunggu jawaban Anda" in client.get("/").text
    resp = post(client, f"/rujukan/{ref.id}/tindakan",
                {"action": "jawab", "version": str(ref.version), "reason": ""})
    assert resp.status_code == 422 and "Jawaban wajib diisi" in resp.text
    resp = post(client, f"/rujukan/{ref.id}/tindakan",
                {"action": "jawab", "version": str(ref.version), "reason": "Foto dikirim via WA"})
    assert resp.status_code == 302
    assert "Foto dikirim via WA" not in client.get("/rujukan/perlu-jawaban").text


def test_due_dates_shift_with_now(people, fire_case):
    base = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday
    ref = refer(people["op"], fire_case, "BENCANA_LOG", now=base)[0]
    assert ref.due_date == (base + timedelta(days=1)).date()


def test_admin_edits_the_program_catalog_and_routing_follows(client, people, fire_case, db):
    login(client, people["admin"])
    page = client.get("/admin/program/BENCANA_SANTUNAN")
    assert page.status_code == 200 and "Santunan korban bencana" in page.text
    bad = post(client, "/admin/program/BENCANA_SANTUNAN", {
        "name": "Santunan korban bencana", "unit": "Seksi Penanganan Bencana",
        "registry_requirement": "wajib", "service_days": "0"})
    assert bad.status_code == 422 and "Antara 1 dan 365" in bad.text
    ok = post(client, "/admin/program/BENCANA_SANTUNAN", {
        "name": "Santunan korban bencana", "unit": "Seksi Penanganan Bencana",
        "registry_requirement": "wajib", "service_days": "7", "is_active": "y",
        "categories": ["korban_bencana"], "documents": "Surat keterangan desa\nFoto rumah"})
    assert ok.status_code == 302
    program = db.session.get(Program, "BENCANA_SANTUNAN")
    db.session.refresh(program)
    assert program.registry_requirement == "wajib" and program.service_days == 7
    assert program.documents == ["Surat keterangan desa", "Foto rumah"]
    db.session.expire_all()
    s = by_code(suggest(db.session.merge(fire_case), TODAY))
    assert s["BENCANA_SANTUNAN"].blocked  # now requires the registry
    assert not s["BENCANA_LOG"].blocked


def test_queue_rows_show_where_each_referral_stands(client, people, register, db):
    from datetime import timedelta

    from slrt.common.time import today_wib
    from slrt.common.workdays import cuti_bersama
    from slrt.notifications.status import referral_clock

    today = today_wib()
    refs = []
    for i, days in enumerate((-15, 1, 40)):
        case = register(people["op"], category="korban_bencana",
                        nik=build_nik("15.04.03", date(1968, 3, 4 + i), "P", 2), name=f"Warga {i}")
        ref = refer(people["op"], case, "BENCANA_LOG")[0]
        ref.due_date = today + timedelta(days=days)
        refs.append(ref)
    db.session.commit()
    login(client, people["bencana"])
    page = client.get("/rujukan/antrean?program=BENCANA_LOG").text
    states = []
    for ref in refs:
        clock = referral_clock(ref, today, cuti_bersama("15.04"))
        assert f'<span class="badge clock-{clock.state}">{clock.detail}</span>' in page
        states.append(clock.state)
    assert states[0] in ("overdue", "escalated") and states[1] == "at_risk"
    assert states[2] == "on_track"


def test_routing_page_for_a_kip_kuliah_student_ticks_nothing(client, people, register, db):
    case = register(people["op"], category="surat_kip", name="Nurul Aini", sex="P",
                    nik=build_nik("15.04.03", date(2005, 8, 15), "P", 2),
                    birth_date=date(2005, 8, 15))
    db.session.commit()
    login(client, people["op"])
    page = client.get(f"/rujukan/kasus/{case.id}").text
    assert " checked" not in page
    suggested = page.split('id="program-lain"')[0]
    assert 'value="KIP_KULIAH"' in suggested and 'value="USULAN_DTKS"' in suggested
    # A suggested program closed by a hard rule is shown apart, unfolded, with its reason.
    assert '<details id="tidak-dapat-dirujuk" open>' in page
    assert 'id="program-BH_TANGGUH"' in page.split('id="tidak-dapat-dirujuk"')[1]
    # Sending nothing ticked refers nowhere and says so.
    resp = post(client, f"/rujukan/kasus/{case.id}", {"reason": "Surat KIP Kuliah"})
    assert resp.status_code == 422 and "Pilih sekurang-kurangnya satu program" in resp.text
    assert db.session.scalar(select(Referral.id)) is None
