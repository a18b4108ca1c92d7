"""Proposals (list, read) and the reports as JSON through the API: the
caller's villages only, the same figures as the report pages."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import ARO, NOW, OLAK, build_nik


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def desks(app, db, make_user, register, make_registry):
    """Proposals of Aro and Olak; the tokens of Aro's OpenSID, the regency's
    dashboard (supervisor) and the PKH application (handler)."""
    from slrt.api import services
    from slrt.proposals import services as proposals

    admin = make_user("admin")
    aro_op = make_user("operator", villages=[ARO])
    olak_op = make_user("operator", villages=[OLAK])
    aro = [proposals.create_proposal(
        aro_op, kind="baru", village_code=ARO, now=NOW, name=name,
        nik=build_nik("15.04.03", date(1980, 4, 2), "L", serial))
        for name, serial in (("Siti Aminah", 11), ("Rahmat Hidayat", 12), ("Nurhayati", 13))]
    olak = proposals.create_proposal(olak_op, kind="baru", village_code=OLAK, now=NOW,
                                     name="Ahmad Yani",
                                     nik=build_nik("15.04.03", date(1979, 1, 9), "L", 14))
    register(aro_op, name="Siti Aminah", category="pbi_tidak_aktif")
    register(olak_op, village=OLAK, name="Jamilah", category="korban_bencana")
    make_registry("Usman Harun")
    tokens = {}
    for name, role, villages, programs in (("OpenSID Desa Aro", "operator", [ARO], []),
                                           ("Dasbor Kabupaten", "supervisor", [], []),
                                           ("Aplikasi PKH", "handler", [], ["PKH"])):
        _, token = services.create_client(admin, name, role, kabupaten="15.04",
                                          villages=villages, programs=programs,
                                          expires_at=None, now=NOW)
        tokens[name] = bearer(token)
    db.session.commit()
    return dict(aro=aro, olak=olak, tokens=tokens)


def test_proposals_list_pages_through_the_callers_villages_only(client, desks):
    headers = desks["tokens"]["OpenSID Desa Aro"]
    first = client.get("/api/v1/proposals?limit=2", headers=headers)
    assert first.status_code == 200, first.text
    body = first.get_json()
    assert [p["name"] for p in body["items"]] == ["Nurhayati", "Rahmat Hidayat"]
    assert body["items"][0]["nik_masked"].count("*") >= 6
    rest = client.get(f"/api/v1/proposals?limit=2&cursor={body['next_cursor']}",
                      headers=headers).get_json()
    assert [p["name"] for p in rest["items"]] == ["Siti Aminah"] and rest["next_cursor"] is None
    assert "Ahmad Yani" not in first.text + str(rest)
    everyone = client.get("/api/v1/proposals", headers=desks["tokens"]["Dasbor Kabupaten"])
    assert len(everyone.get_json()["items"]) == 4
    bad = client.get("/api/v1/proposals?cursor=xyz", headers=headers)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "cursor"
    assert client.get("/api/v1/proposals",
                      headers=desks["tokens"]["Aplikasi PKH"]).status_code == 403


def test_proposal_read_is_audited_and_another_village_is_404(client, desks, db):
    from sqlalchemy import select

    from slrt.audit.models import AuditEntry

    headers = desks["tokens"]["OpenSID Desa Aro"]
    ref = client.get("/api/v1/proposals", headers=headers).get_json()["items"][0]["id"]
    one = client.get(f"/api/v1/proposals/{ref}", headers=headers)
    assert one.status_code == 200
    assert (one.get_json()["status"], one.get_json()["kind"]) == (desks["aro"][2].status, "baru")
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "lihat_usulan")).one()
    assert entry.detail["klien"] == "OpenSID Desa Aro" and entry.object_id == desks["aro"][2].id
    sup = desks["tokens"]["Dasbor Kabupaten"]
    olak_ref = [p["id"] for p in client.get("/api/v1/proposals", headers=sup).get_json()["items"]
                if p["name"] == "Ahmad Yani"][0]
    assert client.get(f"/api/v1/proposals/{olak_ref}", headers=headers).status_code == 404


def test_registry_recap_matches_the_report_query(client, desks):
    from slrt.reports.queries.registry_recap import dtks_recap

    sup = desks["tokens"]["Dasbor Kabupaten"]
    resp = client.get("/api/v1/reports/registry-recap?kecamatan=15.04.03&period=2022-07",
                      headers=sup)
    assert resp.status_code == 200, resp.text
    body = resp.get_json()
    expected = dtks_recap("15.04.03", "2022-07")
    assert [(v["village_code"], v["individuals"]) for v in body["villages"]] == [
        (c, n) for c, _name, n, _kk in expected]
    assert body["total_individuals"] == sum(r[2] for r in expected) >= 1
    assert client.get("/api/v1/reports/registry-recap?kecamatan=15.04.03&period=2022-07",
                      headers=desks["tokens"]["OpenSID Desa Aro"]).status_code == 403
    outside = client.get("/api/v1/reports/registry-recap?kecamatan=16.71.01&period=2022-07",
                         headers=sup)
    assert outside.status_code == 404
    bad = client.get("/api/v1/reports/registry-recap?kecamatan=15.04.03&period=2022-13",
                     headers=sup)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "period"


def test_case_report_counts_the_callers_scope(client, desks):
    period = f"date_from={NOW.date().replace(day=1).isoformat()}&date_to={NOW.date().isoformat()}"
    aro = client.get(f"/api/v1/reports/cases?{period}",
                     headers=desks["tokens"]["OpenSID Desa Aro"])
    assert aro.status_code == 200, aro.text
    body = aro.get_json()
    assert (body["total"], body["scope"]) == (1, f"desa {ARO}")
    summary = body["tables"][0]
    assert summary["columns"] == ["ukuran", "nilai"]
    assert summary["header"] == ["Ukuran", "Nilai"]
    figures = {code: cells for code, *cells in summary["rows"]}
    assert figures["kasus_dicatat"] == ["Kasus dicatat", 1]
    assert figures["periode_dari"] == ["Periode dari", NOW.date().replace(day=1).isoformat()]
    regency = client.get(f"/api/v1/reports/cases?{period}",
                         headers=desks["tokens"]["Dasbor Kabupaten"]).get_json()
    assert regency["total"] == 2
    narrowed = client.get(f"/api/v1/reports/cases?{period}&village={OLAK}",
                          headers=desks["tokens"]["OpenSID Desa Aro"]).get_json()
    assert narrowed["total"] == 0  # never wider than the caller's scope
