"""The field app's snapshot of *Desa saya* (GET /api/v1/outreach/snapshot): the
follow-up list of the facilitator's villages only, a summary of each case it
names, the choices of the offline forms; and a visit synced for a task someone
closed meanwhile comes back refused with the reason in Indonesian."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import ARO, build_nik, wib


@pytest.fixture
def hendra(aro_outreach, db):
    """Hendra's late burned house in Aro and, not his, a late referral in Olak
    (tests/api/conftest.py)."""
    db.session.commit()
    return aro_outreach


def test_snapshot_holds_the_villages_tasks_case_summaries_and_form_choices(client, hendra):
    resp = client.get("/api/v1/outreach/snapshot", headers=hendra["headers"])
    assert resp.status_code == 200, resp.text
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert body["village_codes"] == [ARO]
    assert body["villages"] == [{"code": ARO, "label": "Aro"}]
    [task] = body["tasks"]
    assert task["resident"]["dusun"] == "Dusun III" and task["resident"]["phone"] == "081274561230"
    assert "Jamilah" not in resp.text  # Olak is not Hendra's village
    [case] = body["cases"]
    assert case["id"] == task["case_id"] and case["number"] == hendra["fire"].number
    assert case["description"] == "Rumah terbakar habis; bantuan belum datang."
    assert case["category"].startswith("Korban bencana")
    assert [r["number"] for r in case["referrals"]] == [hendra["ref"].number]
    assert case["visits"] == []
    # No full NIK on the phone: only the masked one.
    assert build_nik("15.04.03", date(1978, 3, 12), "L", 3) not in resp.text
    assert {"code": "meninggal", "label": "Meninggal"} in body["outcomes"]
    assert "korban_bencana" in {c["code"] for c in body["categories"]}


def test_snapshot_is_for_the_field_roles_only(client, make_user, db):
    from slrt.api import services
    from slrt.common.time import now_utc

    handler = make_user("handler", programs=["BENCANA_LOG"])
    token = services.login(handler, now=now_utc())["access_token"]
    db.session.commit()
    resp = client.get("/api/v1/outreach/snapshot", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/outreach/snapshot").status_code == 401


def test_a_queued_visit_for_a_task_closed_meanwhile_is_refused_with_its_reason(
        client, hendra, make_user, db):
    from slrt.outreach import services as outreach
    from slrt.outreach.models import OutreachVisit

    body = client.get("/api/v1/outreach/snapshot", headers=hendra["headers"]).get_json()
    task = body["tasks"][0]
    other = make_user("fasilitator", villages=[ARO], full_name="Dewi Lestari")
    outreach.record_visit(other, hendra["fire"], outcome="bertemu",
                          visited_at=wib(2026, 1, 13, 9), notes="Keluarga ditemui di kebun.",
                          now=wib(2026, 1, 13, 10), task=hendra["task"])
    db.session.commit()
    url = f"/api/v1/outreach/cases/{task['case_id']}/visits"
    visit = {"outcome": "tidak_di_rumah", "visited_at": "2026-01-13T08:00",
             "notes": "Rumah terkunci.", "task_id": task["id"]}
    headers = {**hendra["headers"], "Idempotency-Key": "lapangan-7f1c"}
    refused = client.post(url, json=visit, headers=headers)
    assert refused.status_code == 422, refused.text
    problem = refused.get_json()
    assert problem["detail"].startswith("Tugas ini sudah ditutup oleh petugas lain (Dewi Lestari")
    assert problem["errors"][0]["field"] == "task_id"
    # A refusal is not remembered under the key: sent again it is decided again.
    assert client.post(url, json=visit, headers=headers).status_code == 422
    del visit["task_id"]
    kept = client.post(url, json=visit, headers={**hendra["headers"],
                                                 "Idempotency-Key": "lapangan-8a2d"})
    assert kept.status_code == 201, kept.text
    assert db.session.scalar(select(func.count()).select_from(OutreachVisit)) == 2
