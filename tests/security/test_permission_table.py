"""The permission table itself: can(user, action, obj) with the objects of a
scope (a village's case, a program's referral), and the guard it gives views."""

from __future__ import annotations

from datetime import date

import pytest
from flask_login import AnonymousUserMixin

from slrt.common.errors import DomainError
from slrt.common.permissions import (
    ACTIONS,
    can,
    permission_required,
    program_scope,
    village_scope,
)
from tests.factories import ARO, NOW, OLAK, build_nik
from tests.http import login

TENAM = "15.04.03.2018"


@pytest.fixture
def aro_case(make_user, register):
    """Pak Sahril's complaint at the desk of Desa Aro, sent to disaster logistics."""
    from tests.factories import refer_to

    operator = make_user("operator", villages=[ARO])
    case = register(operator, nik=build_nik("15.04.03", date(1968, 4, 2), "L", 3),
                    name="Sahril", category="korban_bencana")
    referral = refer_to(operator, case, "BENCANA_LOG")[0]
    return case, referral


def test_operator_reaches_the_cases_of_his_village_only(make_user, aro_case):
    case, _referral = aro_case
    here = make_user("operator", villages=[ARO])
    elsewhere = make_user("operator", villages=[OLAK])
    assert can(here, "case.close", case)
    assert can(elsewhere, "case.close")            # the role may close cases...
    assert not can(elsewhere, "case.close", case)  # ...but not one of Desa Aro


def test_fasilitator_reaches_each_of_his_villages(make_user, aro_case):
    case, _referral = aro_case
    assert can(make_user("fasilitator", villages=[OLAK, ARO]), "case.view", case)
    assert not can(make_user("fasilitator", villages=[OLAK, TENAM]), "case.view", case)


def test_supervisor_reaches_the_whole_regency(make_user, aro_case):
    case, referral = aro_case
    supervisor = make_user("supervisor")
    assert can(supervisor, "case.view", case)
    assert can(supervisor, "referral.desk", referral)
    assert not can(supervisor, "referral.handle", referral)  # he is not the program's handler


def test_handler_reaches_the_referrals_of_his_programs_only(make_user, aro_case):
    _case, referral = aro_case
    logistics = make_user("handler", programs=["BENCANA_LOG"])
    pkh = make_user("handler", programs=["PKH", "BPNT"])
    assert can(logistics, "referral.assign", referral)
    assert can(pkh, "referral.assign")
    assert not can(pkh, "referral.assign", referral)
    assert not can(logistics, "case.view")  # handlers reach cases through referrals


def test_handler_of_another_program_is_refused_by_the_service(make_user, aro_case, now):
    from slrt.referrals import services

    _case, referral = aro_case
    with pytest.raises(DomainError, match="petugas program ini"):
        services.assign(make_user("handler", programs=["PKH"]), referral, None, now=now)


def test_operator_of_another_village_cannot_refer_the_case(make_user, aro_case, now):
    from slrt.referrals import services

    case, _referral = aro_case
    with pytest.raises(DomainError):
        services.refer(make_user("operator", villages=[OLAK]), case, ["PKH"], "Mohon dibantu",
                       now=now)


def test_admin_manages_accounts_and_sees_no_resident(make_user, aro_case):
    case, referral = aro_case
    admin = make_user("admin")
    assert can(admin, "admin.users") and can(admin, "settings.reminders")
    assert not any(can(admin, a) for a in ("case.view", "referral.view", "report.view"))
    assert village_scope(admin) == [] and program_scope(admin) is None


def test_stored_profile_follows_the_village_but_a_handler_sees_it(make_user, aro_case):
    case, _referral = aro_case
    person = case.beneficiary
    assert can(make_user("operator", villages=[ARO]), "person.profile", person)
    assert not can(make_user("operator", villages=[OLAK]), "person.profile", person)
    # the handler reached the case through a referral of his program
    assert can(make_user("handler"), "person.profile", person)


def test_objects_are_duck_typed():
    class Desk:
        role = "operator"
        regency_code = "15.04"
        village_codes = [ARO]
        program_codes: list[str] = []

    class Visit:
        village_code = ARO

    class Letter:  # no village at all: refused, not guessed
        pass

    class Unplaced(Desk):  # an account of no regency reaches nothing
        regency_code = None

    assert can(Desk(), "outreach.photo", Visit())
    assert not can(Desk(), "outreach.photo", Letter())
    assert not can(Unplaced(), "outreach.photo", Visit())


def test_anonymous_and_unknown_roles_are_refused():
    class Stranger:
        role = "kepala_desa"
        village_codes = [ARO]
        program_codes: list[str] = []

    assert not can(AnonymousUserMixin(), "account.password")
    assert not can(Stranger(), "case.view")
    assert village_scope(Stranger()) == []


def test_an_unknown_action_is_a_programming_error(make_user):
    with pytest.raises(KeyError):
        can(make_user("supervisor"), "case.delete")
    with pytest.raises(KeyError):
        permission_required("case.delete")


def test_every_action_names_known_roles():
    from slrt.auth.models import ROLES

    for name, rule in ACTIONS.items():
        assert rule.roles and rule.roles <= set(ROLES), name
        assert rule.unscoped <= rule.roles, name


def test_the_menu_is_drawn_from_the_table(app, client, make_user):
    login(client, make_user("handler"))
    html = client.get("/").text
    assert 'href="/rujukan/antrean"' in html and 'href="/kasus"' not in html
    desk = app.test_client()
    login(desk, make_user("operator"))
    html = desk.get("/").text
    assert 'href="/kasus"' in html and 'href="/desa-saya"' in html
    assert 'href="/rujukan/antrean"' not in html and 'href="/audit"' not in html


def test_the_services_refuse_a_role_the_table_refuses_whatever_door_calls_them(app, db,
                                                                            make_user):
    """The services ask the table themselves (NotAllowed, a 403 at every door), so a
    door that forgot its guard still refuses: the follow-ups, the registry check,
    the proposals and the API's clients."""
    from sqlalchemy import select

    from slrt.api import services as api_services
    from slrt.common.errors import NotAllowed
    from slrt.dtks.queries import check_identifier
    from slrt.outreach import services as outreach
    from slrt.proposals.models import Proposal
    from slrt.proposals.services import scoped

    handler = make_user("handler", programs=["PKH"])
    admin = make_user("admin")
    operator = make_user("operator", villages=[ARO])
    refused = [
        lambda: outreach.open_tasks(handler),
        lambda: outreach.waiting_referrals(admin, date(2026, 12, 7)),
        lambda: outreach.pending_proposals(handler),
        lambda: check_identifier(admin, build_nik("150403", date(1979, 5, 12), "L", 17)),
        lambda: scoped(handler, select(Proposal)),
        lambda: api_services.create_client(operator, "Sistem Desa Aro", "operator",
                                           kabupaten="15.04", villages=[ARO], programs=[],
                                           expires_at=None, now=NOW),
    ]
    for call in refused:
        with pytest.raises(NotAllowed) as e:
            call()
        assert e.value.message == "Anda tidak berwenang melakukan ini."
    # the roles the table allows get their answer
    assert outreach.open_tasks(operator) == []
    assert check_identifier(operator, build_nik("150403", date(1979, 5, 12), "L", 17)).error \
        is None
