"""Property-based checks: whatever a browser posts, no form answers with a 500."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ARO, build_nik
from tests.http import csrf_from, login

UGLY = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", " ", "0", "-1", "²", "٣", "1" * 40, "9" * 25, "1.50403E+15",
                     "<script>alert(1)</script>", "{{7*7}}", "' OR 1=1 --", "\x00", "2099-13-45",
                     "15.04.03.2013", "nan", "1e309", "\u202e", "=cmd|' /C calc'!A0"]),
)
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture
def desk(app, make_user, register):
    user = make_user("operator", villages=[ARO])
    client = app.test_client()
    login(client, user)
    token = csrf_from(client.get("/kasus/baru").text)
    case = register(user, nik=build_nik("15.04.03", date(1980, 1, 1), "L", 7), name="Warga Uji",
                    category="korban_bencana")
    from datetime import UTC, datetime

    from slrt.extensions import db
    from slrt.proposals.services import create_proposal

    case.proposal = create_proposal(user, kind="baru", village_code=ARO,
                                    now=datetime(2026, 11, 27, tzinfo=UTC), name="Lastri",
                                    nik=build_nik("15.04.03", date(1975, 1, 9), "P", 3))
    db.session.commit()
    return client, token, case


CASE_FIELDS = ["step", "nik", "no_kk", "name", "birth_date", "sex", "phone", "rt", "rw",
               "household_size", "children_count", "elderly_count", "disabled_count",
               "reporter_is_beneficiary", "reporter_name", "village_code", "category_code",
               "channel", "urgency", "incident_date", "description", "registry_record_id",
               "allow_duplicate", "record_id", "is_unidentified"]


@FUZZ
@given(st.dictionaries(st.sampled_from(CASE_FIELDS), UGLY, max_size=12),
       st.sampled_from(["cari", "pilih", "baru", "tanpa_identitas", "simpan", ""]))
def test_registration_never_500(desk, data, step):
    client, token, _case = desk
    resp = client.post("/kasus/baru", data={**data, "step": step, "csrf_token": token})
    assert resp.status_code < 500, resp.status_code


@FUZZ
@given(st.dictionaries(st.sampled_from(["q", "status", "category", "village", "date_from",
                                        "date_to", "before"]), UGLY, max_size=7))
def test_case_list_never_500(desk, data):
    client, token, _case = desk
    assert client.post("/kasus", data={**data, "csrf_token": token}).status_code < 500
    assert client.get("/kasus", query_string=data).status_code < 500


@FUZZ
@given(st.sampled_from(["catatan", "tutup", "cek-dtks", "tambah-pengaduan"]),
       st.dictionaries(st.sampled_from(["text", "outcome", "note", "version", "description",
                                        "channel"]), UGLY, max_size=6))
def test_case_actions_never_500(desk, action, data):
    client, token, case = desk
    resp = client.post(f"/kasus/{case.id}/{action}", data={**data, "csrf_token": token})
    assert resp.status_code < 500


@FUZZ
@given(st.dictionaries(st.sampled_from(["programs", "reason"]), UGLY, max_size=2),
       st.dictionaries(st.sampled_from(["kind", "village_code", "name", "nik", "no_kk",
                                        "reason_code", "note", "fix_name", "kasus",
                                        "record_id"]), UGLY, max_size=8))
def test_referral_and_proposal_forms_never_500(desk, refer, proposal):
    client, token, case = desk
    assert client.post(f"/rujukan/kasus/{case.id}",
                       data={**refer, "csrf_token": token}).status_code < 500
    assert client.post("/usulan/baru", data={**proposal, "csrf_token": token}).status_code < 500
    assert client.post("/dtks/cek", data={"q": proposal.get("nik", ""),
                                          "csrf_token": token}).status_code < 500


@FUZZ
@given(st.dictionaries(st.sampled_from(["held_on", "place", "attendees", "minutes_number",
                                        "decision", "reason"]), UGLY, max_size=6),
       st.sampled_from(["disetujui", "ditolak", "ditunda", ""]))
def test_musdes_form_never_500(desk, data, decision):
    client, token, case = desk
    pid = case.proposal.id
    form = {**data, "desa": ARO, "csrf_token": token, f"d{pid}": data.pop("decision", decision),
            f"r{pid}": data.pop("reason", "")}
    assert client.post("/usulan/musdes/baru", data=form).status_code < 500


def test_nul_bytes_never_reach_the_database_as_a_500(desk):
    """PostgreSQL cannot store a NUL byte; found by the property tests above."""
    client, token, case = desk
    for url, data in ((f"/rujukan/kasus/{case.id}", {"programs": "\x00", "reason": "0"}),
                      ("/kasus/baru", {"step": "simpan", "name": "Budi\x00", "village_code": ARO,
                                       "category_code": "sktm", "channel": "telepon",
                                       "urgency": "biasa", "description": "x\x00y",
                                       "reporter_is_beneficiary": "ya"}),
                      ("/usulan/baru", {"kind": "baru", "name": "\x00", "nik": "\x00"})):
        resp = client.post(url, data={**data, "csrf_token": token})
        assert resp.status_code < 500, (url, resp.status_code)
