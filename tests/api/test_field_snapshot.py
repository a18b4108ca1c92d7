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


# The families of Aro a facilitator follows up: (name, sex, birth date).
FAMILIES = [("Syafrudin", "L", date(1971, 4, 2)), ("Nurhayati", "P", date(1983, 9, 17)),
            ("Rahmat Hidayat", "L", date(1965, 1, 30)), ("Siti Maryam", "P", date(1990, 6, 8)),
            ("Abdul Karim", "L", date(1958, 11, 21)), ("Wati Lestari", "P", date(1987, 2, 14))]


def _late_cases(make_user, register, db, first: int, count: int) -> list:
    """`count` burned houses in Aro, each referred long ago (late), with its open
    follow-up task and four visits that found nobody at home."""
    from slrt.outreach import services as outreach
    from slrt.outreach.models import FollowUpTask
    from tests.factories import refer

    desk = make_user("operator", villages=[ARO], full_name="Rina Marlina")
    walker = make_user("fasilitator", villages=[ARO], full_name="Dewi Lestari")
    made = []
    for i in range(first, first + count):
        name, sex, born = FAMILIES[i % len(FAMILIES)]
        case = register(desk, category="korban_bencana", name=f"{name} {i}",
                        nik=build_nik("15.04.03", born, sex, 200 + i), dusun="Dusun II",
                        when=wib(2026, 1, 5, 9), description=f"Rumah terbakar (RT {i:03d}).")
        ref = refer(desk, case, "BENCANA_LOG", wib(2026, 1, 5, 10))
        db.session.add(FollowUpTask(referral_id=ref.id, case_id=case.id, village_code=ARO,
                                    due_date=ref.due_date, reason="Rujukan lewat batas waktu"))
        for day in (7, 8, 9, 12):
            outreach.record_visit(walker, case, outcome="tidak_di_rumah",
                                  visited_at=wib(2026, 1, day, 8 + i % 8), notes="Rumah kosong.",
                                  now=wib(2026, 1, day, 17))
        made.append(case)
    db.session.commit()
    return made


def test_the_snapshot_asks_as_many_statements_for_thirty_cases_as_for_three(
        client, hendra, make_user, register, db):
    from tests.database import statements

    def snapshot() -> tuple[int, dict]:
        client.get("/api/v1/outreach/snapshot", headers=hendra["headers"])  # caches warm
        with statements(db.engine) as seen:
            resp = client.get("/api/v1/outreach/snapshot", headers=hendra["headers"])
        assert resp.status_code == 200, resp.text
        return len(seen), resp.get_json()

    _late_cases(make_user, register, db, 0, 2)  # with Hendra's burned house: 3 cases
    three, body = snapshot()
    assert len(body["cases"]) == len(body["tasks"]) == 3
    _late_cases(make_user, register, db, 2, 27)
    thirty, body = snapshot()
    assert len(body["cases"]) == len(body["tasks"]) == 30
    assert thirty == three, f"{three} statements for 3 cases, {thirty} for 30"
    # Each case keeps its own referral and its last three visits, the newest first
    # (Hendra's burned house has none).
    for case in body["cases"]:
        assert [r["program_name"] for r in case["referrals"]] == [
            body["tasks"][0]["program_name"]]
    visited = [c for c in body["cases"] if c["visits"]]
    assert len(visited) == 29
    for case in visited:
        assert [v["visited_at"][:10] for v in case["visits"]] == [
            "2026-01-12", "2026-01-09", "2026-01-08"]
        assert {v["outcome_label"] for v in case["visits"]} == {"Tidak di rumah"}
