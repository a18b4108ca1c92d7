"""Script and template-injection strings in every free-text field render as
text in every page that shows them.

The world of the role matrix (tests/security/conftest.py: a case with its
person, a referral with its handover, a proposal decided in a Musdes, a
registry record, an import) is filled with hostile text, then every GET page
of the url_map is fetched by a role allowed to see it. New pages are covered
as soon as they join the matrix, which fails when a page is missing from it.
"""

from __future__ import annotations

import pytest

from tests.http import login
from tests.security.matrix import ALLOWED, _url

LONG = '<script>alert(1)</script>"><img src=x onerror=alert(2)>{{7*7}}x4'
SHORT = '"><img src=x onerror=alert(3)>{{7*7}}x5'
LINK = "javascript:alert(4)"
FORBIDDEN = ("<script>alert", "<img src=x onerror", 'href="javascript:', "49x4", "49x5")
ROLE_ORDER = ["supervisor", "operator", "fasilitator", "handler", "admin", "province_supervisor"]


def _fit(value: str, limit: int) -> str:
    return value if len(value) <= limit else SHORT[:limit]


@pytest.fixture
def hostile_world(world, db):  # noqa: F811  (the imported fixture)
    from slrt.cases.models import Case, Person
    from slrt.dtks.models import RegistryImport, RegistryRecord
    from slrt.proposals.models import Musdes, Proposal
    from slrt.referrals.models import AidHandover, Referral

    users, case = world
    ids = case.ids
    person = db.session.get(Person, case.beneficiary_id)
    person.name, person.address, person.dusun = LONG, LONG, SHORT
    person.identifying_notes, person.birth_place = LONG, SHORT
    case = db.session.get(Case, case.id)
    case.description, case.reporter_name, case.reporter_relation = LONG, LONG, SHORT
    case.outcome_note = LONG
    referral = db.session.get(Referral, case.referral_id)
    referral.reason, referral.last_question, referral.last_answer = LONG, LONG, LONG
    referral.outcome_note = LONG
    handover = db.session.query(AidHandover).filter_by(referral_id=referral.id).one()
    handover.notes, handover.recipient_name = LONG, LONG
    proposal = db.session.get(Proposal, ids["proposal_id"])
    proposal.name, proposal.note, proposal.decision_reason = LONG, LONG, LONG
    musdes = db.session.get(Musdes, ids["musdes_id"])
    musdes.place, musdes.scan_name = LONG, _fit(LONG, 160)
    record = db.session.get(RegistryRecord, ids["record_id"])
    record.name, record.address, record.dusun, record.mother_name = LONG, LONG, SHORT, LONG
    record.birth_place = SHORT
    registry_import = db.session.get(RegistryImport, ids["import_id"])
    registry_import.file_name, registry_import.message = LONG, LONG
    for user in users.values():
        user.full_name = LONG
    users["operator"].phone = "0812-3456-7890"
    db.session.commit()
    from slrt.cases.services import add_note
    from slrt.common.time import now_utc

    add_note(users["operator"], case, f"{LONG} {LINK}", now=now_utc())
    db.session.commit()
    case.ids = ids
    return users, case


@pytest.mark.parametrize("endpoint", sorted(ALLOWED))
def test_hostile_text_renders_as_text_on_every_page(app, hostile_world, endpoint):
    users, case = hostile_world
    role = next(r for r in ROLE_ORDER if r in ALLOWED[endpoint])
    client = app.test_client()
    login(client, users[role])
    resp = client.get(_url(app, endpoint, case, users["operator"].id))
    assert resp.status_code == 200, (endpoint, role, resp.status_code)
    if resp.mimetype != "text/html":  # uploads and exports: never shown inline
        assert resp.headers["Content-Disposition"].startswith("attachment"), endpoint
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        return
    html = resp.get_data(as_text=True)
    for bad in FORBIDDEN:
        assert bad not in html, (endpoint, role, bad)


def test_the_case_page_shows_the_hostile_text_escaped(app, hostile_world):
    users, case = hostile_world
    client = app.test_client()
    login(client, users["operator"])
    html = client.get(f"/kasus/{case.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text
    assert "{{7*7}}x4" in html  # never evaluated as a template
    assert LINK in html and f'href="{LINK}' not in html
