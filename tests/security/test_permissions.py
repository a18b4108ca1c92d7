"""Role-by-route matrix: every role against every page, deny by default."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.factories import ARO, OLAK, build_nik
from tests.http import login, post

ROLES = ["operator", "fasilitator", "handler", "supervisor", "admin"]

# endpoint -> roles allowed (GET pages). Anything not here must be denied to
# every role except as listed; the test fails if a new endpoint appears unlisted.
ALLOWED = {
    "main.index": {"operator", "fasilitator", "handler", "supervisor"},
    "cases.index": {"operator", "fasilitator", "supervisor"},
    "cases.register": {"operator", "fasilitator", "supervisor"},
    "cases.detail": {"operator", "fasilitator", "supervisor"},
    "cases.receipt": {"operator", "fasilitator", "supervisor"},
    "dtks.check": {"operator", "fasilitator", "supervisor"},
    "dtks.imports": {"supervisor"},
    "dtks.import_detail": {"supervisor"},
    "dtks.import_report": {"supervisor"},
    "referrals.route_case": {"operator", "fasilitator", "supervisor"},
    "referrals.queue": {"handler"},
    "referrals.needs_reply": {"operator", "fasilitator", "supervisor"},
    "referrals.detail": {"operator", "fasilitator", "supervisor", "handler"},
    "referrals.letter": {"operator", "fasilitator", "supervisor", "handler"},
    "referrals.handover": {"handler"},
    "referrals.handover_record": {"operator", "fasilitator", "supervisor", "handler"},
    "proposals.index": {"operator", "fasilitator", "supervisor"},
    "proposals.create": {"operator", "fasilitator", "supervisor"},
    "proposals.musdes_new": {"operator", "fasilitator", "supervisor"},
    "proposals.musdes_detail": {"operator", "fasilitator", "supervisor"},
    "proposals.musdes_scan": {"operator", "fasilitator", "supervisor"},
    "proposals.export": {"operator", "fasilitator", "supervisor"},
    "proposals.detail": {"operator", "fasilitator", "supervisor"},
    "auth.change_password": {"operator", "fasilitator", "handler", "supervisor", "admin"},
    "audit.index": {"supervisor"},
    "reports.listing": {"operator", "fasilitator", "handler", "supervisor"},
    "reports.listing_export": {"operator", "fasilitator", "handler", "supervisor"},
    "reports.cases": {"operator", "fasilitator", "handler", "supervisor"},
    "reports.cases_export": {"operator", "fasilitator", "handler", "supervisor"},
    "reports.monthly": {"operator", "fasilitator", "handler", "supervisor"},
    "reports.recap": {"supervisor"},
    "reports.recap_export": {"supervisor"},
    "audit.pdp": {"supervisor"},
    "admin.users": {"admin"},
    "admin.create_user": {"admin"},
    "admin.edit_user": {"admin"},
    "admin.programs": {"admin"},
    "admin.edit_program": {"admin"},
    "reminders.inbox": {"operator", "fasilitator", "handler", "supervisor", "admin"},
    "reminders.settings": {"admin"},
    "outreach.my_villages": {"operator", "fasilitator"},
    "outreach.visit": {"operator", "fasilitator"},
    "outreach.photo": {"operator", "fasilitator", "supervisor"},
}
# POST-only actions on a case, allowed to the roles that may see the case.
POST_ACTIONS = {
    "cases.add_note": {"operator", "fasilitator", "supervisor"},
    "cases.close": {"operator", "fasilitator", "supervisor"},
    "cases.recheck": {"operator", "fasilitator", "supervisor"},
    "cases.add_complaint": {"operator", "fasilitator", "supervisor"},
    "cases.reveal_nik": {"operator", "fasilitator", "supervisor"},  # answers 200: the NIK
    "referrals.act": {"operator", "fasilitator", "supervisor", "handler"},
    "referrals.assign": {"handler"},
    "referrals.bulk": {"handler"},
    "proposals.report_stale": {"operator", "fasilitator", "supervisor"},
    "proposals.reveal_nik": {"operator", "fasilitator", "supervisor"},  # answers 200
    "dtks.import_action": {"supervisor"},
    "reminders.mark_read": {"operator", "fasilitator", "handler", "supervisor", "admin"},
    "reminders.pause": {"operator", "fasilitator", "supervisor", "handler"},
    "reminders.resume": {"operator", "fasilitator", "supervisor", "handler"},
    "reminders.save_holidays": {"admin"},
    "reminders.save_unit_supervisors": {"admin"},
    "reminders.retry": {"admin"},
    "outreach.contact": {"operator", "fasilitator", "supervisor"},
}
PUBLIC = {"auth.login", "auth.logout", "static", "main.health", "status_page.lookup"}


def test_matrix_lists_every_endpoint(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert endpoints == set(ALLOWED) | set(POST_ACTIONS) | PUBLIC


@pytest.fixture
def world(make_user, register, db, app, tmp_path, make_registry):
    from datetime import UTC, datetime

    from slrt.referrals import services
    from slrt.referrals.aid import Composition

    users = {role: make_user(role, villages=[ARO] if role in ("operator", "fasilitator") else None)
             for role in ROLES}
    case = register(users["operator"], nik=build_nik("15.04.03", date(1979, 9, 9), "L", 1),
                    name="Sahril", category="korban_bencana")
    now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    referral = services.refer(users["operator"], case, ["BENCANA_LOG"], "Rumah terbakar",
                              now=now)[0]
    services.move(users["handler"], referral, "terima", now=now)
    services.record_handover(users["handler"], referral, Composition(adult_men=1),
                             {"matras": 1}, "Sahril", "", now=now)
    from pathlib import Path

    from slrt.proposals import services as proposals

    app.instance_path = str(tmp_path)
    record = make_registry("Usman Harun")
    proposal = proposals.create_proposal(
        users["operator"], kind="nonaktif", village_code=ARO, now=now, record=record,
        reason_code="meninggal")
    musdes = proposals.record_musdes(
        users["operator"], village_code=ARO, held_on=date(2026, 11, 20), place="Balai Desa",
        attendees=12, minutes_number="1/BA/2026", decisions={proposal.id: ("disetujui", "")},
        now=now, scan=b"%PDF-1.4 ba", scan_name="ba.pdf", upload_dir=Path(tmp_path) / "uploads")
    from slrt.dtks.models import RegistryImport

    registry_import = RegistryImport(file_name="dtks.txt", period="2022-07", status="validated",
                                     rows_total=10, rows_valid=10)
    db.session.add(registry_import)
    from slrt.outreach import services as outreach
    from tests.factories import PNG

    visit = outreach.record_visit(users["fasilitator"], case, outcome="bertemu", visited_at=now,
                                  notes="", now=now, photo=PNG,
                                  upload_dir=Path(tmp_path) / "uploads")
    db.session.commit()
    case.referral_id = referral.id
    case.ids = {"proposal_id": proposal.id, "musdes_id": musdes.id, "record_id": record.id,
                "import_id": registry_import.id, "visit_id": visit.id}
    return users, case


def _url(app, endpoint, case, user_id):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    ids = {"user_id": user_id, "case_id": case.id, "referral_id": case.referral_id,
           "code": "PKH", **case.ids}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ALLOWED))
def test_get_pages_by_role(app, client, world, role, endpoint):
    users, case = world
    login(client, users[role])
    resp = client.get(_url(app, endpoint, case, users["operator"].id))
    if role in ALLOWED[endpoint]:
        assert resp.status_code in (200, 302), resp.status_code
        if resp.status_code == 302:  # only the admin's home redirects, to the user list
            assert endpoint == "main.index" and role == "admin"
    elif endpoint == "main.index":
        assert resp.status_code == 302 and role == "admin"
    else:
        # 403 for a page of another role, 404 for an object outside the user's scope
        assert resp.status_code in (403, 404), (role, endpoint, resp.status_code)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(POST_ACTIONS))
def test_case_actions_by_role(app, client, world, role, endpoint, db):
    users, case = world
    login(client, users[role])
    resp = post(client, _url(app, endpoint, case, 0),
                {"text": "catatan", "outcome": "informasi", "description": "tambahan",
                 "channel": "telepon", "version": str(case.version), "action": "batalkan",
                 "reason": "uji", "bulk_action": "terima", "ids": [str(case.referral_id)],
                 "kind": "pindah", "result": "diterima"})
    if role in POST_ACTIONS[endpoint]:
        expected = (200,) if endpoint in ("cases.reveal_nik", "proposals.reveal_nik") \
            else (302, 422)
        assert resp.status_code in expected, (role, endpoint, resp.status_code)
    else:
        assert resp.status_code in (403, 404), (role, endpoint, resp.status_code)


def test_operator_of_another_village_gets_404_not_403(client, make_user, world):
    _users, case = world
    login(client, make_user("operator", villages=[OLAK]))
    assert client.get(f"/kasus/{case.id}").status_code == 404


def test_fasilitator_sees_all_his_villages_only(client, make_user, register):
    fas = make_user("fasilitator", villages=[ARO, OLAK])
    op_aro = make_user("operator", villages=[ARO])
    op_olak = make_user("operator", villages=[OLAK])
    op_tenam = make_user("operator", villages=["15.04.03.2018"])
    mine = [register(op_aro, nik=build_nik("15.04.03", date(1970, 1, 5), "L", 1), name="A"),
            register(op_olak, village=OLAK, nik=build_nik("15.04.03", date(1970, 1, 6), "L", 1),
                     name="B")]
    other = register(op_tenam, village="15.04.03.2018",
                     nik=build_nik("15.04.03", date(1970, 1, 7), "L", 1), name="C")
    login(client, fas)
    html = client.get("/kasus").text
    assert all(c.number in html for c in mine) and other.number not in html


def test_supervisor_sees_every_village(client, make_user, register):
    op = make_user("operator", villages=[OLAK])
    case = register(op, village=OLAK, nik=build_nik("15.04.03", date(1970, 1, 8), "L", 1),
                    name="D")
    login(client, make_user("supervisor"))
    assert client.get(f"/kasus/{case.id}").status_code == 200


def test_extra_post_fields_cannot_move_a_case_out_of_scope(client, make_user, db):
    from sqlalchemy import select

    from slrt.cases.models import Case

    op = make_user("operator", villages=[ARO])
    login(client, op)
    resp = post(client, "/kasus/baru", {
        "step": "simpan", "village_code": OLAK, "category_code": "sktm",
        "channel": "datang_langsung", "urgency": "biasa", "reporter_is_beneficiary": "ya",
        "name": "Yanti", "description": "Minta SKTM", "status": "selesai", "role": "admin"})
    assert resp.status_code == 422
    assert db.session.scalar(select(Case.id)) is None
