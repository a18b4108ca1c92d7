"""Two deliveries of the same complaint at the same moment (a gateway that
retried before the first answer came back): one case, the same answer twice,
on SQLite (one writer) and on PostgreSQL (the advisory lock on the key)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from tests.factories import ARO, NOW


def test_the_same_key_at_once_registers_one_case(app, db, make_user):
    from slrt.api import services
    from slrt.cases.models import Case

    admin = make_user("admin")
    _, token = services.create_client(admin, "Gerbang SMS Dinsos", "operator",
                                      kabupaten="15.04", villages=[ARO], programs=[],
                                      expires_at=None, now=NOW)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "sms-2026-11-27-0815"}
    body = {"village_code": ARO, "category_code": "pbi_tidak_aktif",
            "description": "KIS ibu tidak aktif, dilaporkan lewat SMS.", "name": "Nurhayati"}
    answers = []
    start = threading.Barrier(2)

    def deliver():
        client = app.test_client()
        start.wait()
        resp = client.post("/api/v1/complaints", json=body, headers=headers)
        answers.append((resp.status_code, resp.get_json()))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [a[0] for a in answers] == [201, 201], answers
    assert answers[0][1] == answers[1][1]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
